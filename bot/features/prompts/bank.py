"""The prompt bank: hand-written discussion prompts (``seeds/prompts.toml``) plus generated ones.

Instructors write prompts for the readings they know well; each rests on a sentence of the
reading, quoted verbatim, so a discussion starts from the text. Readings without hand-written
prompts get prompts generated from their top themes, so every reading has some on day one.
Ids are what ``!prompt post`` and ``!prompt schedule`` take.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, replace
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
CLAIM_MAX = 180  # characters of a claim restated in a question


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
    kept: bool = False  # written into prompts.toml from a generated prompt (!prompt keep)

    @property
    def kept_id(self) -> str:
        """The id a generated prompt gets when it is kept: the same without ``-auto``."""
        return self.id.removesuffix("-auto")


class PromptEntry(BaseModel):
    """A ``[[prompt]]`` table as instructors write it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    reading: str | None = Field(default=None, max_length=120)
    tags: tuple[str, ...] = ()
    question: str = Field(min_length=10, max_length=900)
    follow_up: str = Field(min_length=10, max_length=600)
    evidence: str = Field(default="", max_length=1000)
    kept: bool = False


# Generated prompts: one question form per kind of theme (see ranking.kind_of and the
# glossary's ``kind``), never per rank. Each asks about the claim of the quoted sentence
# ({claim}: "the reading argues that …", or "this sentence" when no claim clause is found);
# {theme} is the theme as the reading writes it, so "NGO law" and "INGOs" keep their case.
QUESTIONS: dict[str, tuple[str, str]] = {
    "actor": (
        "{Claim}. What {do} {theme} do in this account, and why act that way?",
        "Who else could have played this part, and would the outcome have been different?",
    ),
    "process": (
        "{Claim}. What drives {theme} here, and what does it change for those involved?",
        "Find another passage where {theme} appears. Does it run the same way there?",
    ),
    "condition": (
        "{Claim}. What brings about {theme} in this account, and what follows from it?",
        "What would have to change for this to stop being true? Point to the reading.",
    ),
    "place": (
        "{Claim}. Why does it matter that this happens in {theme}?",
        "Would the claim hold in a different kind of place you know? What would differ?",
    ),
    "claim": (
        "{Claim}. What does this say about {theme}, and what evidence in the reading backs it?",
        "What finding would make you doubt it? Could the reading answer that doubt?",
    ),
}
_CLAIM = re.compile(
    r"\b(?:argues?|argued|contends?|finds?|found|shows?|showed|suggests?|concludes?|"
    r"demonstrates?|maintains?|proposes?)\s+that\s+(?P<claim>.{20,})$",
    re.IGNORECASE,
)
_REPORTING = {"f": "finds", "sh": "shows", "su": "suggests", "conc": "concludes"}
_PAGE_SUFFIX = re.compile(r"\s\(p\. [\w–-]+\)$")


def claim_of(sentence: str) -> str:
    """The claim a prompt asks about: "The reading argues that …" or "Take this sentence".

    The clause after a reporting verb ("we argue that …", "this article finds that …") is
    the claim; a sentence without one is referred to as the quoted sentence.
    """
    match = _CLAIM.search(sentence.strip())
    if match is None:
        return "Take the sentence quoted below"
    clause = match.group("claim").rstrip(" .!?")
    if len(clause) > CLAIM_MAX:  # a long claim: its first part, cut where the clause breaks
        cut = max(clause.rfind(mark, 0, CLAIM_MAX) for mark in (";", ":", ", but", ", so", ","))
        if cut < 40:
            return "Take the sentence quoted below"
        clause = clause[:cut].rstrip(" ,;:")
    verb = match.group(0).split()[0].lower()
    said = next((v for stem, v in _REPORTING.items() if verb.startswith(stem)), "argues")
    return f"The reading {said} that {clause}"


def quoted(theme: Theme) -> str:
    """The theme's sentence as a prompt quotes it: verbatim, then `` (p. N)`` where known."""
    return theme.sentence + (f" (p. {theme.page})" if theme.page else "")


def generate(reading: Reading, themes: list[Theme]) -> list[BankPrompt]:
    """Prompts built on the evidence of a reading's themes that are concepts.

    Each quotes its theme's sentence (``evidence``), asks about that sentence's claim, and
    takes the question form of the theme's kind. A theme shown only by the title, or a
    one-off phrase that is no concept, gets no prompt.
    """
    prompts: list[BankPrompt] = []
    used: set[str] = set()
    title = normalise_space(reading.title)
    for theme in themes:
        if len(prompts) >= GENERATED_PER_READING:
            break
        if not theme.is_concept or theme.sentence == title or theme.sentence in used:
            continue
        slug = slugify(theme.concept or theme.label, max_words=4)
        pid = f"{reading.id}-{slug}-auto"
        if any(p.id == pid for p in prompts):
            continue
        used.add(theme.sentence)
        question, follow_up = QUESTIONS.get(theme.kind, QUESTIONS["claim"])
        name = theme.surface or theme.label
        head = re.sub(r"\s*\(.*\)$", "", name)
        plural = head.endswith("s") and not head.endswith("ss")
        values = {
            "Claim": claim_of(theme.sentence),
            "theme": f"“{name}”",
            "do": "do" if plural else "does",
        }
        prompts.append(
            BankPrompt(
                id=pid,
                reading_id=reading.id,
                tags=(theme.concept,) if theme.concept else (),
                question=question.format(**values),
                follow_up=follow_up.format(**values),
                evidence=quoted(theme),
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
        """Generated prompts of a reading, except those an instructor kept already."""
        if self._themes is None:
            return []
        if reading.id not in self._generated:
            fingerprint = self._themes.fingerprint(reading)
            kept = {p.id for p in self._written if p.kept}
            self._generated[reading.id] = [
                p for p in generate(reading, list(fingerprint.themes)) if p.kept_id not in kept
            ]
        return self._generated[reading.id]

    def _covered(self) -> set[str | None]:
        """Readings with prompts an instructor wrote (kept generated ones do not count)."""
        return {p.reading_id for p in self._written if not p.kept}

    def _readings(self) -> list[Reading]:
        return list(self._library) if self._library is not None else []

    def written(self) -> list[BankPrompt]:
        """Only the prompts from the prompts file (hand-written and kept)."""
        return list(self._written)

    def all(self) -> list[BankPrompt]:
        """Every prompt: from the file first, then generated ones for readings without any."""
        covered = self._covered()
        out = list(self._written)
        for reading in self._readings():
            if reading.id not in covered:
                out.extend(self._generated_for(reading))
        return out

    def get(self, prompt_id: str) -> BankPrompt | None:
        """The prompt with this id (case-insensitive); a kept prompt also by its ``-auto`` id."""
        wanted = prompt_id.strip().lower()
        for prompt in self._written:
            if prompt.id in (wanted, wanted.removesuffix("-auto")):
                return prompt
        if wanted.endswith("-auto"):
            return next((p for p in self.all() if p.id == wanted), None)
        return None

    def for_reading(self, reading_id: str) -> list[BankPrompt]:
        """Prompts about one reading (generated ones only if none was written by hand)."""
        written = [p for p in self._written if p.reading_id == reading_id]
        if reading_id in self._covered() or self._library is None:
            return written
        reading = self._library.get(reading_id)
        return written + (self._generated_for(reading) if reading is not None else [])

    def for_theme(self, concept: str) -> list[BankPrompt]:
        """Prompts tagged with a glossary concept key (or a generated theme's slug)."""
        key = concept.strip().lower()
        return [p for p in self.all() if key in p.tags]


_KEEP_LOCK = threading.Lock()


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's string escapes are all valid TOML escapes."""
    return json.dumps(text, ensure_ascii=False)


def keep(path: Path, prompt: BankPrompt) -> BankPrompt:
    """Append a generated prompt to the prompts file as ``[[prompt]]`` with ``kept = true``.

    The kept prompt has the generated id without ``-auto`` and the same question, follow-up
    and quoted evidence, so posting it later gives the same text even after the reading's
    themes change. Raises ``ValueError`` if the file already has a prompt with that id.
    Other prompts and comments in the file are left as they are (the table is appended).
    """
    kept = replace(prompt, id=prompt.kept_id, generated=False, kept=True)
    lines = ["", "[[prompt]]", f"id = {toml_string(kept.id)}"]
    if kept.reading_id:
        lines.append(f"reading = {toml_string(kept.reading_id)}")
    lines += [
        "tags = [" + ", ".join(toml_string(t) for t in kept.tags) + "]",
        f"question = {toml_string(kept.question)}",
        f"follow_up = {toml_string(kept.follow_up)}",
        f"evidence = {toml_string(kept.evidence)}",
        "kept = true",
        "",
    ]
    with _KEEP_LOCK:
        existing = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
        if re.search(rf'^id\s*=\s*"{re.escape(kept.id)}"\s*$', existing, re.M):
            raise ValueError(f"the prompts file already has a prompt `{kept.id}`")
        with path.open("a", encoding="utf-8") as out:
            if existing and not existing.endswith("\n"):
                out.write("\n")
            out.write("\n".join(lines))
    return kept


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
    unloaded: dict[str, list[str]] = {}  # reading id -> "line N (prompt 'id')" naming it
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
            at = field_line(raw_lines, line, "reading")
            unloaded.setdefault(entry.reading, []).append(f"line {at} (prompt '{entry.id}')")
        if glossary is not None and len(glossary):
            for tag in entry.tags:
                if glossary.get(tag) is None:
                    warn("tags", f"'{tag}' is not a concept key in the glossary")
        if reading is not None and entry.evidence:
            haystack = normalise_space(" ".join((reading.title, reading.abstract, reading.text)))
            sentence = _PAGE_SUFFIX.sub("", normalise_space(entry.evidence))
            if sentence not in haystack:
                warn("evidence", "not found word for word in the reading's text")
        prompts.append(
            BankPrompt(
                id=entry.id,
                reading_id=entry.reading,
                tags=entry.tags,
                question=normalise_space(entry.question),
                follow_up=normalise_space(entry.follow_up),
                evidence=normalise_space(entry.evidence),
                kept=entry.kept,
            )
        )
    warnings.extend(_unloaded_warning(path, rid, where) for rid, where in unloaded.items())
    return PromptBank(prompts, library, themes, warnings)


def _unloaded_warning(path: Path, reading_id: str, where: list[str]) -> str:
    """One warning per reading the prompts name but the library lacks.

    A removed reading's prompts are usually many: one line for all of them, not one each.
    """
    if len(where) == 1:
        return f"{path}, {where[0]}, field 'reading': no reading with id '{reading_id}' is loaded"
    shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
    return (
        f"{path}: {len(where)} prompts name reading '{reading_id}', which is not loaded "
        f"({shown}); they are kept and still post"
    )
