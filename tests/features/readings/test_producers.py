"""Each producer's RIS layout, read to the same CSL fields (records invented, layouts real).

The tag layouts are those of real exports (Zotero, Scopus, Web of Science, EndNote,
Mendeley, Google Scholar, EBSCO/CINAHL, Embase, EPPI-Reviewer, Cochrane/ProCite, Covidence,
Ovid, OpenAlex, a research portal, PubMed/MEDLINE); the values are made up. Every one must
give the same title, journal, first author, year, volume, pages and DOI.
"""

from __future__ import annotations

import pytest

from bot.features.readings.library import parse_file
from bot.features.readings.models import Reading

TITLE = "Tidal archives and the memory of ports"
JOURNAL = "Harbour Studies"
DOI = "10.5555/hs.2020.0042"

PRODUCERS = {
    "zotero": f"""TY  - JOUR
TI  - {TITLE}
AU  - Moreau, Anne
AU  - Quist, Pol
T2  - {JOURNAL}
J2  - Harb. Stud.
DA  - 2020/03/05/
PY  - 2020
DO  - {DOI}
VL  - 12
IS  - 3
SP  - 101
EP  - 120
SN  - 1234-5678
LA  - en
DB  - Zotero
ER  -
""",
    "scopus": f"""\ufeffTY  - JOUR
AU  - Moreau, A.
AU  - Quist, P.K.
TI  - {TITLE}
PY  - 2020
T2  - {JOURNAL}
VL  - 12
IS  - 3
SP  - 101
EP  - 120
C7  - 101
DO  - {DOI}
J2  - Harb. Stud.
M3  - Article
DB  - Scopus
ER  -
""",
    "webofscience-ris": f"""TY  - JOUR
AU  - Moreau, A
AU  - Quist, PK
TI  - {TITLE}
T2  - HARBOUR STUDIES
AB  - A first line of the abstract
   continued on an indented line.
PU  - HARBOUR PRESS
SN  - 1234-5678
J9  - HARB STUD
JI  - Harb. Stud.
DA  - MAR 2020
PY  - 2020
VL  - 12
IS  - 3
SP  - 101
EP  - 120
DO  - {DOI}
ER  -
""",
    "endnote": f"""TY  - JOUR
AU  - Moreau, A.
AU  - Quist, P. K.
T2  - {JOURNAL}
TI  - {TITLE}
ST  - {TITLE}
VL  - 12
IS  - 3
SP  - 101-120
PY  - 2020
M3  - 10.5555/hs.2020.0042
DO  - {DOI}
ER  -
""",
    "googlescholar": f"""TY  - JOUR
T1  - {TITLE}
A1  - Moreau, Anne
A1  - Quist, Pol
JO  - {JOURNAL}
VL  - 12
IS  - 3
SP  - 101
EP  - 120
Y1  - 2020
PB  - Harbour Press
DO  - {DOI}
ER  -
""",
    "cinahl": f"""TY  - JOUR
AU  - Moreau, Anne
T1  - {TITLE}
JO  - {JOURNAL}
JF  - {JOURNAL}
Y1  - 2020/03/05/
VL  - 12
IS  - 3
M3  - Article
SP  - 101
EP  - 120
L3  - {DOI}
DP  - EBSCOhost
ER  -
""",
    "embase": f"""TY  - JOUR
M3  - Article
Y1  - 2020
VL  - 12
IS  - 3
JF  - {JOURNAL}
JO  - Harb. Stud.
DO  - {DOI}
A1  - Moreau, A.
A1  - Quist, P.K.
T1  - {TITLE}
SP  - 101
EP  - 120
ER  -
""",
    "eppireviewer": f"""TY  - JOUR
T1  - {TITLE}
JF  - {JOURNAL}
A1  - Moreau A
A1  - Quist P K
ST  - Moreau (2020)
PY  - 2020
DA  - 2020///
DO  - {DOI}
VL  - 12
IS  - 3
SP  - 101-120
CY  -
ER  -
""",
    "cochrane-procite": f"""Record #1 of 1
Provider: An Example Provider
Content: text/plain; charset="UTF-8"

TY  -  JOUR
A1  -  Moreau, A
A1  -  Quist, P
T1  -  {TITLE}
JA  -  {JOURNAL}
PY  -  2020
VL  -  12
SP  -  101-120
M3  -  Journal article
DO  -  {DOI}
ER  -
""",
    "covidence": f"""TY  - JOUR
TI  - {TITLE}
AU  - Moreau, A.
PY  - 2020
PD  -
JO  - {JOURNAL}
PB  -
VL  - 12
IS  - 3
SP  - 101
EP  - 120
DO  - {DOI}
ER  -
""",
    "ovid": f"""6.
TY  - JOUR
DB  - ERIC
T1  - {TITLE}
A1  - Moreau, Anne
Y1  - 2020//
Y2  - 2020//
JF  - {JOURNAL}
VL  - 12
IS  - 3
SP  - 101
EP  - 120
DO  - {DOI}
ER  -
""",
    "openalex": f"""TY  - JOUR
TI  - {TITLE}
PY  - 2020
PB  - Harbour Press
T2  - {JOURNAL}
DO  - {DOI}
DA  - 2020-03-05
AU  - Moreau, Anne
VL  - 12
IS  - 3
SP  - 101
EP  - 120
ER  -
""",
    "portal": """TY  - JOUR
T1  - Tidal archives
T2  - and the memory of ports
AU  - Moreau, Anne
PY  - 2020/3
JO  - Harbour Studies
VL  - 12
SP  - 101
EP  - 120
DO  - 10.5555/hs.2020.0042
ER  -
""",
    "pubmed-medline": f"""PMID- 9999001
OWN - NLM
TI  - {TITLE}.
FAU - Moreau, Anne
AU  - Moreau A
FAU - Quist, Pol K
AU  - Quist PK
JT  - {JOURNAL}
TA  - Harb Stud
VI  - 12
IP  - 3
DP  - 2020 Mar
PG  - 101-120
LID - {DOI} [doi]
""",
}


@pytest.mark.parametrize("producer", sorted(PRODUCERS))
def test_every_producer_gives_the_same_fields(producer, tmp_path):
    path = tmp_path / f"{producer}.ris"
    path.write_text(PRODUCERS[producer], encoding="utf-8")
    (work,), notes = parse_file(path)
    reading = Reading(id=producer, csl=work.csl)
    expected_title = TITLE.replace(" and the", ": and the") if producer == "portal" else TITLE
    assert reading.title == expected_title
    assert reading.container == JOURNAL
    assert reading.authors[0]["family"] == "Moreau"
    assert reading.authors[0]["given"] in ("Anne", "A.")
    assert reading.year == 2020
    assert reading.csl["volume"] == "12"
    assert reading.csl["page"] == "101-120"
    assert reading.doi == DOI
    assert reading.short_title != "Moreau (2020)"
    assert "accessed" not in reading.csl
    assert notes == []


def test_initials_from_every_layout_are_spaced_and_dotted(tmp_path):
    seen = set()
    for producer in ("scopus", "webofscience-ris", "endnote", "embase", "eppireviewer"):
        path = tmp_path / f"{producer}.ris"
        path.write_text(PRODUCERS[producer], encoding="utf-8")
        (work,), _ = parse_file(path)
        seen.add(work.csl["author"][1]["given"])
    assert seen == {"P. K."}
