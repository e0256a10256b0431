"""``!themes`` (a reading's fingerprint, a concept, or a comparison) and ``!prompt bank``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.core.errors import (
    AmbiguousReading,
    BadArgument,
    NotFound,
    RemovedReading,
    UnknownReading,
)
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
from bot.features.prompts.bank import PROMPTS_FILE, keep, load_prompt_bank
from bot.features.readings.library import removed_label
from bot.features.themes.cache import job_batches
from bot.features.themes.engine import chart_inputs
from bot.features.themes.jobs import chart_job, fingerprints_job

if TYPE_CHECKING:
    from bot.features.prompts.bank import BankPrompt
    from bot.features.readings import Reading
    from bot.features.themes import Fingerprint, Theme
    from bot.features.themes.glossary import Concept, Glossary
    from bot.services import Services

QUOTE_MAX = 600
LIST_BUDGET = EMBED_DESCRIPTION_MAX - 200  # room for the "…and N more" line
MAX_CONCEPT_READINGS = 8


async def fingerprint_of(services: Services, reading: Reading) -> Fingerprint:
    """The cached fingerprint; else computed in the worker process (and kept) the first time."""
    return (await fingerprints_of(services, [reading]))[0]


async def fingerprints_of(services: Services, readings: list[Reading]) -> list[Fingerprint]:
    """Fingerprints of many readings; those not cached yet are computed in short worker jobs.

    The worker is a process (:mod:`bot.core.workers`): lemmatising a long text holds the
    interpreter lock in C for 100 ms and more, which a worker thread would impose on the loop.
    """
    missing = [r for r in readings if services.themes.cached(r) is None]
    for batch in job_batches(missing):  # short jobs: other commands' jobs fit in between
        computed = await services.compute.run(fingerprints_job, services.themes.glossary, batch)
        for reading, fingerprint in zip(batch, computed, strict=True):
            services.themes.put(reading, fingerprint)
    return [services.themes.cached(r) or services.themes.fingerprint(r) for r in readings]


def theme_field_value(theme: Theme) -> str:
    """A theme as shown in a reply: the weight bar, then the evidence as a block quote."""
    source = (
        " *(title)*"
        if theme.evidence == theme.sentence and theme.in_title and (theme.mentions == 1)
        else ""
    )
    page = f" (p. {theme.page})" if theme.page else ""
    evidence = truncate(theme.evidence, QUOTE_MAX - len(page)) + page
    return truncate(f"`{theme.bar}`{source}\n{quote(evidence)}", EMBED_FIELD_VALUE_MAX)


async def chart_of(services: Services, reading: Reading) -> bytes:
    """The themes chart: cached with the fingerprint, else drawn in the worker process."""
    cached = services.themes.cached_chart(reading)
    if cached is not None:
        return cached
    fingerprint = await fingerprint_of(services, reading)
    png = await services.compute.run(chart_job, *chart_inputs(reading, fingerprint))
    services.themes.put_chart(reading, png)
    return png


async def _theme_reply(services: Services, reading: Reading, fingerprint: Fingerprint) -> Reply:
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
    chart = await chart_of(services, reading)
    reply.files.append(
        ReplyFile(f"themes-{reading.id}.png", chart, f"Theme fingerprint of {reading.label}")
    )
    return reply


async def _concept_reply(services: Services, concept: Concept) -> Reply:
    reply = Reply(
        title=truncate(f"Concept: {concept.name}", 256),
        body=f"{concept.definition}\n\n*Also written as:* "
        + escape_markdown(", ".join(concept.forms[:12])),
    )
    shown = 0
    absent: list[str] = []
    readings = list(services.library)
    for reading, fingerprint in zip(
        readings, await fingerprints_of(services, readings), strict=True
    ):
        theme = fingerprint.find(concept.key)
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


def related(glossary: Glossary, a: Theme, b: Theme) -> bool:
    """Whether two themes of different readings are the same concept or related ones.

    The same concept key or the same lemma keys (``INGOs`` as a Keyword and ``INGO`` in the
    text); one phrase inside the other (``NGO law`` and ``foreign NGO law``); or glossary
    concepts that list each other as ``related``.
    """
    if a.match_key == b.match_key:
        return True
    if a.concept and b.concept:
        first, second = glossary.get(a.concept), glossary.get(b.concept)
        return bool(
            first and second and (b.concept in first.related or a.concept in second.related)
        )
    if a.concept or b.concept:
        return False
    ka, kb = set(a.match_key.split()), set(b.match_key.split())
    return ka <= kb or kb <= ka


def compare_themes(
    glossary: Glossary, a: Fingerprint, b: Fingerprint
) -> tuple[list[tuple[Theme, Theme]], list[Theme], list[Theme]]:
    """The top themes of two readings as (shared pairs, only in A, only in B).

    Every top theme is in exactly one list: a theme of one reading is shared when the other
    reading has the same or a related concept anywhere among its themes, not only in its top
    ten. Exact matches are paired before related ones.
    """
    pairs: list[tuple[Theme, Theme]] = []
    taken_a: set[str] = set()
    taken_b: set[str] = set()
    for exact in (True, False):
        for mine, other, taken_mine, taken_other, flip in (
            (a, b, taken_a, taken_b, False),
            (b, a, taken_b, taken_a, True),
        ):
            for theme in mine.themes:
                if theme.key in taken_mine:
                    continue
                partner = _partner(glossary, theme, other, taken_other, exact)
                if partner is not None:
                    pairs.append((partner, theme) if flip else (theme, partner))
                    taken_mine.add(theme.key)
                    taken_other.add(partner.key)
    only_a = [t for t in a.themes if t.key not in taken_a]
    only_b = [t for t in b.themes if t.key not in taken_b]
    return pairs, only_a, only_b


def _partner(
    glossary: Glossary, theme: Theme, other: Fingerprint, taken: set[str], exact: bool
) -> Theme | None:
    """The other reading's theme that is this concept (``exact``) or a related one."""
    for candidate in (*other.themes, *other.all_themes):
        if candidate.key in taken:
            continue
        if candidate.match_key == theme.match_key if exact else related(glossary, theme, candidate):
            return candidate
    return None


async def _compare_reply(services: Services, first: Reading, second: Reading) -> Reply:
    if first.id == second.id:
        raise BadArgument("Compare two different readings: `!themes compare <reading> <reading>`.")
    a = await fingerprint_of(services, first)
    b = await fingerprint_of(services, second)
    for reading, fp in ((first, a), (second, b)):
        if not fp.themes:
            raise BadArgument(f"{reading.label} has no abstract or text yet, so no themes.")
    pairs, only_a, only_b = compare_themes(services.glossary, a, b)

    def names(themes: list[Theme]) -> str:
        return truncate(", ".join(t.label for t in themes) or "—", EMBED_FIELD_VALUE_MAX)

    shared = [ta.label if ta.label == tb.label else f"{ta.label} ~ {tb.label}" for ta, tb in pairs]
    reply = Reply(
        title=truncate(f"Themes compared: {first.label} and {second.label}", 256),
        body=f"**A** — {escape_markdown(first.short_title)}\n"
        f"**B** — {escape_markdown(second.short_title)}",
    )
    reply.add_field(
        f"Shared ({len(pairs)})", truncate(", ".join(shared) or "—", EMBED_FIELD_VALUE_MAX)
    )
    reply.add_field(f"Only in A, {first.label} ({len(only_a)})", names(only_a))
    reply.add_field(f"Only in B, {second.label} ({len(only_b)})", names(only_b))
    if pairs:
        ta, tb = pairs[0]
        reply.add_field(f"{ta.label} in A", quote(truncate(ta.evidence, 480)))
        reply.add_field(f"{tb.label} in B", quote(truncate(tb.evidence, 480)))
    reply.footer = (
        "Shared: a top theme of one reading whose concept (or a related one, ~) the other "
        "reading also has."
    )
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
    """Route to the fingerprint, concept or comparison view."""
    text = " ".join((query or "").split())
    words = text.split()
    if words and words[0].lower() == "compare":
        first, second = _resolve_pair(services, " ".join(words[1:]))
        return await _compare_reply(services, first, second)
    if text:
        concept = services.glossary.lookup(text)
        if concept is not None:
            return await _concept_reply(services, concept)
    try:
        reading = services.library.find(text)
    except RemovedReading:
        raise  # it says the reading was removed and how to put it back
    except UnknownReading:
        close = services.glossary.suggest(text, limit=1, cutoff=88)
        if close:
            return await _concept_reply(services, close[0])
        raise _unknown(services, text) from None
    return await _theme_reply(services, reading, await fingerprint_of(services, reading))


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
    """List prompts: all of them, those tagged with a concept, or those for a reading."""
    query = " ".join((query or "").split())
    bank = services.prompt_bank
    await fingerprints_of(services, list(services.library))  # generated prompts need themes
    if not query:
        prompts, scope = bank.all(), "all readings"
    elif concept := services.glossary.lookup(query):
        prompts, scope = bank.for_theme(concept.key), f"theme “{concept.name}”"
    else:
        try:
            reading = services.library.find(query)
        except RemovedReading as exc:
            # Its written prompts stay in prompts.toml and can still be posted.
            prompts, scope = bank.for_reading(exc.reading_id), removed_label(exc.reading_id)
            if not prompts:
                raise
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


@command(
    "prompt keep",
    usage="!prompt keep <id>",
    summary="Keep a generated prompt (id ending in -auto) in prompts.toml.",
    help="Keep a generated prompt (an id ending in -auto, see !prompt bank): it is written "
    "with its quote into prompts.toml, so posting it later gives the same text.",
    params=(
        Param(
            "prompt_id",
            "A generated prompt id (ending in -auto, see prompt bank)",
            required=True,
            autocomplete="bank",
        ),
    ),
    instructor=True,
    examples=("kan-ku-2021-serving-the-people-co-optation-auto",),
)
async def prompt_keep(services: Services, actor: Actor, prompt_id: str) -> Reply:
    """Write a generated prompt into ``SEEDS_DIR/prompts.toml`` and reload the bank."""
    wanted = prompt_id.strip().lower()
    if not wanted or len(wanted.split()) > 1:
        raise BadArgument("Name one generated prompt: `!prompt keep <id>` (see `!prompt bank`).")
    await fingerprints_of(services, list(services.library))
    prompt = services.prompt_bank.get(wanted)
    if prompt is None:
        raise NotFound(f"There is no prompt `{wanted}` in the prompt bank (see `!prompt bank`).")
    if not prompt.generated:
        raise BadArgument(
            f"`{prompt.id}` is already in prompts.toml; only generated (-auto) prompts are kept."
        )
    path = services.settings.seeds_dir / PROMPTS_FILE
    try:
        kept = await asyncio.to_thread(keep, path, prompt)
    except ValueError as err:
        raise BadArgument(f"Not kept: {err}.") from None
    except OSError as err:
        raise BadArgument(f"Could not write {PROMPTS_FILE}: {err.strerror}.") from None
    services.prompt_bank = await asyncio.to_thread(
        load_prompt_bank, path, services.library, services.glossary, services.themes
    )
    reply = Reply(
        title=truncate(f"Prompt kept: {kept.id}", 256),
        body=f"{escape_markdown(kept.question)}\n\n{quote(truncate(kept.evidence, QUOTE_MAX))}",
        footer=f"Written to {PROMPTS_FILE}. Post it with !prompt post {kept.id}.",
    )
    return reply
