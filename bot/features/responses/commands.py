"""``!respond``, ``!responses`` and ``!participation``: answering prompts and reading the log."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.core.charts import bar_chart_png
from bot.core.errors import BadArgument, NotFound
from bot.core.registry import Actor, Param, command
from bot.core.replies import Reply, ReplyFile, quote, truncate
from bot.core.text import defuse_mentions, escape_markdown
from bot.features.responses.log import Incoming, Outcome
from bot.features.responses.reports import parse_since

if TYPE_CHECKING:
    from bot.services import Services

PROMPT_ID = re.compile(r"^#?(\d{1,18})$")
LIST_LIMIT = 20
CHART_LIMIT = 30
ECHO_CHARS = 300
SINCE_MAX = 100


def safe(text: str) -> str:
    """User text made inert for echoing: no pings, no Markdown surprises."""
    return defuse_mentions(escape_markdown(text))


def parse_respond(args: str) -> dict[str, int | str | None]:
    """``"12 my answer"`` → id 12 and the answer; a lone number is an answer, not an id."""
    head, _, rest = args.strip().partition(" ")
    match = PROMPT_ID.match(head)
    if match and rest.strip():
        return {"prompt_id": int(match.group(1)), "text": rest.strip()}
    return {"prompt_id": None, "text": args.strip() or None}


PROMPT_ID_PARAM = Param(
    "prompt_id", "The prompt's id (shown on the posted prompt)", kind="int", min_value=1
)


@command(
    "respond",
    usage="!respond [prompt-id] <text>",
    summary="Answer a discussion prompt.",
    help="Answer a discussion prompt (default: the latest open prompt in this channel).",
    params=(PROMPT_ID_PARAM, Param("text", "Your answer", required=True, rest=True)),
    parse=parse_respond,
    examples=("The NGOs trade autonomy for access.",),
)
async def respond(
    services: Services, actor: Actor, text: str | None = None, prompt_id: int | None = None
) -> Reply:
    """Log the caller's answer and confirm it briefly, echoing it without any ping."""
    if actor.guild_id is None:
        raise BadArgument(
            "Answer in the server: in the prompt's thread, as a reply to it, or with `!respond` "
            "in its channel (so your answer lands in the right seminar)."
        )
    post_id = prompt_id
    if not text:
        raise BadArgument("Write your answer after the command: `!respond [prompt-id] <text>`.")
    log = services.responses
    if post_id is not None:
        post = await log.post(post_id, actor.guild_id)
        if post is None:
            raise NotFound(
                f"There is no prompt #{post_id} here. `!respond <text>` answers the "
                "latest open prompt in this channel."
            )
    else:
        post = await log.latest_open_post(actor.guild_id, actor.channel_id)
        if post is None:
            raise NotFound(
                "No prompt is open in this channel. Give its id: `!respond <prompt-id> <text>`."
            )
    result = await log.log(
        Incoming(
            user_id=actor.user_id,
            display_name=actor.name,
            text=text,
            source="command",
            created_at=services.clock.now(),
            guild_id=actor.guild_id,
            channel_id=actor.channel_id,
            message_id=actor.message_id,
            post_id=post.id,
        )
    )
    if result.outcome is Outcome.OPTED_OUT:
        return Reply(
            title="Not logged",
            body="You opted out, so your answers are not recorded. `!optin` turns logging back on.",
            private=True,
        )
    if result.outcome is Outcome.DUPLICATE:
        return Reply(title="Already logged", body="That message was already recorded.")
    late = " (after it closed, so it is marked late)" if result.late else ""
    return Reply(
        title=f"Response logged for prompt #{post.id}{late}",
        body=quote(safe(truncate(text, ECHO_CHARS))),
        footer="!mydata sends you everything you have written; !privacy explains who sees it.",
    )


@command(
    "responses",
    usage="!responses [prompt-id]",
    summary="Response counts per prompt, and every response as a CSV file.",
    params=(PROMPT_ID_PARAM,),
    instructor=True,
    examples=("", "1"),
)
async def responses(services: Services, actor: Actor, prompt_id: int | None = None) -> Reply:
    """Counts per prompt in this server, with the CSV export attached."""
    post_id = prompt_id
    log = services.responses
    post = await log.post(post_id, actor.guild_id) if post_id is not None else None
    if post_id is not None and post is None:
        raise NotFound(f"There is no prompt #{post_id} in this server.")
    counts = await services.reports.counts(actor.guild_id, post_id)
    if not counts:
        return Reply(title="No prompts yet", body="Post one with `!prompt post <text>`.")
    lines = [
        f"**#{c.post_id}** {safe(truncate(c.question, 80))} — {c.responses} "
        f"response{'s' if c.responses != 1 else ''} from {c.students} "
        f"student{'s' if c.students != 1 else ''}" + (f" ({c.late} late)" if c.late else "")
        for c in counts[:LIST_LIMIT]
    ]
    if len(counts) > LIST_LIMIT:
        lines.append(f"…and {len(counts) - LIST_LIMIT} older prompts (all are in the file).")
    # 50,000 rows: read and written in chunks, yielding to the loop between them
    data = await services.reports.export_csv(guild_id=actor.guild_id, post_id=post_id)
    name = f"responses-prompt-{post_id}.csv" if post_id else "responses.csv"
    total = sum(c.responses for c in counts)
    reply = Reply(
        title=f"Responses: {total} in all" + (f" to prompt #{post_id}" if post_id else ""),
        body="\n".join(lines),
        footer="The CSV lists every response, with deleted ones and late ones flagged.",
        files=[ReplyFile(name, data, "Responses (CSV)")],
    )
    if post is not None and post.reading_id:
        reply.add_field("Reading", services.library.label_for(post.reading_id))
    return reply


@command(
    "participation",
    usage="!participation [since]",
    summary="Responses and words per student, as text and a chart.",
    params=(
        Param("since", "Count from this date (YYYY-MM-DD) or time, e.g. 2026-09-01", rest=True),
    ),
    instructor=True,
    examples=("", "2026-09-01"),
)
async def participation(services: Services, actor: Actor, since: str | None = None) -> Reply:
    """Per student: responses and words (since a date, if given), plus a bar chart."""
    since_at = None
    if since and len(since) > SINCE_MAX:  # dateparser holds the interpreter for seconds
        raise BadArgument(
            f"That is not a date I can read (at most {SINCE_MAX} characters): "
            "use 2026-09-01 or 3 weeks ago."
        )
    if since:
        # dateparser's first use holds the interpreter lock ~200 ms even from a thread, and
        # short unreadable text can take a second: parsed in the worker process.
        since_at = await services.compute.run(
            parse_since, since, services.clock.now(), services.settings.tz
        )
    rows = await services.reports.participation(actor.guild_id, since_at)
    period = f" since {since_at:%d %b %Y %H:%M}" if since_at else ""
    if not rows:
        return Reply(title="Participation" + period, body="No responses yet.")
    lines = [
        f"{i}. {safe(truncate(p.display_name, 60))} — {p.responses} "
        f"response{'s' if p.responses != 1 else ''}, {p.words} words"
        + (f" ({p.late} late)" if p.late else "")
        for i, p in enumerate(rows, start=1)
    ]
    shown = rows[:CHART_LIMIT]
    png = await services.compute.run(  # drawing holds the interpreter lock: not a thread
        bar_chart_png,
        [truncate(p.display_name, 24) for p in shown],  # charts draws user text literally
        [p.responses for p in shown],
        "Responses per student" + period,
    )
    return Reply(
        title=f"Participation{period}: {len(rows)} student{'s' if len(rows) != 1 else ''}",
        body="\n".join(lines),
        files=[ReplyFile("participation.png", png, "Responses per student")],
    )
