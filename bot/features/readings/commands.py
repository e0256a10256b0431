"""``!readings`` and ``!summary``: what the course reads, and the gist of one reading."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.core.registry import Actor, command
from bot.core.replies import Reply, quote, truncate
from bot.core.text import escape_markdown
from bot.features.readings.summaries import sections_reply

if TYPE_CHECKING:
    from bot.services import Services

LENGTHS = ("short", "long")


@command("readings", usage="!readings", help="List the course readings with their ids.")
async def readings(services: Services, actor: Actor, args: str) -> Reply:
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


def split_length(args: str) -> tuple[str, bool]:
    """Take a trailing (or leading) ``short``/``long`` off the reading query."""
    words = args.split()
    if words and words[-1].lower() in LENGTHS:
        return " ".join(words[:-1]), words[-1].lower() == "long"
    if words and words[0].lower() in LENGTHS:
        return " ".join(words[1:]), words[0].lower() == "long"
    return args.strip(), False


@command(
    "summary",
    usage="!summary [reading] [short|long|sections]",
    help="The reading's thesis and key points, quoted from the reading itself.",
)
async def summary(services: Services, actor: Actor, args: str) -> Reply:
    """Gist and key points of one reading, each a faithful quotation, plus a source line."""
    words = args.split()
    if words and words[-1].lower() == "sections":
        reading = services.library.find(" ".join(words[:-1]))
        return await asyncio.to_thread(sections_reply, reading)
    query, long = split_length(args)
    reading = services.library.find(query)
    result = await asyncio.to_thread(services.summaries.get, reading, long)
    title = truncate(f"{reading.label}: {reading.short_title}", 256)
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
    if not long and reading.text:
        reply.footer = f"Add “long” for more: !summary {reading.id} long"
    return reply
