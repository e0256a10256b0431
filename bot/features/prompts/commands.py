"""Instructor commands for discussion prompts: post now, schedule, list, cancel, close.

All of them are ``instructor=True`` (so also server-only), checked once in
:func:`bot.core.registry.dispatch`. Each handler takes typed options; text is split into them
by the declared grammar (``split_schedule_text`` for ``!prompt schedule``), so the console and
Discord accept exactly the same syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.errors import BadArgument, NotFound
from bot.core.registry import Actor, Param, command
from bot.core.replies import ChannelRef, Reply, Timestamp, quote, truncate
from bot.core.text import defuse_mentions
from bot.features.prompts.posting import Poster
from bot.features.prompts.recurrence import (
    ISO_DATE,
    Limits,
    build_schedule,
    describe_gaps,
    next_after,
    nonexistent_times,
    on_local_date,
    rule_string,
    split_schedule_text,
    total_count,
    upcoming,
)
from bot.features.prompts.scheduler import Scheduler
from bot.features.prompts.store import NewPlan, Plan
from bot.services import Services

SHOW_NEXT = 5
# Slash choices for ``every`` (text also takes any ``<n> hours|days|weeks``).
EVERY_CHOICES = ("hour", "2 hours", "6 hours", "12 hours", "day", "2 days", "3 days", "week")
EVERY_CHOICES += ("2 weeks", "4 weeks")
LIST_MAX = 20


@dataclass(frozen=True)
class Content:
    """What a prompt says: free text, or a prompt-bank entry with its reading and evidence."""

    question: str
    follow_up: str = ""
    evidence: str = ""
    reading_id: str | None = None
    bank_id: str | None = None


def resolve_content(services: Services, text: str) -> Content:
    """A single word is a prompt-bank id; anything longer is the question itself.

    An unknown bank id is refused rather than posted as a one-word "question", because it is
    almost always a typo of an id.
    """
    text = text.strip()
    if not text:
        raise BadArgument("What should I post? Give a prompt-bank id or the question itself.")
    if len(text.split()) > 1 or text.endswith("?"):
        return Content(question=text)
    entry = services.prompt_bank.get(text)
    if entry is None:
        raise BadArgument(
            f"There is no prompt `{text}` in the prompt bank "
            "(see `!prompt bank`). To post your own question, write it out in full."
        )
    return Content(
        question=entry.question,
        follow_up=entry.follow_up,
        evidence=entry.evidence,
        reading_id=entry.reading_id,
        bank_id=entry.id,
    )


async def content_of(services: Services, text: str) -> Content:
    """``resolve_content``, with every reading's themes ready first for an ``-auto`` id.

    A generated bank id needs the themes of the readings it may come from; they are computed
    in the worker process (``fingerprints_of``), so the lookup itself only reads memory.
    """
    from bot.features.themes.commands import fingerprints_of

    if text.strip().lower().endswith("-auto"):
        await fingerprints_of(services, list(services.library))
    return resolve_content(services, text)


async def _check_channel(
    scheduler: Scheduler, actor: Actor, channel: ChannelRef | None
) -> tuple[int, list[str]]:
    """The channel to post in (the caller's by default), checked with the poster.

    Returns its id and what the bot lacks there without being stopped (threads, reactions).
    """
    if channel is not None and channel.id is None:
        # Fronts resolve ``#name`` to an id before dispatch; one that could not is refused.
        raise BadArgument(f"I cannot find a channel called #{channel.name} here.")
    channel_id = channel.id if channel is not None else actor.channel_id
    if channel_id is None:
        raise BadArgument("Name a channel (`#channel`) or run this in the seminar channel.")
    poster: Poster | None = scheduler.poster
    warnings = await poster.check_channel(actor.guild_id, channel_id) if poster else []
    return channel_id, list(warnings or [])


def _warn(reply: Reply, warnings: list[str]) -> Reply:
    """Add what the bot lacks in the target channel, so the instructor can fix it."""
    if warnings:
        reply.add_field("Missing permissions", truncate("\n".join(warnings), 1024))
    return reply


QUOTES = (('"', '"'), ("“", "”"), ("'", "'"))


def unquote(text: str) -> str:
    """``"next tuesday 10:00"`` → ``next tuesday 10:00``: one pair of enclosing quotes goes."""
    text = text.strip()
    for left, right in QUOTES:
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            return text[1:-1].strip()
    return text


def _new_plan(
    services: Services, actor: Actor, channel_id: int, content: Content, **extra: Any
) -> NewPlan:
    assert actor.guild_id is not None  # instructor commands are server-only
    return NewPlan(
        guild_id=actor.guild_id,
        channel_id=channel_id,
        created_by=actor.user_id,
        notify_channel_id=actor.channel_id,
        text=content.question,
        follow_up=content.follow_up,
        evidence=content.evidence,
        reading_id=content.reading_id,
        bank_id=content.bank_id,
        tz=services.settings.timezone,
        **extra,
    )


def _question(text: str, limit: int = 300) -> str:
    return truncate(defuse_mentions(text), limit)


CHANNEL_PARAM = Param(
    "channel", "Where to post (default: this channel)", kind="channel", autocomplete=None
)
PROMPT_PARAM = Param(
    "prompt", "A prompt-bank id or your own question", required=True, rest=True, autocomplete="bank"
)


@command(
    "prompt post",
    usage="!prompt post [#channel] <bank-id | question>",
    summary="Post a discussion prompt now.",
    help="Post a discussion prompt now (a prompt-bank id or your own question), with a thread "
    "for answers.",
    params=(CHANNEL_PARAM, PROMPT_PARAM),
    instructor=True,
    examples=("What do the NGOs gain from the partnership?",),
)
async def prompt_post(
    services: Services, actor: Actor, prompt: str, channel: ChannelRef | None = None
) -> Reply:
    """Post now, through the same at-most-once path as scheduled prompts."""
    scheduler = services.scheduler
    if scheduler.poster is None:
        raise BadArgument("Posting is not available: the bot is not connected to a channel.")
    content = await content_of(services, prompt)
    channel_id, warnings = await _check_channel(scheduler, actor, channel)
    now = services.clock.now()
    _, _, claimed = await scheduler.store.create(
        _new_plan(services, actor, channel_id, content, dtstart=now),
        now=now,
        max_active=services.settings.max_active_plans_per_guild,
        claim_now=True,
        close_hours=services.settings.prompt_response_hours,
    )
    assert claimed is not None
    result, error = await scheduler.deliver(claimed, notify=False)
    if result is None:
        raise BadArgument(
            f"I could not post in {ChannelRef(channel_id)}: {error}. Nothing was posted."
        )
    closes = claimed.post.closes_at
    body = f"Prompt **{claimed.post.id}** is up in {ChannelRef(channel_id)}."
    if closes is not None:
        body += f" Responses close {Timestamp(closes)}."
    reply = Reply(
        title=f"Posted prompt {claimed.post.id}",
        body=body,
        footer=f"Stop collecting responses early with !prompt close {claimed.post.id}",
    )
    return _warn(reply, warnings)


@command(
    "prompt schedule",
    usage=(
        "!prompt schedule <when> [#channel] [--every day|week|hour|<n> days] "
        "[--count N | --until DATE] <bank-id | question>"
    ),
    summary="Schedule a discussion prompt, once or repeating.",
    help=(
        'Schedule a prompt: <when> is +2h, 2025-03-04T10:00 (course time zone) or "next '
        'tuesday 10:00" in quotes; repeat with --every and --count/--until.'
    ),
    params=(
        Param(
            "when", "+2h, 2026-03-04T10:00 or next tuesday 10:00 (course time zone)", required=True
        ),
        CHANNEL_PARAM,
        Param(
            "every",
            "Repeat: hour, day, week, or <n> days / <n> hours",
            flag="--every",
            choices=EVERY_CHOICES,
        ),
        Param(
            "count", "How many times in all (with every)", kind="int", min_value=1, flag="--count"
        ),
        Param("until", "Last date (with every), e.g. 2026-06-30", flag="--until"),
        PROMPT_PARAM,
    ),
    parse=split_schedule_text,
    slow_parse=True,
    instructor=True,
    examples=('"next tuesday 10:00" --every week --count 3 What do the NGOs gain?', "+2h Why?"),
)
async def prompt_schedule(
    services: Services,
    actor: Actor,
    when: str,
    prompt: str,
    channel: ChannelRef | None = None,
    every: str | None = None,
    count: int | None = None,
    until: str | None = None,
) -> Reply:
    """Read the time and rule, check the channel, store the plan, wake the scheduler."""
    scheduler = services.scheduler
    settings = services.settings
    now = services.clock.now()
    when = unquote(when)  # a slash option arrives as typed, quotes and all
    # dateparser holds the interpreter lock for ~200 ms on first use: the worker process.
    typed, recurrence = await services.compute.run(
        build_schedule, when, every, count, until, now, settings.tz, Limits.from_settings(settings)
    )
    first = typed.at
    content = await content_of(services, prompt)
    channel_id, warnings = await _check_channel(scheduler, actor, channel)
    rule = rule_string(recurrence, settings.tz) if recurrence else None
    plan, _, _ = await scheduler.store.create(
        _new_plan(services, actor, channel_id, content, dtstart=first, rrule=rule),
        now=now,
        max_active=settings.max_active_plans_per_guild,
    )
    scheduler.wake()
    total = total_count(plan.dtstart, plan.rrule, plan.zone)
    times = upcoming(plan.dtstart, plan.rrule, plan.zone, now, SHOW_NEXT)
    how = recurrence.describe() if recurrence else "once"
    reply = Reply(
        title=f"Scheduled plan {plan.id}",
        body=(
            f"{total} prompt{'s' if total != 1 else ''} in {ChannelRef(channel_id)} ({how}). "
            f"First: {Timestamp(times[0])} ({Timestamp(times[0], 'R')})."
        ),
        footer=f"Cancel with !prompt cancel {plan.id} (or one time: !prompt cancel {plan.id} next)",
    )
    if total > 1:
        shown = "\n".join(str(Timestamp(t)) for t in times)
        if total > len(times):
            shown += f"\n… and {total - len(times)} more"
        reply.add_field("Next times", shown)
    gaps = nonexistent_times(plan.dtstart, plan.rrule, plan.zone) if plan.rrule else []
    if typed.skipped and typed.wall is not None and not gaps:
        gaps = [typed.wall]
    if gaps:
        reply.add_field("Clock change", describe_gaps(gaps, plan.rrule, plan.zone))
    reply.add_field("Prompt", quote(_question(content.question, 900)))
    return _warn(reply, warnings)


@command(
    "prompt list",
    usage="!prompt list",
    summary="Upcoming scheduled prompts and open prompts.",
    help="Upcoming scheduled prompts (plan ids, channel, next time) and open prompts.",
    instructor=True,
    examples=("",),
)
async def prompt_list(services: Services, actor: Actor) -> Reply:
    """Plans still to come, soonest first, and prompts still collecting responses."""
    store = services.scheduler.store
    assert actor.guild_id is not None
    now = services.clock.now()
    plans = await store.active_plans(actor.guild_id)
    posts = await store.open_posts(actor.guild_id, now)
    if not plans and not posts:
        return Reply(
            title="No prompts",
            body="Nothing is scheduled and no prompt is open. Try `!prompt schedule +1h …`.",
        )
    reply = Reply(title="Prompts")
    lines = []
    for plan, occ in plans[:LIST_MAX]:
        when = str(Timestamp(occ.due_at)) if occ else "—"
        remaining = ""
        if plan.rrule and occ is not None:
            total = total_count(plan.dtstart, plan.rrule, plan.zone)
            remaining = f" · {occ.seq} of {total}"
        lines.append(
            f"**Plan {plan.id}** · {ChannelRef(plan.channel_id)} · next {when}{remaining}"
            f"{_about(services, plan.reading_id)}\n  {_question(plan.text, 90)}"
        )
    if len(plans) > LIST_MAX:
        lines.append(f"… and {len(plans) - LIST_MAX} more plans")
    if lines:
        reply.add_field(f"Scheduled ({len(plans)})", truncate("\n".join(lines), 1024))
    open_lines = [
        f"**Prompt {p.id}** · {ChannelRef(p.channel_id)} · closes "
        f"{Timestamp(p.closes_at, 'R') if p.closes_at else 'never'}"
        f"{_about(services, p.reading_id)}\n  {_question(p.question, 90)}"
        for p in posts
    ]
    if open_lines:
        reply.add_field(f"Open for responses ({len(posts)})", truncate("\n".join(open_lines), 1024))
    reply.footer = "!prompt cancel <plan> [next|DATE] · !prompt close <prompt>"
    return reply


def _about(services: Services, reading_id: str | None) -> str:
    """`` · Kan & Ku (2021)`` for a line about a bank prompt (or says its reading was removed)."""
    return f" · {services.library.label_for(reading_id)}" if reading_id else ""


async def _plan_in_guild(services: Services, actor: Actor, plan_id: int) -> Plan:
    try:
        plan = await services.scheduler.store.plan(plan_id)
    except NotFound:
        plan = None
    if plan is None or plan.guild_id != actor.guild_id:
        raise NotFound(f"There is no plan {plan_id} in this server (see `!prompt list`).")
    return plan


@command(
    "prompt cancel",
    usage="!prompt cancel <plan-id> [next | YYYY-MM-DD]",
    summary="Cancel a plan, or only its next prompt, or the one on a date.",
    help="Cancel a whole plan, or only its next prompt, or its prompt on one date.",
    params=(
        Param("plan_id", "The plan id from !prompt list", kind="int", required=True, min_value=1),
        Param("which", "next, or a date YYYY-MM-DD (empty: the whole plan)"),
    ),
    instructor=True,
    examples=("3 next", "3"),
)
async def prompt_cancel(
    services: Services, actor: Actor, plan_id: int, which: str | None = None
) -> Reply:
    """Cancel the plan, or add one EXDATE (``next`` or a local date) and move it on."""
    scheduler = services.scheduler
    store = scheduler.store
    plan = await _plan_in_guild(services, actor, plan_id)
    if plan.status != "active":
        raise BadArgument(f"Plan {plan.id} is already {plan.status}; nothing to cancel.")
    now = services.clock.now()
    if which is None:
        await store.cancel_plan(plan.id, now)
        scheduler.wake()
        return Reply(
            title=f"Cancelled plan {plan.id}",
            body=f"No more prompts from plan {plan.id} will be posted in "
            f"{ChannelRef(plan.channel_id)}.",
        )
    which = which.lower()
    pending = next(
        (o for _, o in await store.active_plans(plan.guild_id) if o and o.plan_id == plan.id), None
    )
    if which == "next":
        if pending is None:
            raise BadArgument(f"Plan {plan.id} has no upcoming prompt.")
        targets = [pending.due_at]
    elif ISO_DATE.match(which):
        targets = [
            t
            for t in on_local_date(plan.dtstart, plan.rrule, plan.zone, date.fromisoformat(which))
            if t > now
        ]
        if not targets:
            raise BadArgument(f"Plan {plan.id} has no upcoming prompt on {which}.")
    else:
        raise BadArgument("Say `next` or a date such as `2025-03-04`.")
    for when in targets:
        await store.add_exdate(plan.id, when)
    if pending is not None and pending.due_at in targets:
        fresh = await store.plan(plan.id)
        following = next_after(
            fresh.dtstart, fresh.rrule, fresh.zone, pending.due_at, fresh.exdates
        )
        await store.skip(
            pending,
            status="cancelled",
            error="cancelled by an instructor",
            now=now,
            following=following,
        )
    scheduler.wake()
    fresh = await store.plan(plan.id)
    left = upcoming(fresh.dtstart, fresh.rrule, fresh.zone, now, 1, fresh.exdates)
    after = f" The next one is {Timestamp(left[0])}." if left else " No prompts are left."
    return Reply(
        title=f"Skipped {len(targets)} prompt{'s' if len(targets) != 1 else ''} of plan {plan.id}",
        body=", ".join(str(Timestamp(t)) for t in targets) + " will not be posted." + after,
    )


@command(
    "prompt close",
    usage="!prompt close <prompt-id>",
    summary="Stop collecting responses to a prompt.",
    help="Stop collecting responses to a posted prompt (later answers are kept, flagged late).",
    params=(
        Param(
            "prompt_id",
            "The prompt id shown on the posted prompt",
            kind="int",
            required=True,
            min_value=1,
        ),
    ),
    instructor=True,
    examples=("12",),
)
async def prompt_close(services: Services, actor: Actor, prompt_id: int) -> Reply:
    """Set ``closed_at`` on a post of this server."""
    post_id = prompt_id
    store = services.scheduler.store
    post = await store.post(post_id)
    if post is None or post.guild_id != actor.guild_id or post.message_id is None:
        raise NotFound(f"There is no posted prompt {post_id} in this server.")
    if post.closed_at is not None:
        return Reply(
            title=f"Prompt {post_id} is already closed",
            body=f"It closed {Timestamp(post.closed_at)}.",
        )
    now = services.clock.now()
    await store.close_post(post_id, now)
    reply = Reply(
        title=f"Closed prompt {post_id}",
        body=(
            f"Responses to prompt {post_id} are no longer collected as on time; anything "
            "written later is still kept and flagged late."
        ),
    )
    if post.reading_id:
        reply.add_field("Reading", services.library.label_for(post.reading_id))
    return reply
