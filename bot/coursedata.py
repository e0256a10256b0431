"""Glossary, theme engine and prompt bank, loaded together from ``seeds/`` at start-up.

They depend on each other (prompts are checked against readings and glossary tags; generated
prompts need the theme engine), so one function builds them in order. A broken file never
stops start-up: its problems are returned as warnings naming file, line and field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.features.prompts.bank import PROMPTS_FILE, PromptBank, load_prompt_bank
from bot.features.readings import Library, load_library
from bot.features.readings.library import SeedLimits
from bot.features.themes import ThemeEngine
from bot.features.themes.glossary import GLOSSARY_FILE, Glossary, load_glossary

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass
class CourseData:
    """What the glossary and prompt files give the bot, and what was wrong with them."""

    glossary: Glossary
    themes: ThemeEngine
    prompt_bank: PromptBank
    warnings: list[str]


def load_course_data(seeds_dir: Path, library: Library) -> CourseData:
    """Load the glossary, build the theme engine, load the prompt bank; log every warning."""
    glossary = load_glossary(seeds_dir / GLOSSARY_FILE)
    themes = ThemeEngine(glossary)
    bank = load_prompt_bank(seeds_dir / PROMPTS_FILE, library, glossary, themes)
    warnings = [*glossary.warnings, *bank.warnings]
    for warning in warnings:
        log.warning("seeds: %s", warning)
    return CourseData(glossary, themes, bank, warnings)


def check_seed_data(settings: Settings) -> list[str]:
    """For ``seeds check``: every warning about the glossary and the prompt bank."""
    library = load_library(settings.seeds_dir, SeedLimits.from_settings(settings))
    glossary = load_glossary(settings.seeds_dir / GLOSSARY_FILE)
    bank = load_prompt_bank(
        settings.seeds_dir / PROMPTS_FILE, library, glossary, ThemeEngine(glossary)
    )
    return [*glossary.warnings, *bank.warnings]
