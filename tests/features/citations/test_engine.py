"""!cite core: our output equals citeproc-js (Zotero's engine) as recorded; exports round-trip.

The expected strings in tests/fixtures/citeproc were recorded from citeproc-js by
tools/make_citeproc_fixtures.py, each item by a fresh CSL.Engine of its own; the bot renders
with one kept engine per style, reset to each item. Node is never needed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from functools import cache
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares as mw

from bot.core.errors import BadArgument, UnknownReading
from bot.core.registry import Actor, dispatch
from bot.features.citations import STYLES, CitationEngine, styles
from bot.features.citations.engine import Citeproc, Rendered, csl_item
from bot.features.citations.export import to_bibtex, to_ris
from bot.features.citations.markup import html_to_markdown
from bot.features.citations.styles import (
    CSL_STYLES,
    StyleIndex,
    find_style,
    style_choices,
    style_for,
)
from bot.features.readings import load_library
from bot.features.readings.models import Reading
from bot.features.readings.parsers.bibtex import parse_bibtex
from bot.features.readings.parsers.ris import parse_ris
from bot.storage import Database
from tests.helpers.paths import FIXTURES

CITEPROC = FIXTURES / "citeproc"
ITEMS = json.loads((CITEPROC / "items.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((CITEPROC / "expected.json").read_text(encoding="utf-8"))["expected"]
SEED_REF = json.loads((CITEPROC / "seed-reference.json").read_text(encoding="utf-8"))
BY_CSL = {s.csl: s for s in CSL_STYLES}
STUDENT = Actor(user_id=1, name="student", guild_id=10)
ENGINE = Citeproc()


def shown(raw: str) -> str:
    """citeproc-js's string as !cite shows it: its empty-part mark dropped, spaces collapsed."""
    return " ".join(raw.replace("[NO_PRINTED_FORM]", "").split())


@cache
def rendered(csl_name: str, item_id: str) -> Rendered:
    item = next(i for i in ITEMS if i["id"] == item_id)
    return ENGINE.render(BY_CSL[csl_name], item)


FIELDS = {
    "bibliography_text": lambda r: r.bibliography_text,
    "citation_text": lambda r: r.parenthetical_text,
    "narrative_text": lambda r: r.narrative_text,
    "bibliography_html": lambda r: r.bibliography,
    "citation_html": lambda r: r.parenthetical,
    "narrative_html": lambda r: r.narrative,
}
CASES = [(style, item["id"], field) for style in EXPECTED for item in ITEMS for field in FIELDS]


@pytest.mark.parametrize(("style", "item_id", "field"), CASES)
def test_equals_citeproc_js(style, item_id, field):
    expected = shown(EXPECTED[style][item_id][field])
    if field.endswith("_html"):
        expected = html_to_markdown(expected)
    assert FIELDS[field](rendered(style, item_id)) == expected


def test_the_fixtures_cover_every_kind_of_item():
    kinds = {i["type"] for i in ITEMS}
    assert {"book", "chapter", "thesis", "report", "webpage", "article-journal"} <= kinds
    assert any("literal" in i.get("issued", {}) for i in ITEMS)
    assert any(i.get("editor") and not i.get("author") for i in ITEMS)


@pytest.mark.parametrize("style", list(SEED_REF["expected"]))
@pytest.mark.parametrize("item_id", ["kan2021", "noauth"])
def test_seed_matches_reference_file(style, item_id):
    expected = SEED_REF["expected"][style][item_id]
    item = next(i for i in SEED_REF["input_csl_json"] if i["id"] == item_id)
    result = ENGINE.render(BY_CSL[style], item)
    assert result.bibliography_text == shown(expected["bibliography_text"])
    assert result.parenthetical_text == shown(expected["citation_text"])
    assert result.bibliography == html_to_markdown(shown(expected["bibliography_html"]))


def test_what_pandoc_got_wrong_is_now_as_in_zotero():
    # literal dates stay, punctuation goes inside a closing quote, CJK names take no period,
    # IEEE keeps "[Online]." and MLA keeps its prepositions lower-case
    assert rendered("apa", "in-press").parenthetical_text == "(Lin, in press)"
    assert "“New Reform Era.”" in rendered("apa", "title-ends-in-quote").bibliography_text
    assert rendered("harvard-cite-them-right", "cjk-names").bibliography_text.startswith(
        "李明 and 王小红 (2008)"
    )
    assert "[Online]. Available:" in rendered("ieee", "webpage").bibliography_text
    mla = rendered("modern-language-association", "prepositions").bibliography_text
    assert "Volunteers versus Officials across Cities without Budgets between" in mla


def test_narrative_forms():
    assert rendered("apa", "kan2021").narrative == "Kan & Ku (2021)"
    assert rendered("modern-language-association", "kan2021").narrative == "Kan and Ku"
    assert rendered("chicago-author-date", "three-authors").narrative == "Koss et al. (2021)"
    assert rendered("ieee", "kan2021").narrative_text == "[1]"
    assert rendered("ieee", "kan2021").narrative == "\\[1\\]"  # Discord shows [1]


def test_markdown_escapes_field_text_but_keeps_italics_and_urls():
    apa = rendered("apa", "markdown-title")
    assert apa.bibliography == (
        "O’Neil, C. (2018). The \\*real\\* cost of snake\\_case and \\`code\\` in titles. "
        "*Journal of Odd\\_Names*, *3*, 10–12."
    )
    doi = rendered("apa", "one-author-doi").bibliography
    assert doi.endswith("https://doi.org/10.5129/001041513804634271")


def test_upright_words_inside_italics_leave_the_italics():
    html = '<i>Life of <span style="font-style:normal;">Homo sapiens</span> today</i>'
    assert html_to_markdown(html) == "*Life of* Homo sapiens *today*"
    assert html_to_markdown("<b>Bold <i>both</i></b> &#38; x_y") == "**Bold** ***both*** & x\\_y"


def test_readings_by_the_same_authors_render_as_if_alone():
    # Same authors, same year: in one document APA would print 2021a/2021b. A student pastes
    # one citation, so each renders alone even though the engine is shared.
    engine = Citeproc()
    first = [i for i in ITEMS if i["id"] in ("kan2021", "same-authors-later")]
    for item in first:
        engine.render(STYLES["apa"], item)
    again = engine.render(STYLES["apa"], first[1])
    assert again.parenthetical == "(Kan & Ku, 2021)"
    engine.close()


def test_note_styles_give_the_first_note_form():
    style = find_style("chicago-notes-bibliography")
    assert style is not None and style.note
    result = ENGINE.render(style, next(i for i in ITEMS if i["id"] == "kan2021"))
    assert result.note
    assert result.parenthetical_text.startswith("Karita Kan and Hok Bun Ku, “Serving the People")
    assert result.bibliography_text.startswith("Kan, Karita, and Hok Bun Ku. “Serving")


def test_rendering_never_starts_a_child_process(monkeypatch):
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError("a child process was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    engine = Citeproc()  # a new V8 context, a style never built before
    result = engine.render(style_for("american-sociological-association"), ITEMS[1])
    assert result.parenthetical_text == "(Kan and Ku 2021)"
    engine.close()


def test_dependent_styles_render_with_their_parent():
    style = style_for("2d-materials")
    assert style is not None
    assert style.csl == "institute-of-physics-numeric" and style.description == "2D Materials"
    result = ENGINE.render(style, next(i for i in ITEMS if i["id"] == "kan2021"))
    assert result.parenthetical_text == "[1]"


# --- BibTeX / RIS -----------------------------------------------------------------------------


def _reading(item: dict) -> Reading:
    return Reading(id=item["id"], csl={k: v for k, v in item.items() if k != "id"})


def _names(names: list[dict]) -> list[tuple[str, str]]:
    out = []
    for n in names:
        if "literal" in n:
            out.append((n["literal"], ""))
        else:
            family = " ".join(p for p in (n.get("non-dropping-particle"), n["family"]) if p)
            out.append((family, n.get("given", "")))
    return out


def _essentials(csl: dict) -> dict:
    parts = (csl.get("issued") or {}).get("date-parts") or [[None]]
    return {
        "author": _names(csl.get("author", [])),
        "title": csl.get("title"),
        "container": csl.get("container-title"),
        "year": parts[0][0],
        "volume": csl.get("volume"),
        "issue": csl.get("issue"),
        "page": (csl.get("page") or "").replace("–", "-") or None,
        "DOI": csl.get("DOI"),
    }


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_bibtex_round_trips_through_bibtexparser(item):
    text = to_bibtex(_reading(item))
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            mw.SeparateCoAuthors(),
            mw.SplitNameParts(),
            mw.LatexDecodingMiddleware(),
        ],
    )
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {f.key: f.value for f in entry.fields}
    authors = [
        # braces only group a corporate name for BibTeX; they are not part of it
        (" ".join(n.von + n.last).strip("{}"), " ".join(n.first))
        for n in fields.get("author", [])
    ]
    pages = fields.get("pages", "").replace("--", "-").replace("–", "-") or None
    got = {
        "author": authors,
        "title": fields.get("title"),
        "container": fields.get("journal") or fields.get("booktitle") or fields.get("organization"),
        "year": int(fields["year"]) if "year" in fields else None,
        "volume": fields.get("volume"),
        "issue": fields.get("number") if entry.entry_type != "techreport" else None,
        "page": pages,
        "DOI": fields.get("doi"),
    }
    assert got == _essentials(item)
    if entry.entry_type == "techreport" and item.get("number"):
        assert fields["number"] == item["number"]  # @techreport's number is the report's
    # …and our own importer reads it back to the same CSL fields.
    (work,), warnings = parse_bibtex(Path("x.bib"), text)
    assert not warnings
    back, sent = _essentials(work.csl), _essentials(item)
    if item["type"] == "report":  # the importer reads @techreport's number as an issue
        back["issue"] = sent["issue"]
    if item["type"] == "webpage":  # our importer reads no site name from @online (yet)
        back["container"] = sent["container"]
    assert back == sent


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_ris_round_trips_through_rispy(item):
    text = to_ris(_reading(item))
    (entry,) = rispy.loads(text)
    start, end = entry.get("start_page"), entry.get("end_page")
    got = {
        "author": [
            tuple(a.split(", ", 1)) if ", " in a else (a, "") for a in entry.get("authors", [])
        ],
        "title": entry.get("title"),
        "container": entry.get("journal_name") or entry.get("secondary_title"),
        "year": int(entry["year"]) if "year" in entry else None,
        "volume": entry.get("volume"),
        "issue": entry.get("number"),
        "page": (f"{start}-{end}" if end else start) if start else None,
        "DOI": entry.get("doi"),
    }
    assert got == _essentials(item)
    (work,), _ = parse_ris(Path("x.ris"), text)
    assert _essentials(work.csl) == _essentials(item)


def test_exports_keep_what_zotero_reads_back():
    by_id = {i["id"]: _reading(i) for i in ITEMS}
    thesis = bibtexparser.parse_string(to_bibtex(by_id["masters-thesis"])).entries[0]
    assert thesis.entry_type == "mastersthesis"
    assert thesis.fields_dict["school"].value == "University of Hong Kong"
    assert thesis.fields_dict["type"].value == "Master's thesis"
    phd = bibtexparser.parse_string(to_bibtex(by_id["thesis"])).entries[0]
    assert phd.entry_type == "phdthesis"
    dated = bibtexparser.parse_string(to_bibtex(by_id["prepositions"])).entries[0]
    assert dated.fields_dict["date"].value == "2018-03-14"
    assert dated.fields_dict["month"].value == "3"
    titled = bibtexparser.parse_string(to_bibtex(by_id["quotes-in-title"])).entries[0]
    assert "{Shenzhen}" in titled.fields_dict["title"].value
    assert "work and" in titled.fields_dict["title"].value  # sentence-case words left alone
    book = rispy.loads(to_ris(by_id["edited-book"]), mapping={**rispy.TAG_KEY_MAPPING, "ED": "ed"})
    assert book[0]["ed"] == "Fulda, Andreas" or "Fulda, Andreas" in book[0]["ed"]
    assert "secondary_authors" not in book[0] and "tertiary_authors" not in book[0]
    ris = to_ris(by_id["prepositions"])
    assert "DA  - 2018/03/14/" in ris
    assert "M3  - PhD dissertation" in to_ris(by_id["thesis"])


# --- the !cite command (core) ------------------------------------------------------------------


async def test_cite_defaults_to_apa_with_in_text_forms(services):
    reply = await dispatch(services, STUDENT, "cite", "")
    assert reply.body == SEED_AP_MD
    fields = {f.name: f.value for f in reply.fields}
    assert fields["In-text, parenthetical"] == "(Kan & Ku, 2021)"
    assert fields["In-text, narrative"] == "Kan & Ku (2021)"
    assert "Incomplete data" not in fields


SEED_AP_MD = html_to_markdown(shown(SEED_REF["expected"]["apa"]["kan2021"]["bibliography_html"]))


@pytest.mark.parametrize("style", ["mla", "chicago", "harvard"])
async def test_cite_style_then_reading_words(services, style):
    csl = STYLES[style].csl
    await services.citations.wait_ready()
    reply = await dispatch(services, STUDENT, "cite", f"{style} serving the people")
    expected = SEED_REF["expected"][csl]["kan2021"]["bibliography_html"]
    assert reply.body == html_to_markdown(shown(expected))


async def test_first_word_of_the_title_is_not_taken_for_a_style(services):
    reply = await dispatch(services, STUDENT, "cite", "serving the people")
    assert reply.body == SEED_AP_MD


async def test_wrong_style_names_it_and_lists_the_styles(services):
    with pytest.raises(BadArgument) as info:
        await dispatch(services, STUDENT, "cite", "klingon serving the people")
    assert info.value.message.startswith("`klingon` is not a style.")
    for key in STYLES:
        assert f"`{key}`" in info.value.message


async def test_a_lone_unknown_word_is_an_unknown_reading_not_a_style(services):
    assert len(services.library) == 1
    with pytest.raises(UnknownReading) as info:
        await dispatch(services, STUDENT, "cite", "smithson")
    assert "not a style" not in info.value.message
    assert info.value.message.startswith("No reading matches “smithson”.")


async def test_mistyped_style_alone_suggests_the_style(services):
    with pytest.raises(BadArgument) as info:
        await dispatch(services, STUDENT, "cite", "mls")
    assert "Did you mean `mla`?" in info.value.message


@pytest.mark.parametrize(
    ("style", "joined"),
    [
        ("afro-asia", "KAN, Karita e KU, Hok Bun."),
        ("associacao-brasileira-de-normas-tecnicas", "KAN, Karita; KU, Hok Bun."),
    ],
)
async def test_a_style_in_a_secondary_dialect_renders_in_its_language(services, style, joined):
    # pt-BR styles: citeproc-js asks for pt-PT (the primary dialect) too; once it failed.
    reply = await dispatch(services, STUDENT, "cite", f"{style} serving")
    assert reply.body.startswith(joined)


async def test_unknown_reading_gives_suggestions(services):
    with pytest.raises(UnknownReading) as info:
        await dispatch(services, STUDENT, "cite", "apa servng the peeple in klingon grammar")
    assert "No reading matches" in info.value.message


async def test_cite_styles_lists_one_line_each_and_the_attribution(services):
    reply = await dispatch(services, STUDENT, "cite", "styles")
    assert len(reply.body.splitlines()) == len(STYLES)
    assert "`mla` — MLA Handbook, 9th edition" in reply.body
    fields = {f.name: f.value for f in reply.fields}
    assert "citeproc-js implements the Citation Style Language" in fields["Engine"]
    assert (
        "(c) Frank Bennett" in fields["Engine"]
        and "https://citationstyles.org/" in fields["Engine"]
    )


async def test_any_repository_style_by_id_or_quoted_title(services):
    reply = await dispatch(services, STUDENT, "cite", "china-information serving")
    assert reply.title.startswith("China Information ·")
    assert "First note" in {f.name for f in reply.fields}
    reply = await dispatch(services, STUDENT, "cite", "chicago-notes-bibliography serving")
    assert reply.body.startswith("Kan, Karita, and Hok Bun Ku. “Serving the People")
    reply = await dispatch(
        services, STUDENT, "cite", '"Americn Sociological Association" serving the people'
    )
    assert reply.title.startswith("ASA Style Guide")
    assert {f.name: f.value for f in reply.fields}["In-text, parenthetical"] == "(Kan and Ku 2021)"


async def test_quoted_title_that_is_no_style_is_answered(services):
    with pytest.raises(BadArgument) as info:
        await dispatch(services, STUDENT, "cite", '"zzqx qqq" serving')
    assert "is not a style" in info.value.message


async def test_course_default_style_comes_from_the_setting(services):
    services.settings.citation_style = "mla"
    reply = await dispatch(services, STUDENT, "cite", "serving the people")
    assert reply.title.startswith("MLA 9 ·")


def test_citation_style_setting_is_checked():
    from bot.config import load_settings

    assert load_settings(citation_style="China-Information").citation_style == "china-information"
    with pytest.raises(SystemExit, match="CITATION_STYLE"):
        load_settings(citation_style="klingon")


def test_style_autocomplete_answers_short_names_and_repository_styles():
    from bot.features.citations.styles import INDEX, style_choices

    INDEX.load()
    empty = style_choices("")
    assert [value for _, value in empty][:5] == ["apa", "mla", "chicago", "harvard", "ieee"]
    found = style_choices("sociological")
    assert "american-sociological-association" in [value for _, value in found]
    for query in ("", "a", "journal of", "x" * 300):
        choices = style_choices(query)
        assert len(choices) <= 25
        assert all(len(name) <= 100 and len(value) <= 100 for name, value in choices)


async def test_bibtex_and_ris_attach_files(services):
    bib = await dispatch(services, STUDENT, "cite", "bibtex")
    assert bib.body.startswith("```bibtex\n@article{kan2021serving,")
    assert bib.files[0].filename == "kan-ku-2021-serving-the-people.bib"
    ris = await dispatch(services, STUDENT, "cite", "ris serving the people")
    assert ris.files[0].filename.endswith(".ris")
    assert rispy.loads(ris.files[0].data.decode())[0]["authors"] == ["Kan, Karita", "Ku, Hok Bun"]


async def test_portal_page_alone_gives_partial_citation_and_note(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(Path("seeds/kan-ku-2021-serving-the-people.txt"), seeds)
    library = load_library(seeds)
    (reading,) = library.readings
    engine = CitationEngine()
    from bot.features.citations.commands import _csl_reply  # the reply builder, with a bare engine

    class Fake:
        citations = engine

    reply = await _csl_reply(Fake(), reading, STYLES["apa"])  # type: ignore[arg-type]
    assert reply.body.startswith("Serving the people, building the party")
    note = {f.name: f.value for f in reply.fields}["Incomplete data"]
    assert "no authors" in note
    assert "`kan-ku-2021-serving-the-people.txt` alone names no authors" in note
    assert "RIS or BibTeX export" in note and "seeds/" in note


async def test_engine_serves_from_cache_after_start_up(services):
    await services.citations.wait_ready()
    reading = services.library.readings[0]
    for style in CSL_STYLES:
        assert services.citations.cached(reading, style) is not None
    changed = Reading(id=reading.id, csl={**reading.csl, "title": "Another title"})
    assert services.citations.cached(changed, STYLES["apa"]) is None  # never stale


async def test_restart_with_a_warm_cache_renders_nothing_and_starts_no_v8(tmp_path):
    readings = [_reading(i) for i in ITEMS[:4]]
    db = await Database.open(tmp_path / "c.db")
    first = CitationEngine()
    await first.start(readings, db)
    assert first.citeproc.renders == len(readings) * len(CSL_STYLES)
    await first.aclose()
    await db.close()

    db = await Database.open(tmp_path / "c.db")
    second = CitationEngine()
    await second.start(readings, db)
    assert second.citeproc.renders == 0 and second.citeproc.starts == 0
    got = await second.get(readings[1], STYLES["mla"])
    assert got == ENGINE.render(STYLES["mla"], csl_item(readings[1]))
    assert second.citeproc.starts == 0
    changed = Reading(id="new", csl={**readings[0].csl, "title": "A changed title"})
    assert (await second.get(changed, STYLES["apa"])).bibliography_text.startswith(
        "Thornton, P. M. (2013). A changed title."
    )
    assert second.citeproc.renders == 1
    await second.aclose()
    await db.close()


async def test_close_stops_the_background_rendering():
    engine = CitationEngine()
    many = [_reading({**ITEMS[0], "id": f"r{i}", "title": f"T {i}"}) for i in range(200)]
    task = engine.start(many)
    await asyncio.sleep(0.05)
    await engine.aclose()
    assert task.done() and engine.citeproc.renders < len(many) * len(CSL_STYLES)


def test_csl_item_uses_the_reading_id():
    item = csl_item(_reading(ITEMS[0]))
    assert item["id"] == ITEMS[0]["id"]


# --- memory: lean engines, V8 closed when idle, the style index on first need ----------------


def test_a_render_after_v8_was_closed_is_the_same():
    engine = Citeproc()
    item = next(i for i in ITEMS if i["id"] == "kan2021")
    first = engine.render(STYLES["chicago"], item)
    engine.close()
    assert not engine.started
    again = engine.render(STYLES["chicago"], item)
    assert engine.starts == 2
    assert again == first
    expected = EXPECTED["chicago-author-date"]["kan2021"]["bibliography_text"]
    assert again.bibliography_text == shown(expected)
    engine.close()


def test_built_styles_stay_small_in_v8():
    # Built with its sort keys, an APA engine held ~48 MB of V8 heap and Chicago ~76 MB.
    engine = Citeproc()
    for key in ("apa", "chicago"):
        engine.render(STYLES[key], ITEMS[0])
    assert engine.heap_used_mib() < 20
    engine.close()


async def test_v8_is_closed_after_the_batch_and_started_again_on_need():
    readings = [_reading(i) for i in ITEMS[:3]]
    engine = CitationEngine(idle_close=0.0)
    await engine.start(readings)
    assert engine.citeproc.renders == len(readings) * len(CSL_STYLES)
    assert engine.citeproc.starts == 1 and not engine.citeproc.started
    assert engine.cached(readings[1], STYLES["apa"]) is not None  # the renders are kept

    got = await engine.get(readings[1], style_for("american-sociological-association"))
    assert got.parenthetical_text == "(Kan and Ku 2021)"
    assert engine.citeproc.starts == 2
    for _ in range(1000):  # idle_close=0: closed as soon as the worker gets to it
        if not engine.citeproc.started:
            break
        await asyncio.sleep(0.01)
    assert not engine.citeproc.started
    await engine.aclose()


def test_an_exact_style_id_needs_no_style_index():
    index = StyleIndex()
    style = style_for("2d-materials", index)  # a dependent style: its parent is read too
    assert style is not None and style.csl == "institute-of-physics-numeric"
    assert find_style("china-information", index).note
    assert style_for("no-such-style-anywhere", index) is None
    assert index.builds == 0 and not index.ready
    result = ENGINE.render(style, next(i for i in ITEMS if i["id"] == "kan2021"))
    assert result.parenthetical_text == "[1]"


async def test_cite_in_a_repository_style_by_id_builds_no_index(services, monkeypatch):
    index = StyleIndex()
    monkeypatch.setattr(styles, "INDEX", index)
    reply = await dispatch(services, STUDENT, "cite", "china-information serving")
    assert reply.title.startswith("China Information ·")
    assert index.builds == 0
    with pytest.raises(BadArgument):  # a title in quotes is a fuzzy lookup: that builds it
        await dispatch(services, STUDENT, "cite", '"zzqx qqq" serving')
    assert index.builds == 1


def test_autocomplete_starts_building_the_index_and_then_lists_repository_styles():
    index = StyleIndex()
    assert style_choices("", index)[0][1] == "apa"
    assert index.builds == 0  # an empty query needs only the short names
    first = style_choices("sociological", index)  # answers at once, from the short names
    assert "american-sociological-association" not in [value for _, value in first]
    index.load()  # waits for the build the first query started
    later = style_choices("sociological", index)
    assert "american-sociological-association" in [value for _, value in later]
    assert index.builds == 1


async def test_a_warm_restart_builds_no_style_index(tmp_path, monkeypatch):
    index = StyleIndex()
    monkeypatch.setattr(styles, "INDEX", index)
    readings = [_reading(i) for i in ITEMS[:2]]
    db = await Database.open(tmp_path / "c.db")
    for _ in range(2):  # the first start renders, the second reads the cache
        engine = CitationEngine()
        await engine.start(readings, db)
        await engine.aclose()
    assert engine.citeproc.starts == 0 and index.builds == 0
    await db.close()
