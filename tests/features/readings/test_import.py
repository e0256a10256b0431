"""Imports read the way Zotero's translators read them: one test per import case.

Inputs are small invented records written here (the cases in ../shared/cases/import/
describe the faults; these reproduce each kind with other names and values).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.features.readings import load_library
from bot.features.readings.library import SeedLimits, csl_item
from bot.features.readings.models import Reading
from bot.features.readings.parsers.bibtex import parse_bibtex
from bot.features.readings.parsers.portal import parse_portal
from bot.features.readings.parsers.ris import parse_ris
from bot.features.readings.summaries import summarize


def seeds(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return folder


def ris(text: str) -> list[dict]:
    works, _ = parse_ris(Path("x.ris"), text)
    return [w.csl for w in works]


def bib(text: str) -> tuple[list[dict], list[str]]:
    works, warnings = parse_bibtex(Path("x.bib"), text)
    return [w.csl for w in works], warnings


def test_zotero_and_scopus_t2_is_the_journal_and_j2_its_abbreviation():
    (csl,) = ris(
        "TY  - JOUR\nTI  - Tides of the old harbour\nAU  - Moreau, Anne\n"
        "T2  - Maritime History Review\nJ2  - Marit. Hist. Rev.\nPY  - 2018\nER  - \n"
    )
    assert csl["title"] == "Tides of the old harbour"
    assert csl["container-title"] == "Maritime History Review"
    assert csl["container-title-short"] == "Marit. Hist. Rev."


def test_portal_export_t2_is_a_subtitle_when_jo_names_the_journal():
    (csl,) = ris(
        "TY  - JOUR\nT1  - Tides of the old harbour\nT2  - Dockers and their unions\n"
        "JO  - Maritime History Review\nER  - \n"
    )
    assert csl["title"] == "Tides of the old harbour: Dockers and their unions"
    assert csl["container-title"] == "Maritime History Review"


def test_jo_that_abbreviates_t2_is_the_short_journal_title():
    (csl,) = ris(
        "TY  - JOUR\nTI  - Tides\nT2  - Maritime History Review\nJO  - Marit Hist Rev\nER  -\n"
    )
    assert (csl["title"], csl["container-title"]) == ("Tides", "Maritime History Review")
    assert csl["container-title-short"] == "Marit Hist Rev"


def test_chapter_book_title_from_bt_and_editors_from_a2():
    (csl,) = ris(
        "TY  - CHAP\nT1  - Ports in wartime\nAU  - Quist, Pol\nA2  - Berg, Ilse\n"
        "BT  - Harbours of Europe\nT3  - Studies in Shipping\nPY  - 2016///\nSP  - 10-30\nER  - \n"
    )
    assert csl["type"] == "chapter"
    assert csl["container-title"] == "Harbours of Europe"
    assert csl["collection-title"] == "Studies in Shipping"
    assert csl["editor"] == [{"family": "Berg", "given": "Ilse"}]
    assert csl["issued"] == {"date-parts": [[2016]]}


def test_edited_book_editors_in_a3_and_edbook_authors_as_editors():
    book, edbook = ris(
        "TY  - BOOK\nTI  - Harbours\nA3  - Berg, Ilse\nA3  - Quist, Pol\nER  - \n"
        "TY  - EDBOOK\nTI  - Docks\nAU  - Berg, Ilse\nER  - \n"
    )
    assert book["editor"] == [
        {"family": "Berg", "given": "Ilse"},
        {"family": "Quist", "given": "Pol"},
    ]
    assert "author" not in book
    assert edbook["editor"] == [{"family": "Berg", "given": "Ilse"}] and "author" not in edbook


def test_news_full_date_in_da_beats_a_year_only_py():
    (csl,) = ris(
        "TY  - NEWS\nTI  - Strike ends\nT2  - The Harbour Gazette\nPY  - 2020\n"
        "DA  - 2020/06/14/\nER  - \n"
    )
    assert csl["issued"] == {"date-parts": [[2020, 6, 14]]}
    assert csl["container-title"] == "The Harbour Gazette"


def test_thesis_genre_from_m3_and_university_from_pb():
    (csl,) = ris(
        "TY  - THES\nTI  - Dock labour\nAU  - Quist, Pol\nM3  - Master's thesis\n"
        "PB  - Port University\nER  - \n"
    )
    assert (csl["genre"], csl["publisher"]) == ("Master's thesis", "Port University")


def test_run_together_initials_keep_every_initial():
    (csl,) = ris("TY  - JOUR\nTI  - T\nAU  - Moreau, AJ\nAU  - Berg, I.K.\nER  - \n")
    assert [a["given"] for a in csl["author"]] == ["A. J.", "I. K."]


def test_cjk_and_corporate_names():
    (csl,) = ris("TY  - JOUR\nTI  - T\nAU  - 李明\nAU  - Harbour Research Council\nER  - \n")
    assert csl["author"] == [{"family": "李明"}, {"literal": "Harbour Research Council"}]


def test_tag_before_ty_keeps_the_record_and_the_next_one():
    works, warnings = parse_ris(
        Path("x.ris"),
        "DB  - Scopus\nTI  - Ports in wartime\nTY  - JOUR\nPY  - 2011\nER  - \n\n"
        "TY  - JOUR\nTI  - Docks at night\nER  - \n",
    )
    assert [w.csl["title"] for w in works] == ["Ports in wartime", "Docks at night"]
    assert warnings == [
        "line 1: tags before TY (DB, TI) read as part of the record that starts on line 3"
    ]


def test_short_title_only_vo_and_long_type_name():
    (csl,) = ris(
        "TY  - Journal Article\nJO  - Harbour Studies\nVO  - 4\nST  - Docks at night\nER  -\n"
    )
    assert csl["type"] == "article-journal"
    assert csl["title"] == "Docks at night"
    assert csl["volume"] == "4"


def test_same_title_different_doi_stays_two_readings(tmp_path):
    lib = load_library(
        seeds(
            tmp_path,
            a__ris="TY  - JOUR\nTI  - Introduction\nAU  - Moreau, A\nDO  - 10.5555/a.1\nER  - \n",
            b__ris="TY  - JOUR\nTI  - Introduction\nAU  - Quist, Pol\nDO  - 10.5555/b.2\nER  - \n",
        )
    )
    assert len(lib) == 2
    notes = [n for notes in lib.merges.values() for n in notes]
    assert len(notes) == 2 and all("different DOIs" in n for n in notes)


def test_same_title_without_dois_merges_only_when_year_and_first_author_agree(tmp_path):
    record = "TY  - JOUR\nTI  - Introduction\nAU  - {author}\nPY  - {year}\nER  - \n"
    lib = load_library(
        seeds(
            tmp_path,
            a__ris=record.format(author="Moreau, Anne", year=2019),
            b__ris=record.format(author="Moreau, A.", year=2020),  # online first, then print
            c__ris=record.format(author="Moreau, Anne", year=2023),
            d__ris=record.format(author="Quist, Pol", year=2019),
        )
    )
    assert sorted(len(r.sources) for r in lib) == [1, 1, 2]
    notes = "\n".join(n for notes in lib.merges.values() for n in notes)
    assert "different years" in notes and "different first authors" in notes


def test_non_latin_titles_are_compared_whole(tmp_path):
    lib = load_library(
        seeds(
            tmp_path,
            a__ris="TY  - JOUR\nTI  - 港口工人的历史\nAU  - 李明\nER  - \n",
            b__ris="TY  - JOUR\nTI  - 항구 노동자의 역사\nAU  - 김철수\nER  - \n",
        )
    )
    assert len(lib) == 2


def test_exports_of_one_work_merge_field_by_field_by_completeness(tmp_path):
    lib = load_library(
        seeds(
            tmp_path,
            a__ris="TY  - JOUR\nTI  - Docks at night\nAU  - Quist, P\nT2  - HARBOUR STUDIES\n"
            "PY  - 2019\nDO  - 10.5555/d.3\nER  - \n",
            b__ris="TY  - JOUR\nTI  - Docks at night\nAU  - Quist, Pol\nAU  - Berg, Ilse\n"
            "T2  - Harbour Studies\nDA  - 2019/05/02\nDO  - 10.5555/D.3\nER  - \n",
        )
    )
    (reading,) = lib.readings
    assert reading.csl["container-title"] == "Harbour Studies"
    assert len(reading.authors) == 2
    assert reading.csl["issued"] == {"date-parts": [[2019, 5, 2]]}
    assert any("merged" in n for n in lib.merges[reading.id])


@pytest.mark.parametrize("initials_first", [True, False])
def test_full_given_names_beat_initials_whatever_the_file_order(tmp_path, initials_first):
    record = "TY  - JOUR\nTI  - Docks at night\nAU  - Quist, {}\nPY  - 2019\nDO  - 10.5555/d.4\n"
    record += "ER  - \n"
    short, full = record.format("P."), record.format("Pola")
    first, second = (short, full) if initials_first else (full, short)
    lib = load_library(seeds(tmp_path, a__ris=first, b__ris=second))
    (reading,) = lib.readings
    assert reading.authors == [{"family": "Quist", "given": "Pola"}]


WORK_2019 = "TY  - JOUR\nTI  - Harbour unions\nAU  - Okafor, Ada\nPY  - 2019\nER  - \n"
WORK_2021 = "TY  - JOUR\nTI  - Harbour unions\nAU  - Quist, Pola\nPY  - 2021\nVL  - 12\nER  - \n"
PAGE_2021 = "TY  - JOUR\nTI  - Harbour unions\nPY  - 2021\nAB  - {}\nER  - \n".format(
    "This article argues that harbour unions trade their independence for access to funds."
)


@pytest.mark.parametrize("names", list(itertools.permutations(["a", "b", "c"])))
def test_a_work_refused_by_one_group_still_meets_the_others(tmp_path, names):
    # Same title, no DOIs: the 2019 work stays apart, the two 2021 records are one reading,
    # whichever file sorts first (a refusal by the 2019 group once left them apart).
    files = dict(zip(names, (WORK_2019, WORK_2021, PAGE_2021), strict=True))
    lib = load_library(seeds(tmp_path, **{f"{n}__ris": text for n, text in files.items()}))
    groups = sorted(sorted(s.name for s in r.sources) for r in lib.readings)
    by_year = {r.year: r for r in lib.readings}
    assert len(lib.readings) == 2, groups
    assert by_year[2021].authors == [{"family": "Quist", "given": "Pola"}]
    assert by_year[2021].abstract.startswith("This article argues")
    assert by_year[2019].authors == [{"family": "Okafor", "given": "Ada"}]


PORTAL_LIST = """Docks at night

  * Anne Moreau
  * , Pol van der Quist

Research output: Journal article publicationJournal articleAcademic researchpeer-review

  * Overview
Abstract
This article argues that night shifts in the docks made unions out of strangers,
and that the shift system decided who would speak for the workers in every port city.
Original languageEnglish
JournalHarbour Studies
DOIs

  * https://doi.org/10.5555/d.3

Publication statusPublished - Feb 2019
"""


def test_list_copied_portal_page_authors_doi_and_abstract():
    work = parse_portal(Path("p.txt"), PORTAL_LIST)
    assert work.csl["author"] == [
        {"family": "Moreau", "given": "Anne"},
        {"family": "van der Quist", "given": "Pol"},
    ]
    assert work.abstract.startswith("This article argues that night shifts")
    assert work.abstract.endswith("in every port city.")
    assert work.csl["DOI"] == "10.5555/d.3"
    assert work.csl["type"] == "article-journal"


def test_doi_label_with_a_non_doi_value_gives_no_doi():
    page = PORTAL_LIST.replace("https://doi.org/10.5555/d.3", "")
    assert "DOI" not in parse_portal(Path("p.txt"), page).csl


def test_pure_breadcrumbs_peer_review_is_not_a_review():
    page = (
        "Docks\n\nResearch output: Contribution to journal › Article › peer-review\n\n"
        "An abstract.\nOriginal languageEnglish\n"
    )
    work = parse_portal(Path("p.txt"), page)
    assert work.csl["type"] == "article-journal"
    assert work.extra["peer_reviewed"] == "yes"
    chapter = page.replace(
        "Contribution to journal › Article",
        "Chapter in Book/Report/Conference proceeding › Chapter",
    )
    assert parse_portal(Path("p.txt"), chapter).csl["type"] == "chapter"
    review = page.replace("Article › peer-review", "Book/Film/Article review")
    assert parse_portal(Path("p.txt"), review).csl["type"] == "review"


def test_whole_page_copy_skips_navigation_and_reads_the_old_state_label():
    page = (
        "Skip to main navigation\nSkip to search\nSkip to main content\nPort University Home\n"
        "Help & FAQ\nEnglish\nHome\nProfiles\nResearch output\nProjects\n"
        "Search by expertise, name or affiliation\nDocks at night\nAnne Moreau, Pol Quist\n"
        "Research output: Contribution to journal › Article › peer-review\n\n"
        "Night shifts made unions out of strangers in every port city we studied.\n\n"
        "Original language\nEnglish\nStatePublished - Nov 2013\n"
    )
    work = parse_portal(Path("p.txt"), page)
    assert work.csl["title"] == "Docks at night"
    assert [a["family"] for a in work.csl["author"]] == ["Moreau", "Quist"]
    assert work.csl["issued"] == {"date-parts": [[2013, 11]]}
    assert work.csl["language"] == "en"


def test_abstract_starting_with_a_label_word_is_kept():
    page = (
        "Docks\n\nResearch output: Contribution to journal › Article › peer-review\n\n"
        "Volume of trade fell as the docks closed at night.\n\nOriginal languageEnglish\n"
        "Volume12\nJournalHarbour Studies\n"
    )
    work = parse_portal(Path("p.txt"), page)
    assert work.abstract == "Volume of trade fell as the docks closed at night."
    assert work.csl["volume"] == "12"


WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Moreau, A
   Quist, PK
AF Moreau, Anne
   Quist, Pol K.
TI Docks at night and the
   making of unions
SO HARBOUR STUDIES
JI Harb. Stud.
PD FEB 2019
PY 2019
VL 4
BP 10
EP 30
DI 10.5555/d.3
ER

PT J
AU Berg, I
TI Second record
SO HARBOUR STUDIES
PY 2020
ER

EF
"""


def test_web_of_science_export_one_reading_per_record(tmp_path):
    lib = load_library(seeds(tmp_path, savedrecs__txt=WOS))
    assert sorted(r.title for r in lib) == [
        "Docks at night and the making of unions",
        "Second record",
    ]
    first = next(r for r in lib if r.doi == "10.5555/d.3")
    assert first.author_names == ["Anne Moreau", "Pol K. Quist"]
    assert first.csl["container-title"] == "Harbour Studies"
    assert first.csl["issued"] == {"date-parts": [[2019, 2]]}
    assert first.csl["page"] == "10-30"


MEDLINE = """PMID- 111
TI  - Docks at night.
FAU - Moreau, Anne
AU  - Moreau A
JT  - Harbour studies
TA  - Harb Stud
DP  - 2019 Feb
LID - 10.5555/d.3 [doi]
AB  - Night shifts made unions
      out of strangers.

PMID- 112
TI  - Second record.
AU  - Berg IK
DP  - 2020
"""


def test_medline_saved_as_ris_is_recognised_and_read(tmp_path):
    lib = load_library(seeds(tmp_path, pubmed__ris=MEDLINE))
    assert lib.warnings == []
    first = next(r for r in lib if r.doi)
    assert first.title == "Docks at night"
    assert first.abstract == "Night shifts made unions out of strangers."
    assert first.csl["issued"] == {"date-parts": [[2019, 2]]}
    second = next(r for r in lib if not r.doi)
    assert second.authors == [{"family": "Berg", "given": "I. K."}]


def test_bibtex_and_others_is_an_incomplete_list_not_an_author():
    (csl,), _ = bib(
        "@article{k, title={T}, author={Moreau, Anne and Quist, Pol and others}, year={2019}}"
    )
    assert [a["family"] for a in csl["author"]] == ["Moreau", "Quist"]
    works, _ = parse_bibtex(
        Path("x.bib"), "@article{k, title={T}, author={Moreau, Anne and others}}"
    )
    assert "incomplete" in works[0].extra["author_list"]


def test_bibtex_duplicate_field_keeps_the_entry_with_a_plain_warning():
    (csl,), warnings = bib(
        "@article{k,\n title={Docks},\n author={Quist, Pol},\n note={one},\n note={two}\n}"
    )
    assert csl["note"] == "one"
    assert csl["author"] == [{"family": "Quist", "given": "Pol"}]
    assert warnings == [
        "line 1: entry `k` has the field `note` more than once; the first value is kept"
    ]


def test_bibtex_report_institution_series_address_number():
    (csl,), _ = bib(
        "@techreport{r, title={Port statistics}, author={{Harbour Board}},"
        " institution={Harbour Board}, series={Board Papers}, address={Leith}, number={7},"
        " type={Working paper}, year={2012}}"
    )
    assert csl["author"] == [{"literal": "Harbour Board"}]
    assert (csl["publisher"], csl["collection-title"], csl["publisher-place"]) == (
        "Harbour Board",
        "Board Papers",
        "Leith",
    )
    assert (csl["number"], csl["genre"]) == ("7", "Working paper")


def test_bibtex_thesis_school_and_type():
    (csl,), _ = bib(
        "@phdthesis{t, title={Dock labour}, author={Quist, Pol}, school={Port University},"
        " year={2014}}"
    )
    assert (csl["publisher"], csl["genre"]) == ("Port University", "PhD thesis")


def test_bibtex_textit_becomes_csl_italics_and_plain_in_listings():
    (csl,), _ = bib(r"@article{x, title={Reading \textit{Moby-Dick} at Sea}, year={2001}}")
    assert csl["title"] == "Reading <i>Moby-Dick</i> at Sea"
    assert Reading(id="x", csl=csl).title == "Reading Moby-Dick at Sea"


def test_bibtex_dates_urldate_and_in_press():
    (csl,), _ = bib(
        "@online{o, title={Docks}, date={2019-05-02}, urldate={2024-01-31}, url={https://e.org}}"
    )
    assert csl["issued"] == {"date-parts": [[2019, 5, 2]]}
    assert csl["accessed"] == {"date-parts": [[2024, 1, 31]]}
    (press,), _ = bib("@article{p, title={Docks}, year={in press}}")
    assert press["issued"] == {"literal": "in press"}


def test_short_title_never_cut_inside_brackets():
    reading = Reading(
        id="x", csl={"title": "Gulls of the genus Larus (Aves: Laridae) on piers: a survey"}
    )
    assert reading.short_title == "Gulls of the genus Larus (Aves: Laridae) on piers"


def test_summary_of_a_reading_without_abstract_says_so_plainly():
    reading = Reading(id="x", csl={"title": "Docks"}, sources=[Path("docks.bib")])
    summary = summarize(reading)
    assert "the none" not in summary.source
    assert "no abstract or text is available (docks.bib)" in summary.source


def test_csl_json_items_keep_their_fields_and_a_slug_id_becomes_the_reading_id(tmp_path):
    items = [
        {
            "id": "moreau2019docks",
            "type": "article-journal",
            "title": "Docks at night",
            "author": [{"family": "Moreau", "given": "Anne"}],
            "container-title": "Harbour Studies",
            "issued": {"date-parts": [["2019", 2]]},
            "abstract": "Night shifts made unions.",
            "DOI": "https://doi.org/10.5555/d.3",
            "madeUpField": 1,
        },
        {
            "id": "http://zotero.org/users/1/items/ABCD",
            "citation-key": "bergHarbours2015",
            "type": "book",
            "title": "Harbours",
        },
        {"id": "http://zotero.org/users/1/items/EFGH", "type": "book", "title": "Quays"},
    ]
    lib = load_library(seeds(tmp_path, library__json=json.dumps(items)))
    docks = lib.get("moreau2019docks")
    assert docks is not None
    assert docks.csl["issued"] == {"date-parts": [[2019, 2]]}
    assert docks.doi == "10.5555/d.3"
    assert docks.abstract == "Night shifts made unions."
    assert csl_item(docks)["abstract"] == "Night shifts made unions."
    assert any("madeUpField" in w for w in lib.warnings)
    assert lib.get("bergharbours2015").title == "Harbours"
    assert {r.title for r in lib} == {"Docks at night", "Harbours", "Quays"}
    assert "http" not in " ".join(r.id for r in lib)


def test_other_json_files_are_course_data_not_readings(tmp_path):
    lib = load_library(seeds(tmp_path, notes__json='{"week": 3}'))
    assert len(lib) == 0 and lib.warnings == []


def test_seeds_check_json_prints_readings_with_csl_files_and_warnings(tmp_path):
    folder = seeds(
        tmp_path,
        a__ris="TY  - JOUR\nTI  - Introduction\nDO  - 10.5555/a.1\nER  - \n",
        b__ris="TY  - JOUR\nTI  - Introduction\nDO  - 10.5555/b.2\nER  - \n",
    )
    env = {**os.environ, "SEEDS_DIR": str(folder), "DATABASE_PATH": str(tmp_path / "x.db")}

    def seeds_check(*flags: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot", "seeds", "check", *flags]
        return subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
        )

    done = seeds_check("--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(r["files"][0] for r in report["readings"]) == ["a.ris", "b.ris"]
    first = report["readings"][0]
    assert first["csl"]["id"] == first["id"]
    assert first["csl"]["title"] == "Introduction"
    assert "different DOIs" in first["warnings"][0]
    text = seeds_check().stdout
    assert "  note:      not merged with b.ris (line 1) despite same title" in text
    (folder / "broken.bib").write_text("@article{x,\n title = {Never closed\n")
    failed = seeds_check("--json")
    assert failed.returncode == 1
    assert any(w.startswith("broken.bib: skipped") for w in json.loads(failed.stdout)["warnings"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")
def test_links_loops_and_fifos_are_skipped_with_a_warning(tmp_path):
    folder = seeds(tmp_path, good__ris="TY  - JOUR\nTI  - Docks\nER  - \n")
    os.mkfifo(folder / "pipe.ris")
    (folder / "dangling.ris").symlink_to(folder / "missing.ris")
    (folder / "loop.ris").symlink_to(folder / "loop.ris")
    (folder / "link.ris").symlink_to(folder / "good.ris")
    lib = load_library(folder)
    assert [r.title for r in lib] == ["Docks"]
    joined = "\n".join(lib.warnings)
    assert "pipe.ris: skipped (a FIFO" in joined
    assert "dangling.ris: skipped (a dangling link" in joined
    assert "loop.ris: skipped (a dangling link or a link loop" in joined
    assert "link.ris: skipped (a symbolic link" in joined


def test_any_parser_failure_becomes_a_warning_naming_the_file(tmp_path, monkeypatch):
    from bot.features.readings import library

    def explode(path: Path, text: str, max_records: int) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(library, "parse_bibtex", explode)
    folder = seeds(
        tmp_path, bad__bib="@article{x, title={T}}", good__ris="TY  - JOUR\nTI  - Docks\nER  - \n"
    )
    lib = load_library(folder)
    assert [r.title for r in lib] == ["Docks"]
    assert lib.warnings == [
        "bad.bib: skipped: the file could not be read "
        "(RecursionError: maximum recursion depth exceeded)"
    ]


def test_big_files_and_many_records_are_cut_with_a_warning(tmp_path):
    record = "TY  - JOUR\nTI  - Docks number {n}\nER  - \n"
    folder = seeds(tmp_path, many__ris="".join(record.format(n=n) for n in range(50)))
    lib = load_library(folder, SeedLimits(max_file_bytes=10_000, max_records=20))
    assert len(lib) == 20
    assert any("more than 20 records (MAX_RECORDS_PER_FILE)" in w for w in lib.warnings)
    lib = load_library(folder, SeedLimits(max_file_bytes=300, max_records=2000))
    assert 0 < len(lib) < 50
    assert any("larger than" in w and "MAX_SEED_FILE_MB" in w for w in lib.warnings)


def test_conference_webpage_and_generic_ris_types():
    conf, web, gen, press = ris(
        "TY  - CPAPER\nTI  - Quays\nAU  - Berg, Ilse\nT2  - Proceedings of the Port Meeting\n"
        "A2  - Quist, Pol\nCY  - Leith\nPY  - 2017\nER  - \n"
        "TY  - ELEC\nTI  - Dock records online\nT2  - Harbour Archive\nY2  - 2024/01/31\n"
        "UR  - https://example.org/docks\nM3  - Blog post\nER  - \n"
        "TY  - GEN\nTI  - Leaflet on tides\nPB  - Harbour Board\nER  - \n"
        "TY  - JOUR\nTI  - Forthcoming docks\nJO  - Harbour Studies\nPY  - In press\nER  - \n"
    )
    assert conf["type"] == "paper-conference"
    assert conf["container-title"] == "Proceedings of the Port Meeting"
    assert conf["editor"] == [{"family": "Quist", "given": "Pol"}]
    assert conf["publisher-place"] == "Leith"
    assert (web["type"], web["container-title"], web["genre"]) == (
        "webpage",
        "Harbour Archive",
        "Blog post",
    )
    assert web["accessed"] == {"date-parts": [[2024, 1, 31]]}
    assert (gen["type"], gen["publisher"]) == ("document", "Harbour Board")
    assert press["issued"] == {"literal": "In press"}


def test_bibtex_collection_proceedings_and_misc():
    works, _ = parse_bibtex(
        Path("x.bib"),
        "@incollection{c, title={Quays}, author={Berg, Ilse}, editor={Quist, Pol},"
        " booktitle={Harbours of Europe}, publisher={Port Press}, pages={10--30}, year={2016}}\n"
        "@inproceedings{p, title={Locks}, author={Berg, Ilse}, booktitle={Proc. Port Meeting},"
        " organization={Port Society}, year={2017}}\n"
        "@misc{m, title={Tide tables}, author={{Harbour Board}}, howpublished={Harbour Board},"
        " year={2019}}\n",
    )
    chapter, paper, misc = (w.csl for w in works)
    assert (chapter["type"], chapter["container-title"]) == ("chapter", "Harbours of Europe")
    assert chapter["editor"] == [{"family": "Quist", "given": "Pol"}]
    assert chapter["page"] == "10-30"
    assert (paper["type"], paper["container-title"], paper["publisher"]) == (
        "paper-conference",
        "Proc. Port Meeting",
        "Port Society",
    )
    assert (misc["type"], misc["publisher"]) == ("document", "Harbour Board")


def test_page_authors_are_used_when_the_export_has_none(tmp_path):
    page = PORTAL_LIST.replace("Docks at night", "Docks at dawn")
    lib = load_library(
        seeds(
            tmp_path,
            docks__txt=page,
            docks__ris="TY  - JOUR\nTI  - Docks at dawn\nJO  - Harbour Studies\nVL  - 4\nER  - \n",
        )
    )
    (reading,) = lib.readings
    assert reading.author_names == ["Anne Moreau", "Pol van der Quist"]
    assert reading.csl["volume"] == "4"
    assert reading.abstract.startswith("This article argues")


def test_a_page_abstract_with_list_debris_loses_to_the_exports_abstract(tmp_path):
    page = (
        "Docks at noon\n\nResearch output: Contribution to journal › Article › peer-review\n\n"
        "  * Share\n  * Cite this\n  * Overview Abstract Night shifts made unions of strangers\n"
        "in every port city we studied, and so on for a while.\n\nOriginal languageEnglish\n"
    )
    export = (
        "TY  - JOUR\nTI  - Docks at noon\nAB  - Night shifts made unions out of strangers in "
        "every port city we studied.\nER  - \n"
    )
    lib = load_library(seeds(tmp_path, docks__txt=page, docks__ris=export))
    (reading,) = lib.readings
    assert reading.abstract == (
        "Night shifts made unions out of strangers in every port city we studied."
    )


async def test_an_edited_book_is_named_by_its_editors_not_unknown_author(settings, seeds_dir):
    from bot.core.registry import Actor, dispatch
    from bot.services import Services

    (seeds_dir / "harbours.ris").write_text(
        "TY  - BOOK\nTI  - Harbours of the north\nA3  - Berg, Ilse\nA3  - Quist, Pol\n"
        "PY  - 2016\nPB  - Tidewater Press\nER  - \n",
        encoding="utf-8",
    )
    services = await Services.open(settings)
    try:
        student = Actor(user_id=1, name="student")
        listing = (await dispatch(services, student, "readings", "")).body
        assert "Ilse Berg, Pol Quist (eds.) (2016)" in listing
        cite = await dispatch(services, student, "cite", "apa harbours of the north")
        assert cite.title.endswith("Berg & Quist (2016)")
        assert cite.body.startswith("Berg, I., & Quist, P. (Eds.). (2016).")
    finally:
        await services.close()
