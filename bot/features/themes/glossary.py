"""The course glossary (``seeds/glossary.toml``): concepts, their word forms and definitions.

Instructors own this file. Each concept gives the surface forms that count as the concept
(``co-optation``, ``co-opted``, ``co-opting``…), which is how the theme engine merges a
reading's wording with the course's vocabulary, and a two-sentence definition for students.
``background`` lists words every reading of the course uses (``China``, ``Party``) that are
therefore never a theme on their own.

Matching is by sense, not by form: a word such as ``incorporation`` or ``legitimate`` is also
ordinary English in other fields ("incorporates membership changes", "accepts a heartbeat as
legitimate"). So a concept with ``context`` words counts a mention only where one of them is
used in the same sentence or the one before or after it. ``kind`` says what the concept is
(an actor, a process, a condition, a place or a claim), which decides how a generated
discussion prompt asks about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import fuzz, process, utils

from bot.core.tomldata import field_line, load_tables

GLOSSARY_FILE = "glossary.toml"
KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z“\"(]|\s*$)")


def count_sentences(text: str) -> int:
    """Sentences in a short definition (full stops followed by a capital, or the end)."""
    return len(_SENTENCE_END.findall(text.strip()))


class Concept(BaseModel):
    """One glossary entry, as validated from the file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    key: str = Field(pattern=KEY_PATTERN, max_length=60)
    name: str = Field(min_length=2, max_length=80)
    forms: tuple[str, ...] = Field(min_length=1)
    definition: str = Field(min_length=20, max_length=700)
    related: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    kind: Literal["actor", "process", "condition", "place", "claim"] = "claim"

    @field_validator("forms", "context")
    @classmethod
    def _forms_are_words(cls, forms: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(f.strip() for f in forms)
        bad = [f for f in cleaned if not re.search(r"[A-Za-z]", f) or len(f) > 80]
        if bad:
            raise ValueError(f"each form must be a word or phrase (bad: {bad[0]!r})")
        return cleaned

    @field_validator("definition")
    @classmethod
    def _short_definition(cls, text: str) -> str:
        n = count_sentences(text)
        if not 1 <= n <= 3:
            raise ValueError(f"write the definition in two sentences (found {n})")
        return " ".join(text.split())

    @property
    def terms(self) -> tuple[str, ...]:
        """The name and every form: all the wordings that count as this concept."""
        return (self.name, *self.forms)


@dataclass
class Glossary:
    """The validated concepts, looked up by key, name or any form."""

    concepts: list[Concept] = field(default_factory=list)
    background: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None

    def __post_init__(self) -> None:
        self._by_key = {c.key: c for c in self.concepts}
        self._names: list[str] = []
        self._owners: list[str] = []
        for c in self.concepts:
            for term in (c.key, *c.terms):
                self._names.append(term)
                self._owners.append(c.key)

    def __iter__(self):  # noqa: ANN204 - iterator of Concept
        return iter(self.concepts)

    def __len__(self) -> int:
        return len(self.concepts)

    def get(self, key: str) -> Concept | None:
        """The concept with exactly this key."""
        return self._by_key.get(key)

    def lookup(self, query: str) -> Concept | None:
        """The concept a user means: its key, its name or one of its forms (any case)."""
        q = " ".join(query.lower().replace("_", "-").split())
        if not q:
            return None
        for name, owner in zip(self._names, self._owners, strict=True):
            if name.lower() == q or name.lower().replace("-", " ") == q.replace("-", " "):
                return self._by_key[owner]
        return None

    def suggest(self, query: str, limit: int = 3, cutoff: float = 70.0) -> list[Concept]:
        """Concepts whose key, name or forms are spelt close to ``query`` (for typos).

        Whole-string similarity, not partial matching: "klingon" must not suggest "NGO".
        """
        if not query.strip() or not self._names:
            return []
        found: list[Concept] = []
        for _, score, index in process.extract(
            query, self._names, scorer=fuzz.ratio, processor=utils.default_process, limit=20
        ):
            concept = self._by_key[self._owners[index]]
            if score >= cutoff and concept not in found:
                found.append(concept)
        return found[:limit]


def load_glossary(path: Path) -> Glossary:
    """Load and validate the glossary; problems become warnings, never a failed start-up."""
    loaded = load_tables(path, "concept", Concept, top_keys=("background",))
    warnings = list(loaded.warnings)
    concepts: list[Concept] = []
    seen: set[str] = set()
    raw_lines = path.read_text(encoding="utf-8-sig").splitlines() if path.is_file() else []
    for concept, line in zip(loaded.entries, loaded.lines, strict=True):
        if concept.key in seen:
            warnings.append(
                f"{path}, line {line} (concept '{concept.key}'), field 'key': "
                "used twice; the second entry is skipped"
            )
            continue
        seen.add(concept.key)
        concepts.append(concept)
    keys = {c.key for c in concepts}
    for concept, line in zip(loaded.entries, loaded.lines, strict=True):
        for other in concept.related:
            if other not in keys:
                warnings.append(
                    f"{path}, line {field_line(raw_lines, line, 'related')} "
                    f"(concept '{concept.key}'), field 'related': no concept '{other}'"
                )
    background = loaded.top.get("background", [])
    if not isinstance(background, list) or not all(isinstance(b, str) for b in background):
        warnings.append(f"{path}, field 'background': must be a list of words; ignored")
        background = ()
    return Glossary(concepts, tuple(background), warnings, path)
