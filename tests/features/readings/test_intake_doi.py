"""``!readings add <DOI>`` against a local HTTP server (127.0.0.1) serving recorded answers.

The answers have the shapes doi.org's content negotiation and Crossref's REST API give
(a redirect to the agency, CSL-JSON with Crossref's extra fields, JATS abstracts, plain-text
404s); nothing here touches the internet.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import pytest_asyncio
from aiohttp import web

from bot.core.registry import Actor, dispatch
from bot.features.readings.doi import DoiError, fetch_work, jats_to_text, parse_doi
from bot.services import Services

TEACHER = Actor(user_id=1, name="teacher", is_instructor=True, guild_id=5, channel_id=6)
DOI = "10.5555/ujs.2020.118"
SHIPPED = "kan-ku-2021-serving-the-people"

# What data.crossref.org sends for Accept: application/vnd.citationstyles.csl+json
CSL_ANSWER = {
    "indexed": {"date-parts": [[2024, 2, 9]], "date-time": "2024-02-09T12:01:33Z"},
    "reference-count": 54,
    "publisher": "SAGE Publications",
    "issue": "4",
    "license": [{"start": {"date-parts": [[2020, 6, 1]]}, "URL": "https://example.org/tdm"}],
    "content-domain": {"domain": [], "crossmark-restriction": False},
    "short-container-title": ["Urban J. Stud."],
    "DOI": DOI,
    "type": "article-journal",
    "created": {"date-parts": [[2020, 5, 2]]},
    "page": "771-790",
    "source": "Crossref",
    "is-referenced-by-count": 17,
    "title": "Who plans the periphery? Village collectives and land in the urban fringe",
    "prefix": "10.5555",
    "volume": "57",
    "author": [
        {
            "ORCID": "https://orcid.org/0000-0002-1825-0097",
            "authenticated-orcid": False,
            "given": "Mei",
            "family": "Zhang",
            "sequence": "first",
            "affiliation": [{"name": "Example University"}],
        },
        {"given": "Tomás", "family": "Ruiz", "sequence": "additional", "affiliation": []},
    ],
    "member": "179",
    "reference": [{"key": "ref1", "unstructured": "A reference."}] * 3,
    "container-title": "Urban Journal Studies",
    "language": "en",
    "link": [{"URL": "https://example.org/pdf", "content-type": "application/pdf"}],
    "issued": {"date-parts": [[2020, 6]]},
    "URL": f"https://doi.org/{DOI}",
    "ISSN": "0042-0980",
    "subject": ["Urban Studies"],
    "published": {"date-parts": [[2020, 6]]},
}
# What api.crossref.org/works/<doi> sends (only the parts the bot reads are realistic here)
CROSSREF_ANSWER = {
    "status": "ok",
    "message-type": "work",
    "message-version": "1.0.0",
    "message": {
        "DOI": DOI,
        "title": [CSL_ANSWER["title"]],
        "abstract": "<jats:title>Abstract</jats:title><jats:p>This article argues that village "
        "collectives, not planners, decide how the urban fringe is built.</jats:p>"
        "<jats:p>Drawing on fieldwork in three cities, we show how land shares &amp; "
        "dividends bind villagers to the collective.</jats:p>",
    },
}


class Recorded:
    """A local resolver + Crossref serving the answers above, remembering each request."""

    def __init__(self) -> None:
        self.requests: list[web.Request] = []
        self.delay_s = 0.0
        self.crossref_status = 200

    async def resolver(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        await asyncio.sleep(self.delay_s)
        doi = request.match_info["doi"]
        if doi.lower() != DOI:
            return web.Response(status=404, text="DOI Not Found", content_type="text/html")
        if request.headers.get("Accept") != "application/vnd.citationstyles.csl+json":
            return web.Response(status=200, text="<html>landing page</html>")
        raise web.HTTPFound(f"/agency/{doi}")  # doi.org redirects to the agency

    async def agency(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        return web.Response(
            text=json.dumps(CSL_ANSWER), content_type="application/vnd.citationstyles.csl+json"
        )

    async def works(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        if self.crossref_status != 200:
            return web.Response(status=self.crossref_status, text="Resource not found.")
        return web.json_response(CROSSREF_ANSWER)


@pytest_asyncio.fixture
async def server():
    recorded = Recorded()
    app = web.Application()
    app.router.add_get("/agency/{doi:.+}", recorded.agency)
    app.router.add_get("/api/works/{doi:.+}", recorded.works)
    app.router.add_get("/{doi:.+}", recorded.resolver)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    recorded.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    yield recorded
    await runner.cleanup()


@pytest_asyncio.fixture
async def doi_services(settings, server):
    local = settings.model_copy(
        update={
            "doi_resolver_url": server.base,
            "crossref_api_url": server.base + "/api",
            "contact_email": "seminar@example.edu",
            "doi_timeout_s": 2.0,
        }
    )
    services = await Services.open(local)
    yield services
    await services.close()


@pytest.mark.parametrize(
    "typed",
    [
        DOI,
        f"https://doi.org/{DOI}",
        f"http://dx.doi.org/{DOI}",
        f"doi:{DOI}.",
        "https://doi.org/10.5555%2Fujs.2020.118",
    ],
)
def test_dois_are_recognised_however_they_are_pasted(typed):
    assert parse_doi(typed) == DOI


@pytest.mark.parametrize("typed", ["serving the people", "10.12/x", "https://example.org/10.5555"])
def test_other_text_is_not_a_doi(typed):
    assert parse_doi(typed) is None


def test_jats_abstracts_become_paragraphs():
    text = jats_to_text(CROSSREF_ANSWER["message"]["abstract"])
    assert text.startswith("This article argues that village collectives")
    assert "\n\nDrawing on fieldwork" in text and "land shares & dividends" in text


async def test_a_doi_becomes_a_csl_json_reading_with_its_abstract(doi_services, server):
    reply = await dispatch(doi_services, TEACHER, "readings add", f"https://doi.org/{DOI}")
    assert reply.title == "Added 1 file" and not reply.error
    path = doi_services.settings.seeds_dir / "zhang-ruiz-2020-plans-periphery-village.json"
    (item,) = json.loads(path.read_text(encoding="utf-8"))
    assert item["id"] == DOI
    assert item["author"] == [
        {"given": "Mei", "family": "Zhang"},
        {"given": "Tomás", "family": "Ruiz"},
    ]
    assert "reference" not in item and "license" not in item  # not CSL variables
    assert item["abstract"].startswith("This article argues")
    found = doi_services.library.get("zhang-ruiz-2020-plans-periphery-village")
    assert found.label == "Zhang & Ruiz (2020)" and found.doi == DOI
    assert "Urban Journal Studies vol. 57 no. 4 pp. 771-790" in reply.fields[0].value
    summary = await dispatch(doi_services, TEACHER, "summary", found.id)
    assert "village collectives, not planners" in summary.body
    # polite: who we are and how to reach us, to both services
    (agent,) = {r.headers["User-Agent"] for r in server.requests}
    assert agent.startswith("SeminarBot/") and "mailto:seminar@example.edu" in agent
    (works,) = [r for r in server.requests if r.path.startswith("/api/works/")]
    assert works.query["mailto"] == "seminar@example.edu"


async def test_a_doi_for_a_loaded_reading_is_merged_into_it(doi_services, monkeypatch):
    shipped_title = (
        "Serving the people, building the party: Social organizations and party work "
        "in China’s urban villages"
    )
    monkeypatch.setitem(CSL_ANSWER, "title", shipped_title)
    monkeypatch.setitem(CSL_ANSWER, "author", [{"given": "Karita", "family": "Kan"}])
    monkeypatch.setitem(CSL_ANSWER, "issued", {"date-parts": [[2021, 1]]})
    reply = await dispatch(doi_services, TEACHER, "readings add", DOI)
    assert (doi_services.settings.seeds_dir / f"{SHIPPED}.json").exists()
    # the reading keeps its id; its RIS export still gives the authors, the DOI is new
    assert reply.fields[0].name == f"{SHIPPED} — Kan & Ku (2021)"
    assert "Merged with: kan-ku-2021-serving-the-people.ris" in reply.fields[0].value
    assert doi_services.library.get(SHIPPED).doi == DOI


async def test_an_unknown_doi_says_so_and_saves_nothing(doi_services):
    before = sorted(doi_services.settings.seeds_dir.iterdir())
    with pytest.raises(DoiError, match="No work has the DOI `10.5555/nothing.here`"):
        await dispatch(doi_services, TEACHER, "readings add", "10.5555/nothing.here")
    assert sorted(doi_services.settings.seeds_dir.iterdir()) == before


async def test_crossref_without_the_work_leaves_the_abstract_empty(doi_services, server):
    server.crossref_status = 404
    await dispatch(doi_services, TEACHER, "readings add", DOI)
    found = doi_services.library.find("who plans the periphery")
    assert found.abstract == "" and found.authors_short == "Zhang & Ruiz"


async def test_a_slow_resolver_gets_a_clear_answer(doi_services, server):
    server.delay_s = 3.0
    with pytest.raises(DoiError, match="did not answer in time"):
        await fetch_work(DOI, doi_services.settings)


async def test_offline_gets_a_clear_answer(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    offline = settings.model_copy(update={"doi_resolver_url": f"http://127.0.0.1:{port}"})
    with pytest.raises(DoiError, match=r"I cannot reach 127\.0\.0\.1:\d+ \(is the bot offline\?\)"):
        await fetch_work(DOI, offline)


async def test_adding_the_same_doi_twice_needs_replace(doi_services):
    await dispatch(doi_services, TEACHER, "readings add", DOI)
    reply = await dispatch(doi_services, TEACHER, "readings add", DOI)
    assert reply.error and "--replace" in reply.fields[0].value
    reply = await dispatch(doi_services, TEACHER, "readings add", f"--replace {DOI}")
    assert not reply.error
