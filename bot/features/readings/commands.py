"""``!readings`` and ``!summary``: what the course reads, and the gist of one reading."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.core.registry import Actor, Param, command
from bot.core.replies import Reply, quote, truncate
from bot.core.text import escape_markdown
from bot.features.readings.summaries import sections_reply

if TYPE_CHECKING:
    from bot.services import Services

LENGTHS = ("short", "long", "sections")  # "sections": one line per section of a full text


@command(
    "readings",
    usage="!readings",
    summary="List the course readings with their ids.",
    help="Every reading with its id, short title, authors and year.",
    examples=("",),
)
async def readings(services: Services, actor: Actor) -> Reply:
    """One line per reading: id, short title, authors and year."""
    library = services.library
    if not library.readings:
        return Reply(
            title="No readings yet",
            body="An instructor adds a reading by putting its portal page, RIS/BibTeX export "
            "or PDF into the seeds folder and restarting the bot.",
        )
    lines = [
        f"`{r.id}` — *{escape_markdown(r.short_title)}* — "
        f"{escape_markdown(', '.join(r.author_names) or 'authors unknown')} ({r.year or 'n.d.'})"
        for r in library
    ]
    return Reply(
        title=f"Course readings ({len(lines)})",
        body="\n".join(lines),
        footer="Use an id (or words of the title) with !summary, !cite or !themes.",
    )


def parse_summary(args: str) -> dict[str, str | None]:
    """``[reading] [short|long]``: a trailing (or leading) length word, the rest the reading."""
    words = args.split()
    if words and words[-1].lower() in LENGTHS:
        return {"reading": " ".join(words[:-1]) or None, "length": words[-1].lower()}
    if words and words[0].lower() in LENGTHS:
        return {"reading": " ".join(words[1:]) or None, "length": words[0].lower()}
    return {"reading": args.strip() or None, "length": None}


@command(
    "summary",
    usage="!summary [reading] [short|long|sections]",
    summary="The thesis and key points of a reading, quoted from it.",
    help="The reading's thesis and key points (context, case, findings, implications), each "
    "quoted from the reading itself, with its page; `long` gives more and says where each "
    "point comes from; `sections` gives one line per section of a PDF.",
    params=(
        Param(
            "reading",
            "Reading id or words of its title/authors (empty: the only reading)",
            autocomplete="reading",
        ),
        Param("length", "short (default), long, or sections", kind="choice", choices=LENGTHS),
    ),
    parse=parse_summary,
    examples=("serving the people long", "", "kan-ku"),
)
async def summary(
    services: Services, actor: Actor, reading: str | None = None, length: str | None = None
) -> Reply:
    """Gist and key points of one reading, each a faithful quotation, plus a source line."""
    long = length == "long"
    found = services.library.find(reading or "")
    if length == "sections":
        return await asyncio.to_thread(sections_reply, found)
    # A long full text takes CPU even with its sentences split at load: never on the loop.
    result = await asyncio.to_thread(services.summaries.get, found, long)
    title = truncate(f"{found.label}: {found.short_title}", 256)
    if result.basis == "none":
        return Reply(
            title=title,
            body="This reading has no abstract or text yet, so there is nothing to quote. "
            "Add its portal page (with the abstract) or a PDF to the seeds folder.",
        ).add_field("Source", truncate(result.source, 1024))
    gist_from = ""
    if long and result.gist_origin:
        where = result.gist_origin
        gist_from = " (from the abstract)" if where == "abstract" else f" (from “{where}”)"
    reply = Reply(title=title, body=f"**Gist**{gist_from}\n" + quote(result.gist_cited))
    for point in result.points:
        origin = f" ({point.origin})" if long and point.origin else ""
        reply.add_field(truncate(point.heading + origin, 256), truncate(quote(point.cited), 1024))
    reply.add_field("Source", truncate(result.source, 1024))
    if not long and found.text:
        reply.footer = f"Add “long” for more: !summary {found.id} long"
    return reply
