"""``Services``: everything a handler needs, opened once per process by either front.

Both ``SeminarBot.setup_hook`` and the console call :meth:`Services.open`, so Discord and the
console run the very same database, library and engines. Feature components attach here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.coursedata import load_course_data
from bot.features.citations import CitationEngine
from bot.features.prompts.bank import PromptBank
from bot.features.prompts.scheduler import Scheduler
from bot.features.prompts.store import PlanStore
from bot.features.readings import Library, load_library
from bot.features.readings.library import SeedLimits
from bot.features.readings.summaries import SummaryCache
from bot.features.responses.log import ResponseLog
from bot.features.themes import ThemeEngine
from bot.features.themes.glossary import Glossary
from bot.storage import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The open database, the loaded library and the feature engines built on them."""

    settings: Settings
    db: Database
    library: Library
    clock: Clock = field(default_factory=SystemClock)
    summaries: SummaryCache = field(default_factory=SummaryCache)
    citations: CitationEngine = field(default_factory=CitationEngine)
    components: dict[str, Any] = field(default_factory=dict)
    glossary: Glossary = field(default_factory=Glossary)
    themes: ThemeEngine = field(default_factory=ThemeEngine)
    prompt_bank: PromptBank = field(default_factory=PromptBank)
    # Problems in seeds/glossary.toml and seeds/prompts.toml (file, line, field): printed by
    # `seeds check`; start-up goes on without the broken entries.
    data_warnings: list[str] = field(default_factory=list)
    responses: ResponseLog = field(init=False)
    scheduler: Scheduler = field(init=False)

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None) -> Services:
        """Open the database first, then load the library (the order setup_hook relies on)."""
        db = await Database.open(settings.database_path)
        library = load_library(settings.seeds_dir, SeedLimits.from_settings(settings))
        for warning in library.warnings:
            log.warning("seeds: %s", warning)
        services = cls(settings=settings, db=db, library=library, clock=clock or SystemClock())
        services.summaries.warm(library.readings)  # PDFs: summaries made at start-up
        course = load_course_data(settings.seeds_dir, library)
        services.glossary, services.themes = course.glossary, course.themes
        services.prompt_bank, services.data_warnings = course.prompt_bank, course.warnings
        services.responses = ResponseLog(db, services.clock)
        services.components["responses"] = services.responses  # close() flushes its queue
        # Citations render in the background (pandoc, one process per style); close() cancels.
        services.citations.start(library.readings)
        services.components["citations"] = services.citations
        # The fronts attach a Poster and call start(); close() stops it (aclose) within 5 s.
        services.scheduler = Scheduler(PlanStore(db), services.clock, settings, library)
        services.components["scheduler"] = services.scheduler
        await services._record_readings()
        return services

    async def _record_readings(self) -> None:
        """Remember which readings were loaded (reports can then name readings that left)."""
        now = self.clock.now().isoformat()
        async with self.db.write() as conn:
            await conn.executemany(
                "INSERT INTO readings_seen (reading_id, title, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(reading_id) DO UPDATE SET "
                "title = excluded.title, last_seen = excluded.last_seen",
                [(r.id, r.title, now, now) for r in self.library],
            )

    async def close(self) -> None:
        """Stop background work and close the database."""
        for component in list(self.components.values()):
            closer = getattr(component, "aclose", None)
            if closer is not None:
                await closer()
        await self.db.close()
