"""A reading from its DOI: CSL-JSON by DOI content negotiation, the abstract from Crossref.

Two public services, both asked with aiohttp so the event loop never waits on the network:

* the DOI resolver (``DOI_RESOLVER_URL``, https://doi.org) answers ``GET /<doi>`` with
  ``Accept: application/vnd.citationstyles.csl+json`` by redirecting to the registration
  agency (Crossref, DataCite, mEDRA…), which returns the work as one CSL-JSON item
  (DOI Content Negotiation, https://citation.crosscite.org/docs.html);
* Crossref's REST API (``CROSSREF_API_URL``, https://api.crossref.org) answers
  ``GET /works/<doi>`` with ``{"status": "ok", "message": {…}}`` whose ``abstract``, when the
  publisher deposited one, is JATS XML (https://api.crossref.org/swagger-ui/index.html).
  Only asked when the CSL item has no abstract; a DOI Crossref does not know simply has none.

Both get a User-Agent naming the bot and, when ``CONTACT_EMAIL`` is set, a ``mailto:``
(Crossref's "polite pool" etiquette); Crossref also gets ``?mailto=``. Every request has a
``DOI_TIMEOUT_S`` limit. Failures become one clear sentence (:class:`DoiError`).
"""

from __future__ import annotations

import html
import json
import re
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from bot.core.errors import UserFacingError
from bot.features.readings.models import bare_doi, slugify

if TYPE_CHECKING:
    import aiohttp

    from bot.config import Settings

CSL_JSON = "application/vnd.citationstyles.csl+json"
DOI_SYNTAX = re.compile(r"^10\.\d{4,9}/\S+$")  # Crossref's advice for modern DOIs
MAX_RESPONSE_BYTES = 5_000_000
# CSL 1.0.2 variables worth keeping from a registration agency's item; Crossref adds many
# non-CSL fields (reference lists, funders, licences, deposit dates) that are dropped.
KEEP = {
    "type", "title", "title-short", "container-title", "container-title-short",
    "collection-title", "volume", "issue", "page", "number", "edition", "publisher",
    "publisher-place", "DOI", "ISSN", "ISBN", "URL", "language", "abstract", "keyword",
    "genre", "event-title", "number-of-pages", "original-title", "source",
    "author", "editor", "translator", "container-author", "chair", "collection-editor",
    "issued", "accessed", "original-date", "event-date", "available-date",
}  # fmt: skip
NAME_PARTS = {
    "family",
    "given",
    "literal",
    "suffix",
    "dropping-particle",
    "non-dropping-particle",
}
DATE_KEYS = {"issued", "accessed", "original-date", "event-date", "available-date"}


class DoiError(UserFacingError):
    """A DOI that could not be looked up: not a DOI, unknown, or the service did not answer."""


def parse_doi(text: str) -> str | None:
    """The DOI in ``text`` (bare, ``doi:…``, ``https://doi.org/…``, URL-encoded), or ``None``."""
    value = unquote(text.strip().strip("<>"))
    value = re.sub(r"^https?://(dx\.)?doi\.org/", "", value, flags=re.IGNORECASE)
    value = bare_doi(value).rstrip(".,;")
    return value if DOI_SYNTAX.match(value) else None


def user_agent(settings: Settings) -> str:
    """``SeminarBot/0.1.0 (reading-seminar Discord bot; mailto:…)`` for polite API use."""
    try:
        version = metadata.version("seminar-bot")
    except metadata.PackageNotFoundError:
        version = "dev"
    contact = f"; mailto:{settings.contact_email}" if settings.contact_email else ""
    return f"SeminarBot/{version} (reading-seminar Discord bot{contact})"


def jats_to_text(jats: str) -> str:
    """Crossref's JATS abstract as plain paragraphs (tags dropped, entities decoded)."""
    text = re.sub(r"<jats:title>.*?</jats:title>", "", jats, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"</(jats:)?p>", "\n\n", text, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and paragraphs[0].lower() in ("abstract", "summary"):
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def tidy_item(item: dict[str, Any]) -> dict[str, Any]:
    """Keep the CSL variables of an agency's item, names reduced to their CSL parts."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key not in KEEP or value in (None, "", [], {}):
            continue
        if (
            isinstance(value, list)
            and key not in DATE_KEYS
            and value
            and isinstance(value[0], dict)
        ):
            names = [{k: str(v) for k, v in n.items() if k in NAME_PARTS and v} for n in value]
            value = [n for n in names if n]
        elif isinstance(value, list) and key not in DATE_KEYS:
            value = str(value[0]) if key != "keyword" else ", ".join(map(str, value))
        elif key in DATE_KEYS and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in ("date-parts", "literal", "raw")}
        if value not in (None, "", [], {}):
            out[key] = value
    if isinstance(out.get("abstract"), str) and "<" in out["abstract"]:
        out["abstract"] = jats_to_text(out["abstract"])
    return out


def file_stem(item: dict[str, Any]) -> str:
    """A file name stem (and reading id) for an item: ``kan-ku-2021-serving-people``."""
    authors = [a.get("family") or a.get("literal", "") for a in item.get("author", [])]
    families = authors[:2] if len(authors) <= 2 else [authors[0], "etal"]
    try:
        year = str(item["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError):
        year = "nd"
    words = [w for w in slugify(str(item.get("title", "")), 12).split("-") if len(w) > 3][:3]
    return slugify(" ".join([*families, year, *words]), max_words=8)


async def _get_json(
    session: aiohttp.ClientSession, url: str, *, accept: str, what: str, host: str
) -> dict[str, Any] | None:
    """GET ``url`` as JSON; ``None`` for 404; :class:`DoiError` for anything else wrong."""
    import aiohttp

    try:
        async with session.get(url, headers={"Accept": accept}) as response:
            if response.status == 404:
                return None
            if response.status == 406:
                raise DoiError(f"{host} has no CSL-JSON for this DOI ({what}).")
            if response.status == 429:
                raise DoiError(f"{host} asks us to slow down; try again in a minute.")
            if response.status >= 400:
                raise DoiError(f"{host} answered HTTP {response.status} ({what}).")
            body = await response.content.read(MAX_RESPONSE_BYTES + 1)
    except TimeoutError as exc:
        raise DoiError(f"{host} did not answer in time ({what}); try again later.") from exc
    except aiohttp.ClientConnectionError as exc:
        raise DoiError(f"I cannot reach {host} (is the bot offline?); nothing was added.") from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise DoiError(f"{host} sent more than {MAX_RESPONSE_BYTES // 1_000_000} MB ({what}).")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DoiError(f"{host} did not send JSON ({what}).") from exc
    if not isinstance(data, dict):
        raise DoiError(f"{host} sent an unexpected answer ({what}).")
    return data


async def fetch_work(doi: str, settings: Settings) -> dict[str, Any]:
    """The CSL-JSON item of ``doi``, tidied, with Crossref's abstract where it has one.

    Raises :class:`DoiError` when the DOI is unknown, the resolver has no CSL-JSON, a
    service is unreachable or slow (``DOI_TIMEOUT_S``), or the answer is not a CSL item.
    """
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=settings.doi_timeout_s)
    resolver = settings.doi_resolver_url.rstrip("/")
    crossref = settings.crossref_api_url.rstrip("/")
    path = quote(doi, safe="/:;()._-")
    async with aiohttp.ClientSession(
        timeout=timeout, headers={"User-Agent": user_agent(settings)}
    ) as session:
        raw = await _get_json(
            session, f"{resolver}/{path}", accept=CSL_JSON, what="metadata", host=_host(resolver)
        )
        if raw is None:
            raise DoiError(f"No work has the DOI `{doi}` (the resolver does not know it).")
        item = tidy_item(raw)
        if not str(item.get("title", "")).strip():
            raise DoiError(f"The metadata of `{doi}` has no title; nothing was added.")
        item.setdefault("DOI", doi)
        if not item.get("abstract"):
            query = f"?mailto={quote(settings.contact_email)}" if settings.contact_email else ""
            try:
                works = await _get_json(
                    session,
                    f"{crossref}/works/{path}{query}",
                    accept="application/json",
                    what="abstract",
                    host=_host(crossref),
                )
            except DoiError:
                works = None  # the metadata is enough; the abstract is a bonus
            message = (works or {}).get("message")
            if isinstance(message, dict) and isinstance(message.get("abstract"), str):
                item["abstract"] = jats_to_text(message["abstract"])
    return item


def _host(url: str) -> str:
    return re.sub(r"^https?://", "", url).split("/")[0]
