"""Adding, removing and reloading readings while the bot runs (``!readings add/remove/reload``).

Files arrive as plain values (:class:`IncomingFile`: a name and bytes), whichever front they
came from. Each is checked before anything touches ``SEEDS_DIR``: a reading type, at most
``MAX_UPLOAD_MB``, a safe file name (no folders, no hidden files, only ``[A-Za-z0-9._-]``);
then it is parsed on its own in a scratch folder, so a file the bot cannot read is refused
with the parser's reason and never saved. Nothing already in ``SEEDS_DIR`` is overwritten
unless ``replace`` is asked for, and then the old file moves to ``SEEDS_DIR/removed/``, as
removed readings do: the bot never deletes an instructor's file.

Every change ends in :meth:`Intake.reload`: the new library is parsed in a worker thread
(``asyncio.to_thread``) and swapped in with one assignment (:meth:`Services.swap_library`),
so a command that already holds the old library finishes on it and the next one sees the
new. Derived results are keyed by reading content (:mod:`bot.features.readings.cache`), so
unchanged readings keep their summaries, themes and citations; only added and changed
readings are rendered and summarised, in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.errors import BadArgument
from bot.features.readings.cache import content_key
from bot.features.readings.library import (
    READING_SUFFIXES,
    Library,
    SeedLimits,
    load_library,
    parse_file,
)
from bot.features.readings.models import Reading, normalise_doi, normalise_title
from bot.features.readings.parsers.csljson import looks_like_csl_json

if TYPE_CHECKING:
    from bot.features.readings.models import ParsedWork
    from bot.services import Services

log = logging.getLogger(__name__)

REMOVED_DIR = "removed"
ACCEPTED_SUFFIXES = frozenset(READING_SUFFIXES | {".json"})
MAX_NAME_CHARS = 100
MAX_FILES = 10  # Discord attaches at most 10 files to a message


@dataclass(frozen=True)
class IncomingFile:
    """A file offered to the library: the name it was sent under and its bytes.

    ``size`` is the size the sender declared, for a file too large to fetch (``data`` then
    empty); otherwise it is ``len(data)``.
    """

    name: str
    data: bytes
    size: int = -1

    @property
    def length(self) -> int:
        """The file's size in bytes (declared, or counted)."""
        return max(self.size, len(self.data))


@dataclass
class FileOutcome:
    """What became of one offered file: saved under ``saved`` or refused for ``refused``."""

    offered: str
    saved: str = ""
    refused: str = ""
    replaced: bool = False


@dataclass
class ReloadReport:
    """The difference between two libraries, by reading id and content."""

    added: list[Reading] = field(default_factory=list)
    changed: list[Reading] = field(default_factory=list)
    removed: list[Reading] = field(default_factory=list)
    library: Library = field(default_factory=Library)

    @property
    def unchanged(self) -> int:
        """How many readings are the same as before."""
        return len(self.library) - len(self.added) - len(self.changed)


def safe_file_name(name: str) -> str:
    """A file name safe to create in ``SEEDS_DIR``, or :class:`BadArgument` saying why not.

    Folders are dropped (``../x.ris`` → ``x.ris``), accents folded to ASCII, anything but
    letters, digits, ``.``, ``_`` and ``-`` becomes ``-``; the suffix is lowercased and must
    be a reading type (``.txt``, ``.ris``, ``.bib``, ``.bibtex``, ``.pdf``, ``.json``).
    """
    base = re.split(r"[\\/]", name.strip())[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = ascii_name.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in ACCEPTED_SUFFIXES:
        kinds = ", ".join(sorted(ACCEPTED_SUFFIXES))
        raise BadArgument(f"not a reading file (the bot reads {kinds})")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[: MAX_NAME_CHARS - len(suffix)]
    if not stem:
        raise BadArgument("the file name has no usable letters or digits")
    return stem + suffix


def diff_libraries(old: Library, new: Library) -> ReloadReport:
    """Which readings of ``new`` are added or changed, and which of ``old`` are gone."""
    before = {r.id: content_key(r) for r in old}
    report = ReloadReport(library=new)
    for reading in new:
        if reading.id not in before:
            report.added.append(reading)
        elif before[reading.id] != content_key(reading):
            report.changed.append(reading)
    ids = {r.id for r in new}
    report.removed = [r for r in old if r.id not in ids]
    return report


def trial_parse(name: str, data: bytes, limits: SeedLimits | None = None) -> list[ParsedWork]:
    """Parse one file alone in a scratch folder; the works found, or ``BadArgument``.

    Runs in a worker thread (PDF parsing takes seconds). The scratch copy is deleted.
    """
    with tempfile.TemporaryDirectory(prefix="seminar-intake-") as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        if path.suffix == ".json" and not looks_like_csl_json(
            data[:4000].decode("utf-8", "ignore")
        ):
            raise BadArgument("a .json reading must be CSL-JSON (an array of CSL items)")
        try:
            works, _ = parse_file(path, limits)
        except ValueError as exc:  # every parser's error (and SeedFileError) is a ValueError
            raise BadArgument(str(exc)) from exc
        except Exception as exc:  # a parser bug must refuse the file, not crash the command
            log.exception("parsing %s failed", name)
            raise BadArgument(f"the file could not be read ({type(exc).__name__})") from exc
        if not works:
            raise BadArgument("no reading was found in it")
        return works


def joined_reading(library: Library, works: list[ParsedWork]) -> Reading | None:
    """The loaded reading a one-work file describes, by the library's merge rules, if any.

    The same DOI; or the same title with no conflicting DOI, years at most one apart and
    the same first author (when both sides name them), as :func:`merge` decides. Such a
    file is saved under that reading's id, so the merged reading keeps its id (ids come
    from file names) and prompts and links that use it keep working.
    """
    if len(works) != 1:
        return None
    csl = works[0].csl
    doi = normalise_doi(str(csl.get("DOI", ""))) if csl.get("DOI") else ""
    title = normalise_title(str(csl.get("title", "")))
    probe = Reading(id="", csl=csl)
    for reading in library:
        if doi and reading.doi == doi:
            return reading
        if not title or normalise_title(reading.title) != title:
            continue
        if doi and reading.doi:
            continue  # different DOIs
        if probe.year and reading.year and abs(probe.year - reading.year) > 1:
            continue
        first = _first_family(probe)
        if first and _first_family(reading) and first != _first_family(reading):
            continue
        return reading
    return None


def _first_family(reading: Reading) -> str:
    authors = reading.authors
    return (
        normalise_title(str(authors[0].get("family") or authors[0].get("literal") or ""))
        if authors
        else ""
    )


def _unique(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``… when it is taken."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def move_to_removed(seeds_dir: Path, path: Path) -> Path:
    """Move a seed file into ``SEEDS_DIR/removed/`` (never over another); its new path."""
    target = _unique(seeds_dir / REMOVED_DIR / path.name)
    target.parent.mkdir(exist_ok=True)
    os.replace(path, target)
    return target


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file, so no half file is loaded."""
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class Intake:
    """Changes to ``SEEDS_DIR`` from commands, one at a time, each ending in a reload."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def seeds_dir(self) -> Path:
        """The folder readings are saved into."""
        return self.services.settings.seeds_dir

    async def add_files(
        self, files: Sequence[IncomingFile], *, replace: bool = False
    ) -> tuple[list[FileOutcome], ReloadReport | None]:
        """Check, parse, save and load ``files``; ``None`` report when none was saved."""
        if not files:
            raise BadArgument("No file came with the command.")
        if len(files) > MAX_FILES:
            raise BadArgument(f"At most {MAX_FILES} files at a time, please.")
        async with self._lock:
            outcomes = [await self._accept(f, replace) for f in files]
            if not any(o.saved for o in outcomes):
                return outcomes, None
            return outcomes, await self._reload()

    async def _accept(self, offered: IncomingFile, replace: bool) -> FileOutcome:
        outcome = FileOutcome(offered=offered.name)
        limit = self.services.settings.max_upload_mb
        try:
            name = safe_file_name(offered.name)
            if offered.length > limit * 1_000_000:
                size = offered.length / 1_000_000
                raise BadArgument(f"it is {size:.1f} MB; MAX_UPLOAD_MB allows {limit:g} MB")
            limits = SeedLimits.from_settings(self.services.settings)
            works = await asyncio.to_thread(trial_parse, name, offered.data, limits)
            joins = joined_reading(self.services.library, works)
            if joins is not None and not name.startswith(joins.id):
                taken = self.seeds_dir / f"{joins.id}{Path(name).suffix}"
                name = taken.name if not taken.exists() else f"{joins.id}-{name}"
            target = self.seeds_dir / name
            if target.exists() and not replace:
                raise BadArgument(
                    f"`{name}` is already in the seeds folder; add `--replace` to replace it "
                    "(the old file is kept in removed/)"
                )
        except BadArgument as exc:
            outcome.refused = exc.message
            return outcome
        if target.exists():
            await asyncio.to_thread(move_to_removed, self.seeds_dir, target)
            outcome.replaced = True
        await asyncio.to_thread(_write_new, target, offered.data)
        outcome.saved = name
        return outcome

    async def remove(self, reading: Reading) -> tuple[list[Path], ReloadReport]:
        """Move every file of ``reading`` to ``removed/`` and reload; the files' new paths."""
        async with self._lock:
            moved = []
            for source in reading.sources:
                if source.exists() and source.parent.resolve() == self.seeds_dir.resolve():
                    moved.append(await asyncio.to_thread(move_to_removed, self.seeds_dir, source))
            return moved, await self._reload()

    async def reload(self) -> ReloadReport:
        """Rescan ``SEEDS_DIR`` (after edits on disk) and swap the new library in."""
        async with self._lock:
            return await self._reload()

    async def _reload(self) -> ReloadReport:
        services = self.services
        old = services.library
        new, bank = await asyncio.to_thread(self._build)
        report = diff_libraries(old, new)
        services.swap_library(new, bank)
        await services.record_readings()
        fresh = [*report.added, *report.changed]
        if fresh:
            self.background(services.citations.prerender(fresh), "cite-new-readings")
            self.background(services.precompute(fresh), "summarise-new-readings")
        log.info(
            "reloaded seeds: %d added, %d changed, %d removed",
            len(report.added),
            len(report.changed),
            len(report.removed),
        )
        return report

    def _build(self) -> tuple[Library, object]:
        """Parse the seeds and the prompt bank against them (in a worker thread)."""
        from bot.features.prompts.bank import PROMPTS_FILE, load_prompt_bank

        services = self.services
        library = load_library(self.seeds_dir, SeedLimits.from_settings(services.settings))
        bank = load_prompt_bank(
            self.seeds_dir / PROMPTS_FILE, library, services.glossary, services.themes
        )
        return library, bank

    def background(self, work: object, name: str) -> None:
        """Run a coroutine after the reply, kept until done; :meth:`aclose` cancels it."""
        task = asyncio.ensure_future(work)  # type: ignore[arg-type]
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def wait_idle(self) -> None:
        """Wait for the background work started so far (tests and benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel background work (the process is stopping)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
