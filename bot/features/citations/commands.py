"""``!cite [style] [reading]`` and ``!cite styles``: a citation students can paste.

Arguments, parsed here so Discord and the console agree: a first word that names a style (a
short name, an export, or any CSL repository style id, within a typo) is the style and the
rest names the reading (empty: the only reading); a style title of several words goes in
quotes (``!cite "American Sociological Association" serving``). A first word that is no
style while the rest names a reading (and the word is not part of that reading's title or
authors) is a wrong style: we say so and list the styles. Otherwise the whole text names the
reading, in the course default style (``CITATION_STYLE``, APA 7 unless set).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process, utils

from bot.core.errors import BadArgument, UserFacingError
from bot.core.registry import Actor, Param, command
from bot.core.replies import Reply, ReplyFile, truncate
from bot.core.text import escape_markdown
from bot.features.citations import STYLES, CitationError, Style, find_style
from bot.features.citations.export import to_bibtex, to_ris
from bot.features.citations.notes import missing_note
from bot.features.citations.styles import INDEX, default_style, is_style_name, styles_listing

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
    if best and best[1] >= STYLE_TYPO:
        return str(best[0])
    near = INDEX.closest(word)
    return near[0] if near and near[1] >= STYLE_TYPO + 15 else None


def _in_reading(word: str, reading: Reading) -> bool:
    """Whether ``word`` is (nearly) one of the words of the reading's id, title or authors."""
    text = " ".join(
        [reading.id, reading.title, " ".join(reading.author_names), str(reading.year or "")]
    )
    words = utils.default_process(text.replace("-", " ")).split()
    best = process.extractOne(utils.default_process(word), words, scorer=fuzz.ratio)
    return bool(best and best[1] >= WORD_MATCH)


def _quoted_style(args: str) -> tuple[str, str] | None:
    """``"a style title" rest`` split into the title and the rest, if args open a quote."""
    match = re.match(r'\s*["“](?P<style>[^"”]+)["”]\s*(?P<rest>.*)', args, re.S)
    return (match["style"], match["rest"]) if match else None


def parse_cite(args: str) -> dict[str, str | None]:
    """``[style] [reading]``: a quoted title, or a first word that names a style, is the style.

    A first word names a style when it is a short name, an export, ``styles`` or a repository
    style id (a file check: no index, nothing slow on the event loop).
    """
    quoted = _quoted_style(args)
    if quoted is not None:
        return {"style": quoted[0], "reading": quoted[1].strip() or None}
    first, _, rest = args.strip().partition(" ")
    if first and (first.lower() in (*STYLES, "styles") or is_style_name(first)):
        return {"style": first, "reading": rest.strip() or None}
    return {"style": None, "reading": args.strip() or None}


def resolve_cite(
    library: Library, style: str | None, query: str, default: Style | None = None
) -> tuple[Style, Reading]:
    """The style and reading a ``!cite`` names; raises BadArgument or the library's errors.

    A named style is found exactly or within a typo of its id or title. Without a style, a
    hyphenated first word within a typo of a style id is that style; a first word that is
    no style while the rest names a reading (and the word is not part of that reading's
    title or authors) is a mistyped style: say so. Runs in a worker (the fuzzy search
    over ~10,800 styles takes ~20 ms).
    """
    default = default or STYLES["apa"]
    if style is not None:
        found = find_style(style)
        if found is None:
            raise not_a_style(style)
        return found, library.find(query)
    words = query.split()
    if not words:
        return default, library.find("")
    if len(words) == 1 and words[0].lower() in library.removed:
        library.find(query)  # raises RemovedReading: say it was removed, not "not a style"
    first, rest = words[0], " ".join(words[1:])
    close = find_style(first) if "-" in first else None
    if close is not None:
        return close, library.find(rest)
    try:
        rest_reading = library.find(rest) if rest or len(library) == 1 else None
    except UserFacingError:
        rest_reading = None
    # With one reading, a lone word that is no style nor near one is a reading that is not
    # there ("!cite smith"): the library says so below, with the readings it has.
    alone = not rest and _close_style(first) is None
    if rest_reading is not None and not _in_reading(first, rest_reading) and not alone:
        raise not_a_style(first)
    try:
        return default, library.find(query)
    except UserFacingError:
        if len(words) == 1 and _close_style(first):
            raise not_a_style(first) from None
        raise


ATTRIBUTION = (
    "Rendered by citeproc-js (c) Frank Bennett — citeproc-js implements the Citation Style "
    "Language — https://citationstyles.org/ (used under the CPAL-1.0)"
)


def styles_reply(default: Style) -> Reply:
    """``!cite styles``: the short names, how to reach any other style, and the attribution."""
    reply = Reply(
        title="Citation styles",
        body=styles_listing(),
        footer=f"!cite [style] [reading] — the default here is {default.key}.",
    )
    reply.add_field(
        "Any other CSL style",
        "Every style of the CSL repository (~10,800, journal styles included) by its id, or "
        'by its title in quotes: `!cite china-information serving`, `!cite "American '
        'Sociological Association" serving`. On Discord, `/cite` completes style names.',
    )
    reply.add_field("Engine", ATTRIBUTION)
    return reply


def course_style(services: Services) -> Style:
    """The course default style (``CITATION_STYLE``), checked at start-up by the settings."""
    return default_style(services.settings.citation_style)


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
    if rendered.note:
        reply.add_field("First note", rendered.parenthetical or "—")
    else:
        reply.add_field("In-text, parenthetical", rendered.parenthetical or "—", inline=True)
        reply.add_field("In-text, narrative", rendered.narrative or "—", inline=True)
    note = missing_note(reading)
    if note:
        reply.add_field("Incomplete data", note)
    reply.footer = (
        f"CSL style “{truncate(style.description, 120)}”, rendered by citeproc-js as in Zotero. "
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
    summary="Cite a reading in APA, MLA, Chicago, Harvard, IEEE or any CSL style; BibTeX, RIS.",
    help="A reference-list entry with its in-text forms (the course style, `CITATION_STYLE`, "
    "by default; any CSL repository style by id or quoted title), or a BibTeX/RIS file; "
    "`!cite styles` lists the styles.",
    params=(
        Param(
            "style",
            "apa, mla, chicago, harvard, ieee, any CSL style id, bibtex, ris — or 'styles'",
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
    examples=("mla serving the people", "", "styles", "bibtex", "klingon", "china-information"),
)
async def cite(
    services: Services, actor: Actor, style: str | None = None, reading: str | None = None
) -> Reply:
    """The citation of one reading in one style, or the list of styles."""
    default = await asyncio.to_thread(course_style, services)  # may read a style file
    if style is not None and style.lower() == "styles":
        return styles_reply(default)
    found_style, found = await asyncio.to_thread(
        resolve_cite, services.library, style, reading or "", default
    )
    if found_style.is_export:
        return _export_reply(found, found_style)
    return await _csl_reply(services, found, found_style)
