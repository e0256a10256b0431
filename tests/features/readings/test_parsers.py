"""Seed parsers and the library, tested directly on real files (no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.errors import AmbiguousReading, UnknownReading
from bot.features.readings import load_library
from bot.features.readings.parsers.portal import parse_portal
from bot.features.readings.parsers.ris import RisParseError, parse_ris
from tests.helpers.paths import FIXTURES
from tests.helpers.paths import REPO_SEEDS as SEEDS
from tests.helpers.pdfmaker import write_pdf

READINGS = FIXTURES / "readings"
SEED_PAGE = SEEDS / "kan-ku-2021-serving-the-people.txt"


def test_portal_page_fields():
    work = parse_portal(SEED_PAGE, SEED_PAGE.read_text(encoding="utf-8"))
    assert work.csl["title"].startswith("Serving the people, building the party: Social")
    assert work.csl["container-title"] == "China Journal"
    assert work.csl["page"] == "75-95"
    assert work.csl["issue"] == "1"
    assert work.csl["issued"] == {"date-parts": [[2021, 1]]}
    assert work.csl["language"] == "en"
    assert work.extra["citations"] == "13"
    assert work.extra["peer_reviewed"] == "yes"
    assert work.extra["output_type"] == (
        "Journal article publication › Journal article › Academic research › peer-review"
    )
    assert work.extra["Number of pages"] == "21"
    assert work.subjects == [
        "Geography, Planning and Development",
        "Sociology and Political Science",
    ]
    assert work.abstract.startswith("The reform era has been associated")
    assert work.abstract.endswith("autonomy and professionalism of NGOs.")
    assert "Dive into" not in work.abstract and "Cite this" not in work.abstract
    assert "Original language" not in work.abstract


def test_portal_page_with_other_labels():
    path = READINGS / "other-portal-volume-doi.txt"
    work = parse_portal(path, path.read_text(encoding="utf-8"))
    assert work.csl["volume"] == "151"
    assert work.csl["issue"] == "3"
    assert work.csl["page"] == "e112-e130"
    assert work.csl["ISSN"] == "0305-750X"
    assert work.csl["publisher"] == "Elsevier"
    assert work.csl["issued"] == {"date-parts": [[2022, 3]]}
    assert work.csl["available-date"] == {"date-parts": [[2021, 10, 12]]}
    assert work.keywords == ["water governance", "participation", "Kenya"]
    assert work.subjects == ["Development"]
    assert work.abstract.endswith("exit strategies.")


def test_portal_doi_on_the_line_after_its_label(tmp_path):
    # Portals print "DOIs" then the link on the next line; the DOI must not be lost.
    path = READINGS / "other-portal-volume-doi.txt"
    lib = load_library(_copy(tmp_path, path))
    assert lib.readings[0].doi == "10.1016/j.worlddev.2021.105777"


def test_seed_ris_joins_title_and_subtitle():
    path = SEEDS / "kan-ku-2021-serving-the-people.ris"
    (work,), warnings = parse_ris(path, path.read_text(encoding="utf-8"))
    assert warnings == []
    assert work.csl["title"] == (
        "Serving the people, building the party: "
        "Social organizations and party work in China’s urban villages"
    )
    assert work.csl["author"] == [
        {"family": "Kan", "given": "Karita"},
        {"family": "Ku", "given": "Hok Bun"},
    ]
    assert work.csl["container-title"] == "China Journal"
    assert work.csl["issued"] == {"date-parts": [[2021, 1]]}


def test_ris_with_several_records_and_corporate_author():
    path = READINGS / "several.ris"
    works, _ = parse_ris(path, path.read_text(encoding="utf-8"))
    assert [w.csl["type"] for w in works] == ["article-journal", "book"]
    assert works[0].csl["container-title"] == "Review of Political Economy"
    assert works[0].csl["title"] == "Markets and the state: A review"
    assert works[1].csl["author"] == [{"literal": "World Health Organization"}]
    assert works[1].csl["publisher-place"] == "Oxford"


def test_ris_without_er_keeps_both_records_and_names_the_line(tmp_path):
    text = "TY  - JOUR\nTI  - A\nER  - \nTY  - JOUR\nTI  - Unclosed\n"
    works, warnings = parse_ris(tmp_path / "x.ris", text)
    assert [w.csl["title"] for w in works] == ["A", "Unclosed"]
    assert warnings == ["line 4: record has no closing ER line; read whole"]


def test_ris_file_without_a_record_is_refused(tmp_path):
    with pytest.raises(RisParseError, match="no RIS record"):
        parse_ris(tmp_path / "x.ris", "Just some words\nand more\n")


def test_seed_merges_page_and_export():
    lib = load_library(SEEDS)
    assert lib.warnings == []
    (reading,) = lib.readings
    assert reading.id == "kan-ku-2021-serving-the-people"
    assert reading.author_names == ["Karita Kan", "Hok Bun Ku"]
    assert reading.abstract.startswith("The reform era")
    assert len(reading.sources) == 2


def _copy(tmp_path: Path, *files: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir(exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def test_bad_files_are_skipped_with_warnings_and_the_rest_load(tmp_path):
    folder = _copy(tmp_path, SEED_PAGE, SEEDS / "kan-ku-2021-serving-the-people.ris")
    (folder / "empty.txt").write_text("")
    (folder / "binary.ris").write_bytes(b"\x00\x01\x02binary")
    (folder / "broken.bib").write_text("@article{broken,\n  title = {Never closed,\n")
    (folder / "unclosed.ris").write_text("TY  - JOUR\nAU  - No, Title\n")
    (folder / "fake.pdf").write_bytes(b"not a pdf at all")
    lib = load_library(folder)
    assert [r.id for r in lib.readings] == ["kan-ku-2021-serving-the-people"]
    joined = "\n".join(lib.warnings)
    for name in ("empty.txt", "binary.ris", "broken.bib", "unclosed.ris", "fake.pdf"):
        assert name in joined
    assert "unclosed.ris: skipped: line 1: record has no closing ER" in joined
    assert len(lib.failed_files) == 5


def test_bibtex_entry_and_merge_by_doi(tmp_path):
    folder = _copy(tmp_path, READINGS / "one.bib")
    lib = load_library(folder)
    (reading,) = lib.readings
    assert reading.author_names == ["Ching Kwan Lee", "Yonghong Zhang"]
    assert reading.csl["page"] == "1475-1508"
    assert reading.year == 2013
    assert reading.keywords == ["bargaining", "protest"]


def test_bibtex_file_with_one_broken_entry_keeps_the_good_one(tmp_path):
    folder = _copy(tmp_path, READINGS / "one.bib")
    text = (folder / "one.bib").read_text() + "\n@article{bad,\n title = {Unclosed\n"
    (folder / "one.bib").write_text(text)
    lib = load_library(folder)
    assert len(lib.readings) == 1
    assert any("one.bib: line" in w for w in lib.warnings)


def test_pdf_full_text_merges_with_the_page_by_file_stem(tmp_path):
    folder = _copy(tmp_path, SEED_PAGE, SEEDS / "kan-ku-2021-serving-the-people.ris")
    body = [
        "Serving the people, building the party",
        "Introduction",
        "In this article we argue that service-centred Party-building reshapes NGO autonomy.",
    ] + [f"Paragraph {i} discusses social organizations in Kunming in detail." for i in range(40)]
    write_pdf(folder / "kan-ku-2021-serving-the-people.pdf", body, title="Serving the people")
    lib = load_library(folder)
    (reading,) = lib.readings
    assert "we argue that service-centred Party-building" in reading.text
    assert reading.author_names == ["Karita Kan", "Hok Bun Ku"]  # export still wins
    assert reading.abstract.startswith("The reform era")  # page still wins


def test_new_reading_added_as_pdf_alone(tmp_path):
    folder = _copy(tmp_path)
    write_pdf(
        folder / "tilly-1985.pdf",
        ["War making and state making as organized crime"]
        + ["This essay argues that states grew from protection rackets."] * 5
        + [f"Line {i} on coercion, capital and extraction." for i in range(20)],
        title="War Making and State Making as Organized Crime",
        author="Charles Tilly",
    )
    lib = load_library(folder)
    (reading,) = lib.readings
    assert reading.id == "tilly-1985"
    assert reading.title == "War Making and State Making as Organized Crime"
    assert reading.author_names == ["Charles Tilly"]


def test_lookup_is_fuzzy_ambiguous_or_suggests(tmp_path):
    folder = _copy(
        tmp_path,
        SEED_PAGE,
        SEEDS / "kan-ku-2021-serving-the-people.ris",
        READINGS / "several.ris",
        READINGS / "one.bib",
    )
    lib = load_library(folder)
    assert len(lib) == 4
    assert lib.find("KAN").id == "kan-ku-2021-serving-the-people"
    assert lib.find("power of instability").author_names[0] == "Ching Kwan Lee"
    assert lib.find("servng the peple").id == "kan-ku-2021-serving-the-people"
    with pytest.raises(AmbiguousReading):
        lib.find("")
    with pytest.raises(AmbiguousReading):
        lib.find("the")
    with pytest.raises(UnknownReading, match="!readings"):
        lib.find("quantum chromodynamics")


def test_ids_are_stable_and_unique(tmp_path):
    folder = _copy(tmp_path, READINGS / "several.ris")
    ids = [r.id for r in load_library(folder)]
    assert ids == [r.id for r in load_library(folder)]
    assert len(set(ids)) == 2
    assert "smith-doe-2019-markets-state-review" in ids
