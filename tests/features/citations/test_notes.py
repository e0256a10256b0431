"""The note under a citation says plainly what the entry cannot show."""

from __future__ import annotations

from bot.features.citations.notes import missing_note
from bot.features.readings import load_library

BIB = """@article{nk2020,
  author = {Nkemelu, Daniel and others},
  title = {Informal credit and trust},
  journal = {Journal of Development Studies},
  year = {2020}, volume = {56}, pages = {1--20}, doi = {10.1080/00220388.2020.0001}
}
"""


def test_and_others_warns_that_only_some_authors_are_shown(tmp_path):
    (tmp_path / "nk.bib").write_text(BIB, encoding="utf-8")
    (reading,) = load_library(tmp_path).readings
    note = missing_note(reading)
    assert "only some authors" in note and "and others" in note


def test_a_full_record_has_no_note(tmp_path):
    (tmp_path / "nk.bib").write_text(BIB.replace(" and others", ""), encoding="utf-8")
    (reading,) = load_library(tmp_path).readings
    assert missing_note(reading) == ""


NEWS = (
    "TY  - NEWS\nTI  - Strike ends\nAU  - Okafor, Ada\nT2  - The Harbour Gazette\n"
    "DA  - 2020/06/14/\nER  - \n"
)


def test_a_newspaper_article_is_not_partial_without_pages_or_volume(tmp_path):
    (tmp_path / "news.ris").write_text(NEWS, encoding="utf-8")
    (reading,) = load_library(tmp_path).readings
    assert missing_note(reading) == ""
    (tmp_path / "news.ris").write_text(NEWS.replace("T2  - The Harbour Gazette\n", ""), "utf-8")
    (reading,) = load_library(tmp_path).readings
    assert "no newspaper, so the citation is partial" in missing_note(reading)


def test_a_journal_article_without_volume_or_pages_is_still_partial(tmp_path):
    (tmp_path / "nk.bib").write_text(
        BIB.replace(" volume = {56}, pages = {1--20},", ""), encoding="utf-8"
    )
    (reading,) = load_library(tmp_path).readings
    assert "no pages or volume or issue" in missing_note(reading)
