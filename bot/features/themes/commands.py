"""``!themes`` (a reading's fingerprint, a concept, or a comparison) and ``!prompt bank``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.core.charts import bar_chart_png
from bot.core.errors import AmbiguousReading, BadArgument, NotFound, UnknownReading
from bot.core.registry import Actor, Param, command
from bot.core.replies import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_VALUE_MAX,
    Reply,
    ReplyFile,
    quote,
    truncate,
)
from bot.core.text import escape_markdown

if TYPE_CHECKING:
    from bot.features.prompts.bank import BankPrompt
    from bot.features.readings import Reading
    from bot.features.themes import Fingerprint, Theme
    from bot.features.themes.glossary import Concept
    from bot.services import Services

QUOTE_MAX = 600
LIST_BUDGET = EMBED_DESCRIPTION_MAX - 200  # room for the "…and N more" line
MAX_CONCEPT_READINGS = 8
THREAD_MIN_CHARS = 12_000  # about 2,000 words


def fingerprint_of(services: Services, reading: Reading) -> Fingerprint:
    """The reading's fingerprint, cached by the engine; CPU work, so callers run it in a worker.

    Every ``!themes`` and ``!prompt bank`` view is built by a plain function that the handler
    runs with :func:`asyncio.to_thread`: a concept view reads the fingerprints of every
    reading (seconds for 60 readings the first time), and the event loop must never wait.
    """
    return services.themes.cached(reading) or services.themes.fingerprint(reading)


def theme_field_value(theme: Theme) -> str:
    """A theme as shown in a reply: the weight bar, then the evidence as a block quote."""
    source = (
        " *(title)*"
        if theme.evidence == theme.sentence and theme.in_title and (theme.mentions == 1)
        else ""
    )
    return truncate(
        f"`{theme.bar}`{source}\n{quote(truncate(theme.evidence, QUOTE_MAX))}",
        EMBED_FIELD_VALUE_MAX,
    )


def _theme_reply(reading: Reading, fingerprint: Fingerprint) -> Reply:
    title = truncate(f"Themes — {reading.label}: {reading.short_title}", 256)
    if not fingerprint.themes:
        note = fingerprint.note or "No themes could be found in this reading's text."
        return Reply(title=title, body=note)
    body = (
        f"The concepts this reading turns on, from its {fingerprint.basis}, its title, "
        "Keywords and the course glossary, each shown at work in the reading's own words."
    )
    reply = Reply(title=title, body=body)
    for i, theme in enumerate(fingerprint.themes, start=1):
        marker = " 📖" if theme.concept else ""
        reply.add_field(f"{i}. {theme.label}{marker}", theme_field_value(theme))
    reply.footer = (
        "Weight: relative to the strongest theme (title, Keywords, thesis and findings count "
        "more). 📖 = in the course glossary: !themes <concept> defines it."
    )
    chart = bar_chart_png(
        [t.label for t in fingerprint.themes],
        [t.weight for t in fingerprint.themes],
        f"Themes of {reading.label}",
    )
    reply.files.append(
        ReplyFile(f"themes-{reading.id}.png", chart, f"Theme fingerprint of {reading.label}")
    )
    return reply


def _concept_reply(services: Services, concept: Concept) -> Reply:
    reply = Reply(
        title=truncate(f"Concept: {concept.name}", 256),
        body=f"{concept.definition}\n\n*Also written as:* "
        + escape_markdown(", ".join(concept.forms[:12])),
    )
    shown = 0
    absent: list[str] = []
    for reading in services.library:
        theme = fingerprint_of(services, reading).find(concept.key)
        if theme is None:
            absent.append(reading.id)
            continue
        if shown < MAX_CONCEPT_READINGS:
            reply.add_field(
                truncate(f"In {reading.label}: {reading.short_title}", 256),
                theme_field_value(theme),
            )
            shown += 1
    if shown == 0:
        reply.add_field("In the readings", "No reading in the library uses this concept yet.")
    prompts = services.prompt_bank.for_theme(concept.key)
    if prompts:
        reply.add_field("Discussion prompts", _prompt_lines(prompts, EMBED_FIELD_VALUE_MAX))
    related = [c.name for key in concept.related if (c := services.glossary.get(key))]
    if related:
        reply.footer = "Related: " + ", ".join(related)
    return reply


def _compare_reply(services: Services, first: Reading, second: Reading) -> Reply:
    if first.id == second.id:
        raise BadArgument("Compare two different readings: `!themes compare <reading> <reading>`.")
    a = fingerprint_of(services, first)
    b = fingerprint_of(services, second)
    for reading, fp in ((first, a), (second, b)):
        if not fp.themes:
            raise BadArgument(f"{reading.label} has no abstract or text yet, so no themes.")
    shared = [t for t in a.themes if b.find(t.key) is not None]
    shared += [
        t
        for t in b.themes
        if a.find(t.key) is not None and t not in shared and all(s.key != t.key for s in shared)
    ]
    shared_keys = {t.key for t in shared}
    only_a = [t for t in a.themes if t.key not in shared_keys]
    only_b = [t for t in b.themes if t.key not in shared_keys]

    def names(themes: list[Theme]) -> str:
        return truncate(", ".join(t.label for t in themes) or "—", EMBED_FIELD_VALUE_MAX)

    reply = Reply(
        title=truncate(f"Themes compared: {first.label} and {second.label}", 256),
        body=f"**A** — {escape_markdown(first.short_title)}\n"
        f"**B** — {escape_markdown(second.short_title)}",
    )
    reply.add_field(f"Shared ({len(shared)})", names(shared))
    reply.add_field(f"Only in A, {first.label} ({len(only_a)})", names(only_a))
    reply.add_field(f"Only in B, {second.label} ({len(only_b)})", names(only_b))
    if shared:
        top = shared[0]
        ta, tb = a.find(top.key), b.find(top.key)
        if ta and tb:
            reply.add_field(f"{top.label} in A", quote(truncate(ta.evidence, 480)))
            reply.add_field(f"{top.label} in B", quote(truncate(tb.evidence, 480)))
    reply.footer = "Shared: a top theme of one reading that the other also has."
    return reply


def _resolve_pair(services: Services, text: str) -> tuple[Reading, Reading]:
    """Two readings from ``a b``, ``a vs b``, ``a, b`` or ``a | b`` (ids or title words)."""
    for sep in (" vs ", " vs. ", " and ", ",", "|", ";"):
        if sep in text.lower():
            index = text.lower().index(sep)
            left, right = text[:index], text[index + len(sep) :]
            if left.strip() and right.strip():
                return services.library.find(left), services.library.find(right)
    words = text.split()
    if len(words) < 2:
        raise BadArgument("Name two readings: `!themes compare <reading> <reading>`.")
    if len(words) == 2:
        return services.library.find(words[0]), services.library.find(words[1])
    for cut in range(1, len(words)):
        try:
            return (
                services.library.find(" ".join(words[:cut])),
                services.library.find(" ".join(words[cut:])),
            )
        except (UnknownReading, AmbiguousReading):
            continue
    raise BadArgument(
        "I could not tell the two readings apart; use their ids, e.g. "
        "`!themes compare <id> <id>` (see !readings)."
    )


def _unknown(services: Services, query: str) -> UnknownReading:
    readings = [r for r, score in services.library.search(query, limit=3) if score >= 45]
    concepts = services.glossary.suggest(query)
    hints = [f"`{r.id}` ({r.label})" for r in readings] + [f"`{c.key}` (concept)" for c in concepts]
    hint = (
        " Did you mean: " + ", ".join(hints) + "?"
        if hints
        else (" See !readings for reading ids, and the glossary concepts with `!themes <concept>`.")
    )
    return UnknownReading(f"No reading or concept matches “{query}”.{hint}", title="Not found")


@command(
    "themes",
    usage="!themes [reading | concept | compare <reading> <reading>]",
    summary="A reading's themes with quotes, a concept, or two readings compared.",
    help="A reading's themes, each weighted and quoted from the reading; a glossary concept "
    "with its evidence and prompts; or two readings compared.",
    params=(
        Param(
            "query",
            "A reading, a glossary concept, or 'compare <reading> <reading>'",
            rest=True,
            autocomplete="reading_or_concept",
        ),
    ),
    examples=("", "co-optation", "kan-ku"),
)
async def themes(services: Services, actor: Actor, query: str | None = None) -> Reply:
    """Route to the fingerprint, concept or comparison view, built in a worker thread."""
    return await asyncio.to_thread(themes_view, services, query)


def themes_view(services: Services, query: str | None) -> Reply:
    """The ``!themes`` reply for ``query`` (blocking: fingerprints, charts)."""
    text = " ".join((query or "").split())
    words = text.split()
    if words and words[0].lower() == "compare":
        first, second = _resolve_pair(services, " ".join(words[1:]))
        return _compare_reply(services, first, second)
    if text:
        concept = services.glossary.lookup(text)
        if concept is not None:
            return _concept_reply(services, concept)
    try:
        reading = services.library.find(text)
    except UnknownReading:
        close = services.glossary.suggest(text, limit=1, cutoff=88)
        if close:
            return _concept_reply(services, close[0])
        raise _unknown(services, text) from None
    return _theme_reply(reading, fingerprint_of(services, reading))


def _prompt_lines(prompts: list[BankPrompt], budget: int) -> str:
    lines: list[str] = []
    used = 0
    for i, prompt in enumerate(prompts):
        line = f"`{prompt.id}` — {truncate(prompt.question, 160)}"
        rest = len(prompts) - i
        if used + len(line) + 1 > budget - 40:
            lines.append(f"…and {rest} more; narrow it with a theme or a reading.")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


@command(
    "prompt bank",
    usage="!prompt bank [theme | reading]",
    summary="Browse the prompt bank, for a theme or a reading.",
    help="Discussion prompts with their ids (for !prompt post / !prompt schedule), "
    "for a glossary theme or a reading.",
    params=(
        Param(
            "query",
            "A reading, a glossary theme or words to look for (optional)",
            rest=True,
            autocomplete="reading_or_concept",
        ),
    ),
    examples=("", "co-optation"),
)
async def prompt_bank(services: Services, actor: Actor, query: str | None = None) -> Reply:
    """List prompts: all, for a concept, or for a reading (built in a worker thread)."""
    return await asyncio.to_thread(prompt_bank_view, services, query)


def prompt_bank_view(services: Services, query: str | None) -> Reply:
    """The ``!prompt bank`` reply (blocking: generated prompts need every reading's themes)."""
    query = " ".join((query or "").split())
    bank = services.prompt_bank
    if not query:
        prompts, scope = bank.all(), "all readings"
    elif concept := services.glossary.lookup(query):
        prompts, scope = bank.for_theme(concept.key), f"theme “{concept.name}”"
    else:
        try:
            reading = services.library.find(query)
        except UnknownReading:
            close = services.glossary.suggest(query, limit=1, cutoff=88)
            if not close:
                raise _unknown(services, query) from None
            concept = close[0]
            prompts, scope = bank.for_theme(concept.key), f"theme “{concept.name}”"
        else:
            if not (reading.abstract or reading.text) and not bank.for_reading(reading.id):
                raise NotFound(
                    f"{reading.label} has no prompts yet, and no abstract or text to generate "
                    "them from."
                )
            prompts, scope = bank.for_reading(reading.id), reading.label
    if not prompts:
        return Reply(title="Prompt bank", body=f"No prompts for {scope} yet.")
    generated = sum(p.generated for p in prompts)
    reply = Reply(
        title=truncate(f"Prompt bank — {scope} ({len(prompts)})", 256),
        body=_prompt_lines(prompts, LIST_BUDGET),
        footer="Post one with !prompt post <id>."
        + (" Ids ending in -auto are generated from the reading's themes." if generated else ""),
    )
    return reply
