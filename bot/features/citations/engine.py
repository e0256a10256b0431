"""CSL rendering with pandoc's citeproc: batched, off the event loop, and cached.

Why pandoc: for the same CSL-JSON it gives the text citeproc-js (Zotero's engine) gives, with
the official CSL files (tests/fixtures/citeproc holds the proof). Why batches: starting pandoc
costs ~50 ms, so one process renders every reading in one style, through a Lua filter
(``citeproc_filter.lua``) that calls citeproc once per *group* of items.

Why groups: a student pastes one citation, so each reading must read as if it were cited
alone. Rendered together, readings by the same authors would get "2021a"/"2021b", added
initials or (MLA) added titles, and IEEE would number them 1, 2, 3…. :func:`plan_groups` puts
items that could interact (a shared family name, or — without names — the same title or
journal) in different groups, and styles that number their entries get one item per group.
Groups are also capped in size, as citeproc's disambiguation pass grows quadratically.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bot.features.citations.markup import blocks_text, inlines_text
from bot.features.citations.styles import CSL_STYLES, Style, csl_path
from bot.features.readings.models import Reading, language_code

log = logging.getLogger(__name__)

FILTER = Path(__file__).with_name("citeproc_filter.lua")
MAX_GROUP = 48
PANDOC_TIMEOUT = 300.0
NAME_VARIABLES = (
    "author",
    "editor",
    "translator",
    "container-author",
    "collection-editor",
    "composer",
    "director",
    "interviewer",
    "illustrator",
    "original-author",
    "recipient",
    "reviewed-author",
    "editorial-director",
)


class CitationError(RuntimeError):
    """Pandoc could not render an item (or could not run at all)."""


@dataclass(frozen=True)
class Rendered:
    """One reading in one CSL style: Discord Markdown (escaped, italics) and plain text."""

    bibliography: str
    parenthetical: str
    narrative: str
    bibliography_text: str
    parenthetical_text: str
    narrative_text: str


@cache
def pandoc_path() -> str:
    """The pandoc binary shipped in the pypandoc-binary wheel (no system pandoc needed)."""
    import pypandoc

    return str(pypandoc.get_pandoc_path())


@cache
def numbers_entries(style: Style) -> bool:
    """Whether the style prints citation numbers (IEEE): then every item renders alone."""
    return "citation-number" in csl_path(style).read_text(encoding="utf-8")


def fingerprint(csl: dict[str, Any]) -> str:
    """A short hash of the CSL-JSON, so a cached rendering is never served for changed data."""
    blob = json.dumps(csl, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


def csl_item(reading: Reading) -> dict[str, Any]:
    """The reading's CSL-JSON with its id set to the reading id (the key we split output by)."""
    item = {k: v for k, v in reading.csl.items() if v not in (None, "", [], {})}
    item["id"] = reading.id
    item.setdefault("type", "article-journal")
    return item


def normalise_item(item: dict[str, Any]) -> dict[str, Any]:
    """Input fixes so pandoc reads the data as citeproc-js does (never changes the style)."""
    if isinstance(item.get("language"), str):
        # citeproc-js reads "English" as English (and title-cases in MLA/Chicago); pandoc
        # wants a language tag, so give it one.
        item = {**item, "language": language_code(item["language"])}
    return item


def _key(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"\w+", (ascii_text or text).casefold()))


def conflict_keys(item: dict[str, Any]) -> set[str]:
    """What could make citeproc disambiguate this item against another one."""
    keys: set[str] = set()
    for variable in NAME_VARIABLES:
        for name in item.get(variable) or []:
            if isinstance(name, dict):
                family = name.get("family") or name.get("literal") or ""
                if family:
                    keys.add("name:" + _key(str(family)))
    if not keys:  # cited by title (or, in Harvard, by journal): those could collide
        for variable in ("title", "container-title", "title-short"):
            if item.get(variable):
                keys.add(f"{variable}:" + _key(str(item[variable])))
    return keys


def plan_groups(items: list[dict[str, Any]], *, max_size: int = MAX_GROUP) -> list[list[dict]]:
    """Split items into groups in which no two items share a conflict key (greedy colouring)."""
    groups: list[tuple[list[dict], set[str]]] = []
    for item in items:
        keys = conflict_keys(item)
        for members, used in groups:
            if len(members) < max_size and not (keys & used):
                members.append(item)
                used |= keys
                break
        else:
            groups.append(([item], set(keys)))
    return [members for members, _ in groups]


def build_request(style: Style, items: list[dict[str, Any]]) -> bytes:
    """The JSON the Lua filter reads from stdin: the style file and the groups of items."""
    size = 1 if numbers_entries(style) else MAX_GROUP
    groups = plan_groups([normalise_item(i) for i in items], max_size=size)
    request = {
        "csl": str(csl_path(style)),
        "lang": "en-US",
        "groups": [json.dumps(g, ensure_ascii=False, default=str) for g in groups],
    }
    return json.dumps(request, ensure_ascii=False).encode()


def parse_output(raw: bytes) -> tuple[dict[str, Rendered], list[str]]:
    """Split the filter's output (one JSON line per item) into :class:`Rendered` per item id."""
    results: dict[str, Rendered] = {}
    errors: list[str] = []
    for line in raw.decode("utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if "error" in item:
            errors.append(str(item["error"]))
            continue
        cites = [b["c"] for b in item["cites"] if b["t"] == "Para"]
        paren = cites[0] if cites else []
        narr = cites[1] if len(cites) > 1 else []
        entry = item["entry"]
        results[str(item["id"])] = Rendered(
            bibliography=blocks_text(entry, markdown=True),
            parenthetical=inlines_text(paren, markdown=True),
            narrative=inlines_text(narr, markdown=True),
            bibliography_text=blocks_text(entry, markdown=False),
            parenthetical_text=inlines_text(paren, markdown=False),
            narrative_text=inlines_text(narr, markdown=False),
        )
    return results, errors


def _run_pandoc(request: bytes, started: list[subprocess.Popen[bytes]]) -> tuple[bytes, bytes, int]:
    """Run pandoc with the Lua filter (in a worker thread); ``started`` lets the caller kill it."""
    command = [pandoc_path(), os.devnull, "--from=markdown", "--to=plain", f"--lua-filter={FILTER}"]
    proc = subprocess.Popen(  # noqa: S603  (fixed argv: our bundled pandoc and filter)
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    started.append(proc)
    try:
        out, err = proc.communicate(request, timeout=PANDOC_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += b"\n(timed out)"
    return out, err, proc.returncode


async def render_items(style: Style, items: list[dict[str, Any]]) -> dict[str, Rendered]:
    """Render CSL-JSON items in one pandoc process, off the event loop.

    If the caller is cancelled (shutdown), the pandoc process is killed rather than left to
    finish on its own.
    """
    if not items:
        return {}
    request = await asyncio.to_thread(build_request, style, items)
    started: list[subprocess.Popen[bytes]] = []
    try:
        out, err, code = await asyncio.to_thread(_run_pandoc, request, started)
    except asyncio.CancelledError:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        raise
    if code != 0:
        raise CitationError(f"pandoc failed ({code}): {err.decode(errors='replace')[:2000]}")
    results, errors = await asyncio.to_thread(parse_output, out)
    for message in errors:
        log.warning("citeproc (%s): %s", style.key, message)
    return results


@dataclass
class CitationEngine:
    """The cache of rendered citations, filled in the background at start-up.

    ``!cite`` calls :meth:`get`; a cached answer costs a dict lookup. A reading not yet rendered
    (start-up still running) is rendered on demand, alone, in one pandoc call.
    """

    concurrency: int = field(default_factory=lambda: max(1, (os.cpu_count() or 2) - 1))
    _cache: dict[tuple[str, str], tuple[str, Rendered]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    def start(self, readings: Iterable[Reading]) -> asyncio.Task[None]:
        """Begin pre-rendering every reading in every CSL style, without waiting for it."""
        self._task = asyncio.create_task(self.prerender(list(readings)), name="cite-prerender")
        self._task.add_done_callback(_log_failure)
        return self._task

    async def wait_ready(self) -> None:
        """Wait for the start-up rendering (tests and benchmarks)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def prerender(self, readings: list[Reading]) -> None:
        """Render all readings, one pandoc process per style, a few styles at a time."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(style: Style) -> None:
            async with gate:
                await self._render(style, readings)

        await asyncio.gather(*(one(style) for style in CSL_STYLES))

    async def _render(self, style: Style, readings: list[Reading]) -> None:
        prints = {r.id: fingerprint(r.csl) for r in readings}
        results = await render_items(style, [csl_item(r) for r in readings])
        for reading in readings:
            rendered = results.get(reading.id)
            if rendered is None:
                self.failures[(style.key, reading.id)] = "pandoc returned nothing for it"
                continue
            self._cache[(style.key, reading.id)] = (prints[reading.id], rendered)

    def cached(self, reading: Reading, style: Style) -> Rendered | None:
        """The cached rendering, if it is for this very data."""
        hit = self._cache.get((style.key, reading.id))
        if hit is not None and hit[0] == fingerprint(reading.csl):
            return hit[1]
        return None

    async def get(self, reading: Reading, style: Style) -> Rendered:
        """The rendering of ``reading`` in ``style``: from the cache, else rendered now."""
        hit = self.cached(reading, style)
        if hit is not None:
            return hit
        await self._render(style, [reading])
        hit = self.cached(reading, style)
        if hit is None:
            raise CitationError(f"could not render {reading.id} in {style.key}")
        return hit

    async def aclose(self) -> None:
        """Cancel the start-up rendering (killing its pandoc process) if it still runs."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("citation pre-rendering failed", exc_info=task.exception())
