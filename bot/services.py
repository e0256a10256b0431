"""``Services``: everything a handler needs, opened once per process by either front.

Both ``SeminarBot.setup_hook`` and the console call :meth:`Services.open`, so Discord and the
console run the very same database, library and engines. Feature components attach here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.replies import Reply
from bot.core.times import to_db
from bot.core.workers import ComputePool, shared_pool
from bot.coursedata import load_course_data
from bot.features.citations import CitationEngine
from bot.features.citations.styles import default_style
from bot.features.prompts.bank import PromptBank
from bot.features.prompts.scheduler import Scheduler
from bot.features.prompts.store import PlanStore
from bot.features.readings import Library, load_library
from bot.features.readings.cache import ReadingCache, WarmStats, warm_summaries
from bot.features.readings.intake import Intake
from bot.features.readings.library import SeedLimits
from bot.features.readings.models import Reading
from bot.features.readings.summaries import SummaryCache
from bot.features.responses.log import ResponseLog
from bot.features.responses.personal import PersonalData
from bot.features.responses.reports import ResponseReports
from bot.features.themes import ThemeEngine
from bot.features.themes.glossary import Glossary
from bot.storage import Database

log = logging.getLogger(__name__)
# Summaries are read back from the database (or computed) this long after start-up, so the
# first answers never wait behind them.
WARM_DELAY_S = 2.0


@dataclass
class Services:
    """The open database, the loaded library and the feature engines built on them."""

    settings: Settings
    db: Database
    library: Library
    clock: Clock = field(default_factory=SystemClock)
    summaries: SummaryCache = field(default_factory=SummaryCache)
    # CPU work that holds the interpreter lock (summaries, themes, charts): a worker process.
    compute: ComputePool = field(default_factory=shared_pool)
    citations: CitationEngine = field(default_factory=CitationEngine)
    components: dict[str, Any] = field(default_factory=dict)
    glossary: Glossary = field(default_factory=Glossary)
    themes: ThemeEngine = field(default_factory=ThemeEngine)
    prompt_bank: PromptBank = field(default_factory=PromptBank)
    # Problems in seeds/glossary.toml and seeds/prompts.toml (file, line, field): printed by
    # `seeds check`; start-up goes on without the broken entries.
    data_warnings: list[str] = field(default_factory=list)
    responses: ResponseLog = field(init=False)
    reports: ResponseReports = field(init=False)
    personal: PersonalData = field(init=False)
    scheduler: Scheduler = field(init=False)
    intake: Intake = field(init=False)
    reading_cache: ReadingCache = field(init=False)
    warm_stats: WarmStats = field(default_factory=WarmStats)
    theme_stats: WarmStats = field(default_factory=WarmStats)
    _background: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        """Open the database first, then load the library (the order setup_hook relies on).

        Raises ``DatabaseUnavailable`` (one line) when the database cannot be used; if a later
        step fails, everything opened so far is closed again before the error goes on, so no
        task or database thread outlives a failed start.
        """
        db = await Database.open(settings.database_path)
        try:
            services = cls._build(settings, db, clock)
        except BaseException:
            await db.close()
            raise
        try:
            await services.record_readings()
        except BaseException:
            await services.close()
            raise
        services.intake.background(
            services.precompute(services.library.readings, WARM_DELAY_S, prune=True), "warm"
        )
        return services

    @classmethod
    def _build(cls, settings: Settings, db: Database, clock: Clock | None) -> Services:
        library = load_library(settings.seeds_dir, SeedLimits.from_settings(settings))
        for warning in library.warnings:
            log.warning("seeds: %s", warning)
        services = cls(settings=settings, db=db, library=library, clock=clock or SystemClock())
        course = load_course_data(settings.seeds_dir, library)
        services.glossary, services.themes = course.glossary, course.themes
        services.prompt_bank, services.data_warnings = course.prompt_bank, course.warnings
        services.responses = ResponseLog(db, services.clock)
        services.reports = ResponseReports(services.responses)
        services.personal = PersonalData(services.responses)
        services.components["responses"] = services.responses  # close() flushes its queue
        # Citations render in the background (citeproc-js in a worker thread, cached in the
        # database); close() stops it.
        # (a repository style id here reads only its own file and its parent's, not the index)
        services.citations.start(
            library.readings, db, [default_style(settings.citation_style)], delay_s=WARM_DELAY_S
        )
        services.components["citations"] = services.citations
        # The fronts attach a Poster and call start(); close() stops it (aclose) within 5 s.
        services.scheduler = Scheduler(PlanStore(db), services.clock, settings, library)
        services.components["scheduler"] = services.scheduler
        services.reading_cache = ReadingCache(db)
        services.intake = Intake(services)  # !readings add/remove/reload; close() cancels
        services.components["intake"] = services.intake
        db.on_damaged.append(services._report_damaged)
        return services

    def swap_library(self, library: Library, prompt_bank: PromptBank | None = None) -> None:
        """Put a freshly built library in place, one assignment per holder.

        A command already running keeps the ``Library`` it read from ``services.library``
        and finishes on it; the next command sees the new one.
        """
        old = self.library
        gone = {**old.removed, **{r.id: r.title for r in old}}
        library.removed = {k: v for k, v in gone.items() if library.get(k) is None}
        self.library = library
        self.scheduler.library = library
        if prompt_bank is not None:
            self.prompt_bank = prompt_bank
            self.data_warnings = [*self.glossary.warnings, *prompt_bank.warnings]

    async def precompute(
        self, readings: list[Reading], delay_s: float = 0.0, *, prune: bool = False
    ) -> WarmStats:
        """Summaries and themes of ``readings``: from the database, else computed and stored.

        Computing runs in the worker process (``self.compute``), never on the loop or in a
        thread of this process; the prompt bank and ``!themes`` then answer from memory.
        """
        from bot.features.themes.cache import warm_themes

        if delay_s:
            await asyncio.sleep(delay_s)
        stats = await warm_summaries(
            self.summaries, self.reading_cache, readings, self.compute, prune=prune
        )
        self.warm_stats.loaded += stats.loaded
        self.warm_stats.computed += stats.computed
        self.warm_stats.computed_ids += stats.computed_ids
        log.info("summaries: %d from the database, %d computed", stats.loaded, stats.computed)
        themes = await warm_themes(self.themes, self.reading_cache, readings, self.compute)
        self.theme_stats.loaded += themes.loaded
        self.theme_stats.computed += themes.computed
        self.theme_stats.computed_ids += themes.computed_ids
        log.info("themes: %d from the database, %d computed", themes.loaded, themes.computed)
        return stats

    def _report_damaged(self, exc: BaseException) -> None:
        """Tell the instructors once that the database is damaged (the scheduler's notices)."""
        reply = Reply(
            title="The bot's database is damaged",
            body=(
                f"A query on {self.settings.database_path} failed: {exc}. Commands that need "
                "the damaged data answer with a short error; the rest keep working. Stop the "
                "bot, keep a copy of the file, then restore the latest backup made with "
                "`seminar-bot db backup` (or move the file away to start empty)."
            ),
            error=True,
        )
        task = asyncio.get_running_loop().create_task(
            self.scheduler.notify_instructors(reply), name="report-damaged-db"
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def record_readings(self) -> None:
        """Remember which readings were loaded, and learn which ones have left since.

        Every reading in ``readings_seen`` that the library does not hold becomes one of
        ``library.removed`` (id → title), so a prompt, response or ``!summary`` naming it says
        it was removed, after a restart too.
        """
        library = self.library
        now = to_db(self.clock.now())
        async with self.db.write() as conn:
            await conn.executemany(
                "INSERT INTO readings_seen (reading_id, title, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(reading_id) DO UPDATE SET "
                "title = excluded.title, last_seen = excluded.last_seen",
                [(r.id, r.title, now, now) for r in library],
            )
        rows = await self.db.fetchall("SELECT reading_id, title FROM readings_seen")
        library.removed = {
            row[0]: row[1] for row in rows if library.get(row[0]) is None
        } | library.removed

    async def close(self) -> None:
        """Stop background work, newest first, then close the database.

        The scheduler and citations stop before the response log drains its write queue, and
        every task has ended before the database's final checkpoint.
        """
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(list(self._background), timeout=2)
        for component in reversed(list(self.components.values())):
            closer = getattr(component, "aclose", None)
            if closer is not None:
                try:
                    await closer()
                except Exception:
                    log.exception("closing %s failed", type(component).__name__)
        await self.db.close()
