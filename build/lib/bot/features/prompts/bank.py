"""The prompt bank: hand-written discussion prompts (``seeds/prompts.toml``) plus generated ones.

Instructors write prompts for the readings they know well; each rests on a sentence of the
reading, quoted verbatim, so a discussion starts from the text. Readings without hand-written
prompts get prompts generated from their top themes, so every reading has some on day one.
Ids are what ``!prompt post`` and ``!prompt schedule`` take.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from bot.core.tomldata import field_line, load_tables
from bot.features.readings.models import slugify
from bot.features.themes.tokens import normalise_space

if TYPE_CHECKING:
    from bot.features.readings import Library, Reading
    from bot.features.themes import Theme, ThemeEngine
    from bot.features.themes.glossary import Glossary

PROMPTS_FILE = "prompts.toml"
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
GENERATED_PER_READING = 5


@dataclass(frozen=True)
class BankPrompt:
    """One discussion prompt, hand-written or generated."""

    id: str  # e.g. "kan-ku-cooptation-1" — what `!prompt post <id>` takes
    reading_id: str | None
    tags: tuple[str, ...]  # glossary concept keys
    question: str
    follow_up: str
    # the reading's sentence it rests on, verbatim ("" for generated prompts where none)
    evidence: str
    generated: bool = False


class PromptEntry(BaseModel):
    """A ``[[prompt]]`` table as instructors write it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    reading: str | None = Field(default=None, max_length=120)
    tags: tuple[str, ...] = ()
    question: str = Field(min_length=10, max_length=900)
    follow_up: str = Field(min_length=10, max_length=600)
    evidence: str = Field(default="", max_length=1000)


# (question, follow-up) templates for generated prompts; {theme} and {title} are filled.
# The theme is always quoted, so any phrase reads correctly whatever its number or article
# ("“couriers”", "“gig economy”"), and no template names the authors, who may be unknown.
TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "What does “{theme}” mean in *{title}*, and why does the argument need it?",
        "Find a second passage where “{theme}” matters. Is it the same idea there?",
    ),
    (
        "How does “{theme}” connect to the reading's main claim? Put the link in your own words.",
        "What evidence in the reading supports that link, and what would weaken it?",
    ),
    (
        "Who gains and who loses from “{theme}”, as the reading describes it?",
        "Would the answer differ in a setting you know from another reading or from experience?",
    ),
    (
        "Is “{theme}” a cause, a consequence or a condition in this reading's argument?",
        "Point to the sentence that decides it for you, and say why.",
    ),
    (
        "How would the argument change if “{theme}” were left out?",
        "Which other theme of the reading would then have to carry more weight?",
    ),
)


def generate(reading: Reading, themes: list[Theme]) -> list[BankPrompt]:
    """Prompts built from a reading's top themes, each resting on that theme's evidence."""
    prompts: list[BankPrompt] = []
    used: set[str] = set()
    for i, theme in enumerate(themes[:GENERATED_PER_READING]):
        question, follow_up = TEMPLATES[i % len(TEMPLATES)]
        slug = slugify(theme.concept or theme.label, max_words=4)
        pid = f"{reading.id}-{slug}-auto"
        if pid in used:
            continue
        used.add(pid)
        values = {
            "theme": theme.label.lower() if theme.concept is None else theme.label,
            "title": reading.short_title,
        }
        evidence = theme.sentence if theme.sentence != normalise_space(reading.title) else ""
        prompts.append(
            BankPrompt(
                id=pid,
                reading_id=reading.id,
                tags=(theme.concept,) if theme.concept else (slug,),
                question=question.format(**values),
                follow_up=follow_up.format(**values),
                evidence=evidence,
                generated=True,
            )
        )
    return prompts


class PromptBank:
    """Hand-written prompts, and generated ones for readings that have none, found by id."""

    def __init__(
        self,
        prompts: list[BankPrompt] | None = None,
        library: Library | None = None,
        themes: ThemeEngine | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self._written = list(prompts or [])
        self._library = library
        self._themes = themes
        self.warnings = list(warnings or [])
        self._generated: dict[str, list[BankPrompt]] = {}

    def _generated_for(self, reading: Reading) -> list[BankPrompt]:
        if self._themes is None:
            return []
        if reading.id not in self._generated:
            fingerprint = self._themes.fingerprint(reading)
            self._generated[reading.id] = generate(reading, list(fingerprint.themes))
        return self._generated[reading.id]

    def _readings(self) -> list[Reading]:
        return list(self._library) if self._library is not None else []

    def written(self) -> list[BankPrompt]:
        """Only the hand-written prompts (the ones from the prompts file)."""
        return list(self._written)

    def all(self) -> list[BankPrompt]:
        """Every prompt: hand-written first, then generated ones for readings without any."""
        covered = {p.reading_id for p in self._written}
        out = list(self._written)
        for reading in self._readings():
            if reading.id not in covered:
                out.extend(self._generated_for(reading))
        return out

    def get(self, prompt_id: str) -> BankPrompt | None:
        """The prompt with this id (case-insensitive), hand-written or generated."""
        wanted = prompt_id.strip().lower()
        for prompt in self._written:
            if prompt.id == wanted:
                return prompt
        if wanted.endswith("-auto"):
            return next((p for p in self.all() if p.id == wanted), None)
        return None

    def for_reading(self, reading_id: str) -> list[BankPrompt]:
        """Prompts about one reading (generated ones only if it has no hand-written ones)."""
        written = [p for p in self._written if p.reading_id == reading_id]
        if written or self._library is None:
            return written
        reading = self._library.get(reading_id)
        return self._generated_for(reading) if reading is not None else []

    def for_theme(self, concept: str) -> list[BankPrompt]:
        """Prompts tagged with a glossary concept key (or a generated theme's slug)."""
        key = concept.strip().lower()
        return [p for p in self.all() if key in p.tags]


def load_prompt_bank(
    path: Path,
    library: Library | None = None,
    glossary: Glossary | None = None,
    themes: ThemeEngine | None = None,
) -> PromptBank:
    """Load and check the prompts file; every problem is a warning naming file, line and field.

    A prompt with a bad field is skipped. A prompt whose reading, tag or evidence does not
    check out is kept (it is still a usable question) but reported, so the instructor fixes it.
    """
    loaded = load_tables(path, "prompt", PromptEntry)
    warnings = list(loaded.warnings)
    raw_lines = path.read_text(encoding="utf-8-sig").splitlines() if path.is_file() else []
    prompts: list[BankPrompt] = []
    seen: set[str] = set()
    for entry, line in zip(loaded.entries, loaded.lines, strict=True):

        def warn(field_name: str, message: str, *, _line: int = line, _id: str = entry.id) -> None:
            at = field_line(raw_lines, _line, field_name)
            warnings.append(f"{path}, line {at} (prompt '{_id}'), field '{field_name}': {message}")

        if entry.id in seen:
            warn("id", "used twice; the second prompt is skipped")
            continue
        seen.add(entry.id)
        reading = library.get(entry.reading) if (library is not None and entry.reading) else None
        if library is not None and entry.reading and reading is None:
            warn("reading", f"no reading with id '{entry.reading}' is loaded")
        if glossary is not None and len(glossary):
            for tag in entry.tags:
                if glossary.get(tag) is None:
                    warn("tags", f"'{tag}' is not a concept key in the glossary")
        if reading is not None and entry.evidence:
            haystack = normalise_space(" ".join((reading.title, reading.abstract, reading.text)))
            if normalise_space(entry.evidence) not in haystack:
                warn("evidence", "not found word for word in the reading's text")
        prompts.append(
            BankPrompt(
                id=entry.id,
                reading_id=entry.reading,
                tags=entry.tags,
                question=normalise_space(entry.question),
                follow_up=normalise_space(entry.follow_up),
                evidence=normalise_space(entry.evidence),
            )
        )
    return PromptBank(prompts, library, themes, warnings)
