"""PDF full texts read the way a scholar reads them: one test per layout trap (issue 12).

Every PDF here is typeset by tests/helpers/pdfmaker.py; the right clean text is the assertion.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.features.readings import load_library
from bot.features.readings.fulltext import PdfLimits, join_hyphenated, sentences_of
from bot.features.readings.library import SeedLimits
from bot.features.readings.parsers.pdf import PdfParseError, parse_pdf
from bot.features.readings.summaries import sections, summarize
from tests.helpers.pdfmaker import Article, bomb_pdf

CLAIM = (
    "This article argues that the committees have absorbed the work that legal aid groups "
    "once did, because residents who bring a dispute to a committee are steered away from lawyers."
)
FINDING = "We find that disputes about unpaid wages were settled for less than half of the claim."
FILLER = [
    "Committee members are retired cadres and volunteers who are paid a small fee per case.",
    "The fee rewards speed, so members prefer agreements that can be signed on the first day.",
]


def read(tmp_path: Path, article: Article, name: str = "reading.pdf"):
    return parse_pdf(article.build(tmp_path / name))


def flat(work) -> str:
    return work.fulltext.text.replace("\n\n", " ")


def test_two_columns_drawn_row_by_row_are_read_left_column_first(tmp_path):
    left = [CLAIM, *FILLER * 3]
    right = [FINDING, "Residents accepted lower amounts because the committee helps with housing."]
    work = read(
        tmp_path,
        Article(
            title="Mediators of Last Resort",
            columns=2,
            rows_order=True,
            lines_per_page=30,
            body=[("p", left + right)],
        ),
    )
    text = flat(work)
    assert CLAIM in text and FINDING in text
    assert text.index(CLAIM) < text.index(FINDING)
    assert summarize(load_library(tmp_path).readings[0]).gist.startswith("This article argues")


def test_running_headers_page_numbers_and_labels_are_dropped_and_pages_kept(tmp_path):
    para = ["Small groups raise funds through platforms that the ministry designated.", *FILLER]
    article = Article(
        title="Giving Online: Charity Law and the Platforms",
        header=["Journal of Invented Civic Studies 9(2)", "Ferrand · Giving Online"],
        first_page=117,
        page_labels=True,
        lines_per_page=22,
        body=[
            ("h", "1 Introduction"),
            ("p", [CLAIM, *para]),
            ("h", "2 Data"),
            (
                "p",
                [
                    *para,
                    "Groups that describe their work as help find it harder to speak about the "
                    "poli~>cies that create the need.",
                ],
            ),
            ("h", "3 Platforms as Regulators"),
            ("p", [FINDING, *para]),
        ],
    )
    work = read(tmp_path, article)
    text = flat(work)
    assert "Journal of Invented" not in text and "Ferrand ·" not in text
    assert "the policies that create the need" in text
    block = next(b for b in work.fulltext.blocks if "policies that create" in b.text)
    mended = block.text.index("policies")
    before, after = block.page_at(mended), block.page_at(mended + len("policies "))
    assert int(after) == int(before) + 1  # the mended word is on the page where it starts
    assert block.page_at(mended + len("policies") - 1) == before
    assert work.fulltext.page_labels[:2] == ["117", "118"]
    assert work.fulltext.dropped["header"] >= 4 and work.fulltext.dropped["page number"] >= 2
    reading = load_library(tmp_path).readings[0]
    summary = summarize(reading, long=True)
    assert summary.gist == CLAIM and summary.gist_cited == CLAIM + " (p. 117)"
    for point in summary.points:
        assert point.cited.endswith(f"(p. {point.page})") and point.page in {"117", "118", "119"}
        page_text = {s.text for s in reading.sentences if s.page == point.page}
        assert point.quote in page_text  # verbatim, and on the page it names
    found = sections(reading)
    assert [s.heading for s in found] == ["1 Introduction", "2 Data", "3 Platforms as Regulators"]
    assert found[0].quote == CLAIM and found[0].page == "117"
    assert found[2].quote == FINDING


def test_line_end_hyphens_real_ones_kept_broken_words_joined(tmp_path):
    work = read(
        tmp_path,
        Article(
            title="Delegates of the Dictator",
            body=[
                (
                    "p",
                    [
                        "This article argues that rulers hand decisions to democratic-|appearing "
                        "associations.",
                        "We find that regime-|friendly associations survive while anti-|NGO laws "
                        "target the rest.",
                        "Many post-|Soviet states keep self-|governing boards, and govern~ments "
                        "gain legiti~macy.",
                    ],
                )
            ],
        ),
    )
    text = flat(work)
    for word in (
        "democratic-appearing",
        "regime-friendly",
        "anti-NGO",
        "post-Soviet",
        "self-governing",
    ):
        assert word in text
    assert "governments gain legitimacy" in text
    assert join_hyphenated("the re-", "cords") == "the records"


def test_ligatures_are_folded_and_split_words_mended(tmp_path):
    work = read(
        tmp_path,
        Article(
            title="Field Offices and Financial Flows",
            body=[
                (
                    "p",
                    [
                        "This article argues that field offices reconfigure cooperatives, and "
                        "funds flow first to boards.",
                        "Groups publish annual financia^l statements and cut cust^omer-facing "
                        "services for a pro^ject.",
                        *FILLER,
                    ],
                )
            ],
        ),
    )
    text = flat(work)
    assert "field offices reconfigure" in text and "funds flow first" in text
    assert "\ufb01" not in text and "\ufb02" not in text
    assert "annual financial statements and cut customer-facing services for a project." in text


def test_title_page_footer_and_metadata_title(tmp_path):
    work = read(
        tmp_path,
        Article(
            title="Partners on Paper: Rural Cooperatives as Service Partners",
            front=[
                "Ilse Ferrand",
                "Eastmoor Centre for Civic Research, University of Eastmoor",
                "ilse.ferrand@eastmoor.example",
                "Draft of 12 September 2024. Please do not cite without permission.",
            ],
            footer="Working paper series of the Eastmoor Centre for Civic Research, no. 14",
            info_title="System Model",
            body=[("p", [CLAIM, *FILLER])],
        ),
    )
    text = flat(work)
    assert text.startswith(CLAIM)
    assert "Eastmoor" not in text and "@" not in text and "Draft" not in text
    assert work.csl["title"] == "Partners on Paper: Rural Cooperatives as Service Partners"
    assert "System Model" in work.extra["title"]


def test_metadata_title_that_agrees_with_the_first_page_is_used(tmp_path):
    article = Article(
        title="Partners on Paper", info_title="Partners on Paper", body=[("p", [CLAIM, *FILLER])]
    )
    work = read(tmp_path, article)
    assert work.csl["title"] == "Partners on Paper" and "title" not in work.extra


def test_copyright_box_dropped_and_word_mended_across_the_column_break(tmp_path):
    work = read(
        tmp_path,
        Article(
            title="Rosters and Reach",
            columns=2,
            lines_per_page=26,
            copyright=(
                "Permission to make copies of this paper for teaching is granted. Copyright "
                "2024 held by the authors. ISBN 978-0-00-000000-2. $15.00."
            ),
            body=[
                (
                    "p",
                    [
                        CLAIM,
                        *FILLER,
                        "Stations send reports that update the re~>cords on who lives where.",
                        FINDING,
                    ],
                )
            ],
        ),
    )
    text = flat(work)
    assert "Permission" not in text and "$15.00" not in text
    assert "update the records on who lives where" in text
    assert work.fulltext.dropped["copyright"] > 10


def test_reference_list_dropped_and_never_the_source_of_the_doi(tmp_path):
    refs = [
        "Aldana, Ruth. 2015. Grant Makers and Grant Takers. https://doi.org/10.5555/gmgt.2015.001",
        "Brandvold, Erik. 2018. The Evaluation Burden. https://doi.org/10.5555/rip.2018.0213",
    ]
    work = read(
        tmp_path,
        Article(title="Grants and Job Titles", body=[("p", [CLAIM, *FILLER])], references=refs),
    )
    assert "Aldana" not in flat(work) and "doi.org" not in flat(work)
    assert "DOI" not in work.csl  # none rather than a cited work's
    assert work.fulltext.dropped["references"] > 10
    with_doi = Article(
        title="Grants and Job Titles",
        front=["https://doi.org/10.1234/own.2020.7"],
        body=[("p", [CLAIM, *FILLER])],
        references=refs,
    )
    assert read(tmp_path, with_doi, "b.pdf").csl["DOI"] == "10.1234/own.2020.7"


def test_footnote_markers_and_text_never_join_a_sentence(tmp_path):
    work = read(
        tmp_path,
        Article(
            title="Registered Piety",
            footnotes={"4": "We use the term religious charity for any charity run by a temple."},
            body=[
                (
                    "p",
                    [
                        "This article argues that registration separated charity from religious "
                        "life.{fn:4}",
                        *FILLER,
                    ],
                )
            ],
        ),
    )
    text = flat(work)
    assert "from religious life. Committee members" in text
    assert "temple" not in text
    assert work.fulltext.dropped["footnote marker"] == 1 and work.fulltext.dropped["footnote"] > 5


def test_table_figure_and_captions_dropped(tmp_path):
    work = read(
        tmp_path,
        Article(
            title="Who Cares for the Elderly?",
            body=[
                ("p", [CLAIM]),
                (
                    "table",
                    "Table 1. Elderly care contracts by type of provider, 2019–2022",
                    [
                        ["Provider", "Contracts"],
                        ["District-linked foundation", "41"],
                        ["Grassroots NGO", "9"],
                    ],
                ),
                ("p", [FINDING]),
                (
                    "figure",
                    "Figure 1. Share of hotline calls by topic, 2021.",
                    ["Wages", "Housing", "Noise"],
                ),
                ("p", FILLER),
            ],
        ),
    )
    text = flat(work)
    assert text == " ".join([CLAIM, FINDING, *FILLER])
    assert {"table", "caption", "figure"} <= set(work.fulltext.dropped)


def test_other_authors_claims_are_never_gist_finding_or_implication(tmp_path):
    own = (
        "The federations use the partnerships to regain a role in communities they had lost, "
        "and the NGOs gain protection in return."
    )
    Article(
        title="Sisters in Service",
        body=[
            ("h", "1 Introduction"),
            (
                "p",
                [
                    "Women's federations increasingly work with small NGOs on domestic violence.",
                    own,
                ],
            ),
            ("h", "2 Earlier Work"),
            (
                "p",
                [
                    "A growing literature in comparative politics argues that mass organizations "
                    "have lost their relevance.",
                    "Marchbank (2003) shows that the federations became shells with little "
                    "presence below the county.",
                    "Oyelaran argues that women's NGOs grew because the federations left a gap "
                    "(Oyelaran 2011).",
                    "Dufresne and Kalm find that NGOs avoid the federations to keep their "
                    "independence [4].",
                ],
            ),
            ("h", "3 Partnerships in Practice"),
            (
                "p",
                [
                    "NGOs that partnered with a federation could therefore run shelters that "
                    "other NGOs could not open."
                ],
            ),
        ],
    ).build(tmp_path / "lit.pdf")
    reading = load_library(tmp_path).readings[0]
    for long in (False, True):
        summary = summarize(reading, long)
        assert summary.gist == own
        claims = [p.quote for p in summary.points if p.heading in ("Findings", "Implications")]
        for name in ("literature", "Marchbank", "Oyelaran", "Dufresne"):
            assert not any(name in q for q in [summary.gist, *claims])
        assert not any(q.startswith(("1 ", "2 ", "3 ")) for q in [summary.gist, *claims])


def test_finding_shared_by_abstract_and_body_appears_once_with_its_origin(tmp_path):
    finding = (
        "We find that restrictions enforced through bank reporting cut NGO budgets by a third."
    )
    Article(
        title="Laws Against Foreign Money",
        abstract=["Many governments now restrict foreign funding for NGOs.", finding],
        body=[
            ("h", "1 Introduction"),
            ("p", ["Laws that restrict foreign funding have spread quickly since 2010.", *FILLER]),
            ("h", "2 Results"),
            (
                "p",
                [
                    finding,
                    "Our results show that the channel of enforcement matters more than the law.",
                ],
            ),
        ],
    ).build(tmp_path / "dup.pdf")
    summary = summarize(load_library(tmp_path).readings[0], long=True)
    quotes = [summary.gist, *(p.quote for p in summary.points)]
    assert quotes.count(finding) == 1 and len(set(quotes)) == len(quotes)
    assert summary.gist == finding and summary.gist_origin == "abstract"
    assert {p.origin for p in summary.points} <= {"abstract", "1 Introduction", "2 Results"}
    assert any(p.origin == "2 Results" for p in summary.points)


def test_encrypted_pdfs_read_with_empty_password_else_skipped(tmp_path):
    import pypdf  # a test dependency: the PDF writer that can encrypt

    source = Article(title="Harbour Cooperatives", body=[("p", [CLAIM, *FILLER])]).build(
        tmp_path / "plain.pdf"
    )
    for name, password in (("open.pdf", ""), ("locked.pdf", "seminar-7781")):
        writer = pypdf.PdfWriter(clone_from=str(source))
        writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-256")
        writer.write(tmp_path / name)
    source.unlink()
    assert CLAIM in flat(parse_pdf(tmp_path / "open.pdf"))
    with pytest.raises(PdfParseError, match="password"):
        parse_pdf(tmp_path / "locked.pdf")


def test_hostile_pdfs_each_get_one_warning_and_the_rest_load(tmp_path):
    Article(title="A Good Reading", body=[("p", [CLAIM, *FILLER])]).build(tmp_path / "good.pdf")
    bomb_pdf(tmp_path / "bomb.pdf", 80)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF garbage")
    library = load_library(tmp_path, SeedLimits(pdf=PdfLimits(max_inflated_bytes=16 * 1024 * 1024)))
    assert [r.id for r in library] == ["good"]
    assert sorted(w.split(":")[0] for w in library.warnings) == ["bomb.pdf", "broken.pdf"]
    assert "decompression bomb" in next(w for w in library.warnings if w.startswith("bomb"))
    small = load_library(tmp_path, SeedLimits(pdf=PdfLimits(max_bytes=100)))
    assert any("budget" in w for w in small.warnings) and not small.readings
    with pytest.raises(PdfParseError, match="longer than 0 s"):
        parse_pdf(tmp_path / "good.pdf", PdfLimits(max_seconds=0))


def test_seeds_check_shows_pages_words_and_what_was_dropped(tmp_path):
    Article(
        title="Grants and Job Titles",
        header=["Journal of Invented Studies"],
        lines_per_page=12,
        body=[("p", [CLAIM, *FILLER * 8])],
        references=["Aldana, Ruth. 2015. Grant Makers."],
    ).build(tmp_path / "grants.pdf")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "seeds", "check"],
        env={"SEEDS_DIR": str(tmp_path), "DATABASE_PATH": str(tmp_path / "x.db"), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.strip().startswith("pdf:"))
    assert "pages" in line and "words kept" in line and "header" in line and "references" in line


async def test_summary_commands_quote_with_pages_and_list_sections(tmp_path):
    from bot.config import Settings
    from bot.core.registry import Actor, dispatch
    from bot.services import Services

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    Article(
        title="Giving Online",
        first_page=117,
        page_labels=True,
        body=[
            ("h", "1 Introduction"),
            ("p", [CLAIM, *FILLER]),
            ("newpage",),
            ("h", "2 Results"),
            ("p", [*FILLER, FINDING]),
        ],
    ).build(seeds / "giving-online.pdf")
    settings = Settings(_env_file=None, seeds_dir=seeds, database_path=tmp_path / "x.db")
    services = await Services.open(settings)
    actor = Actor(user_id=1, name="student", guild_id=1, channel_id=1)
    try:
        long = await dispatch(services, actor, "summary", "giving-online long")
        listed = await dispatch(services, actor, "summary", "giving-online sections")
        bare = await dispatch(services, actor, "summary", "giving-online")
    finally:
        await services.close()
    assert long.body == f"**Gist** (from “1 Introduction”)\n> {CLAIM} (p. 117)"
    findings = next(f for f in long.fields if f.name.startswith("Findings"))
    assert findings.name == "Findings (2 Results)" and findings.value.endswith("(p. 118)")
    assert listed.body.splitlines() == [
        f"**1 Introduction** — “{CLAIM}” (p. 117)",
        f"**2 Results** — “{FINDING}” (p. 118)",
    ]
    assert bare.body.endswith("(p. 117)") and "long" in (bare.footer or "")


def test_printed_page_numbers_label_pages_when_the_pdf_has_no_page_labels(tmp_path):
    """A journal PDF without /PageLabels prints 245, 246 …: quotes cite those, not 1, 2."""
    article = Article(
        title="Discretion at the Counter",
        first_page=245,
        page_labels=False,  # only the printed numbers in the footer say which page it is
        body=[("h", "1 Introduction"), ("p", [CLAIM, *FILLER]), ("newpage",), ("p", [FINDING])],
    )
    work = read(tmp_path, article)
    assert work.fulltext.page_labels == ["245", "246"]
    pages = {s.text: s.page for s in sentences_of(work.fulltext)}
    assert pages[CLAIM] == "245" and pages[FINDING] == "246"


def test_page_count_is_kept_when_no_page_number_is_printed(tmp_path):
    from bot.features.readings.fulltext import Line, printed_page_numbers

    def line(text: str, top: float) -> Line:
        return Line(text, 10, False, False, top, top - 10, 72, 1, 0)

    pages = [[line("A body line of prose.", 700), line("Another line.", 100)]] * 3
    assert printed_page_numbers(pages) is None
    numbered = [[line("Journal of Civic Studies 12", 760), line(f"{n}", 40)] for n in (7, 8, 9)]
    assert printed_page_numbers(numbered) == ["7", "8", "9"]
