"""``!cite [style] [reading]`` and ``!cite styles``: a citation students can paste.

Arguments, parsed here so Discord and the console agree: a first word that names a style is
the style and the rest names the reading (empty: the only reading). A first word that is no
style while the rest names a reading (and the word is not part of that reading's title or
authors) is a wrong style: we say so and list the styles. Otherwise the whole text names the
reading, in the default style (APA 7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process, utils

from bot.core.errors import BadArgument, UserFacingError
from bot.core.registry import Actor, Param, command
from bot.core.replies import Reply, ReplyFile, truncate
from bot.core.text import escape_markdown
from bot.features.citations import DEFAULT_STYLE, STYLES, CitationError, Style, style_for
from bot.features.citations.export import to_bibtex, to_ris
from bot.features.citations.notes import missing_note
from bot.features.citations.styles import styles_listing

if TYPE_CHECKING:
    from bot.features.readings.library import Library
    from bot.features.readings.models import Reading
    from bot.services import Services

WORD_MATCH = 85.0
STYLE_TYPO = 60.0


def not_a_style(word: str) -> BadArgument:
    """The error for a word used as a style that is none, with the list of styles."""
    shown = escape_markdown(truncate(word, 40)).replace("`", "'")
    close = _close_style(word)
    hint = f" Did you mean `{close}`?" if close else ""
    return BadArgument(
        f"`{shown}` is not a style.{hint} The styles are:\n{styles_listing()}",
        title="Unknown style",
    )


def _close_style(word: str) -> str | None:
    """The style key a mistyped word most likely meant ("mls" → "mla"), if any is close."""
    best = process.extractOne(word.lower(), list(STYLES), scorer=fuzz.ratio)
    return str(best[0]) if best and best[1] >= STYLE_TYPO else None


def _in_reading(word: str, reading: Reading) -> bool:
    """Whether ``word`` is (nearly) one of the words of the reading's id, title or authors."""
    text = " ".join(
        [reading.id, reading.title, " ".join(reading.author_names), str(reading.year or "")]
    )
    words = utils.default_process(text.replace("-", " ")).split()
    best = process.extractOne(utils.default_process(word), words, scorer=fuzz.ratio)
    return bool(best and best[1] >= WORD_MATCH)


def parse_cite(args: str) -> dict[str, str | None]:
    """``[style] [reading]``: a first word that names a style (or ``styles``) is the style."""
    first, _, rest = args.strip().partition(" ")
    if first and (first.lower() == "styles" or style_for(first) is not None):
        return {"style": first, "reading": rest.strip() or None}
    return {"style": None, "reading": args.strip() or None}


def resolve_cite(library: Library, style: str | None, query: str) -> tuple[Style, Reading]:
    """The style and reading a ``!cite`` names; raises BadArgument or the library's errors.

    Without a style, a first word that is no style while the rest names a reading (and the
    word is not part of that reading's title or authors) is a mistyped style: say so.
    """
    if style is not None:
        found = style_for(style)
        if found is None:
            raise not_a_style(style)
        return found, library.find(query)
    words = query.split()
    if not words:
        return STYLES[DEFAULT_STYLE], library.find("")
    first, rest = words[0], " ".join(words[1:])
    try:
        rest_reading = library.find(rest) if rest or len(library) == 1 else None
    except UserFacingError:
        rest_reading = None
    if rest_reading is not None and not _in_reading(first, rest_reading):
        raise not_a_style(first)
    try:
        return STYLES[DEFAULT_STYLE], library.find(query)
    except UserFacingError:
        if len(words) == 1 and _close_style(first):
            raise not_a_style(first) from None
        raise


def styles_reply() -> Reply:
    """``!cite styles``: one line per style."""
    return Reply(
        title="Citation styles",
        body=styles_listing(),
        footer=f"!cite [style] [reading] — the default is {DEFAULT_STYLE}.",
    )


async def _csl_reply(services: Services, reading: Reading, style: Style) -> Reply:
    try:
        rendered = await services.citations.get(reading, style)
    except CitationError as exc:
        raise UserFacingError(
            f"The citation engine could not render `{reading.id}` in {style.label}; the "
            "instructor will find the reason in the bot's log.",
            title="Citation failed",
        ) from exc
    reply = Reply(
        title=truncate(f"{style.label} · {reading.label}", 256),
        body=rendered.bibliography or "(the style produced no entry for this reading)",
    )
    reply.add_field("In-text, parenthetical", rendered.parenthetical or "—", inline=True)
    reply.add_field("In-text, narrative", rendered.narrative or "—", inline=True)
    note = missing_note(reading)
    if note:
        reply.add_field("Incomplete data", note)
    reply.footer = (
        f"CSL style “{style.description}”, rendered like Zotero. "
        "Other styles: !cite styles · export: !cite bibtex / !cite ris"
    )
    return reply


def _export_reply(reading: Reading, style: Style) -> Reply:
    text = to_bibtex(reading) if style.key == "bibtex" else to_ris(reading)
    fence = "bibtex" if style.key == "bibtex" else ""
    body = f"```{fence}\n{text.replace('```', '` ` `')}```"
    reply = Reply(
        title=truncate(f"{style.label} · {reading.label}", 256),
        body=body if len(body) <= 3900 else "The record is long: see the attached file.",
        files=[ReplyFile(f"{reading.id}.{style.extension}", text.encode("utf-8"))],
    )
    note = missing_note(reading)
    if note:
        reply.add_field("Incomplete data", note)
    reply.footer = f"Import the attached .{style.extension} into Zotero, EndNote or your editor."
    return reply


@command(
    "cite",
    usage="!cite [style] [reading] · !cite styles",
    summary="Cite a reading: APA, MLA, Chicago, Harvard, IEEE, BibTeX or RIS.",
    help="A reference-list entry with its in-text forms (APA 7 by default), or a BibTeX/RIS "
    "file; `!cite styles` lists the styles.",
    params=(
        Param(
            "style",
            "apa (default), mla, chicago, harvard, ieee, bibtex, ris — or 'styles'",
            autocomplete="style",
        ),
        Param(
            "reading",
            "Reading id or words of its title/authors (empty: the only reading)",
            rest=True,
            autocomplete="reading",
        ),
    ),
    parse=parse_cite,
    examples=("mla serving the people", "", "styles", "bibtex", "klingon"),
)
async def cite(
    services: Services, actor: Actor, style: str | None = None, reading: str | None = None
) -> Reply:
    """The citation of one reading in one style, or the list of styles."""
    if style is not None and style.lower() == "styles":
        return styles_reply()
    found_style, found = resolve_cite(services.library, style, reading or "")
    if found_style.is_export:
        return _export_reply(found, found_style)
    return await _csl_reply(services, found, found_style)
