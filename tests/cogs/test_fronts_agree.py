"""The console and Discord give the same answer to every declared usage example.

Both fronts are driven for real (the console's ``handle`` with its own services and
database; Discord through dpytest), in the same order, as an instructor; the Replies that
reach each renderer are compared. Only what differs by nature is normalised: the channel
(console vs Discord ids), the member's display name, and instants computed from "now".
"""

from __future__ import annotations

import re
import sys

import discord.ext.test as dpytest

import cogs._common
from bot.core.console import ConsoleFront
from bot.core.registry import REGISTRY
from bot.core.replies import VALUE_TOKEN, Reply
from bot.features import load_commands
from bot.features.prompts.posting import ConsolePoster
from bot.services import Services
from tests.helpers.dpytest import say, sent_messages

SKIP = {"forgetme"}  # erases rows the later examples read; covered by the privacy tests


def normalised(reply: Reply) -> tuple:
    def text(value: str) -> str:
        value = VALUE_TOKEN.sub(lambda m: "<time>" if m.group(1) == "t" else "<channel>", value)
        value = re.sub(r"teacher(\\_\d+\\_nick)?", "teacher", value)  # dpytest's nickname
        return re.sub(r"\d{15,25}", "<id>", value)

    return (
        text(reply.title),
        text(reply.body),
        tuple((text(f.name), text(f.value)) for f in reply.fields),
        text(reply.footer),
        tuple(f.filename for f in reply.files),
        reply.error,
    )


def examples() -> list[str]:
    load_commands()
    return [
        f"{path} {example}".strip()
        for path, spec in REGISTRY.items()
        if path not in SKIP
        for example in spec.examples
    ]


async def test_every_usage_example_answers_the_same_in_both_fronts(dpy_bot, settings, monkeypatch):
    lines = examples()
    assert len(lines) >= len(REGISTRY) - len(SKIP)

    discord_replies: list[Reply] = []
    original = cogs._common.send_reply

    async def record(ctx, reply):
        discord_replies.append(reply)
        await original(ctx, reply)

    monkeypatch.setattr(cogs._common, "send_reply", record)
    # discord.py's load_extension executes each extension as a fresh module object
    monkeypatch.setattr(sys.modules["cogs.error_handler"], "send_reply", record)
    for line in lines:
        await say(dpy_bot, "!" + line, "teacher")
        await dpytest.run_all_events()  # the error handler answers from its own task
        sent_messages()
        assert len(discord_replies) == lines.index(line) + 1, line

    console_settings = settings.model_copy(
        update={"database_path": settings.database_path.with_name("console.db")}
    )
    services = await Services.open(console_settings)
    try:
        front = ConsoleFront(services, user="teacher", instructor=True)
        posted: list[Reply] = []  # what the console "channel" shows, kept apart
        services.scheduler.attach(ConsolePoster(posted.append))
        console_replies: list[Reply] = []
        front.print_reply = console_replies.append  # type: ignore[method-assign]
        for line in lines:
            await front.handle("!" + line)
    finally:
        await services.close()

    for line, ours, theirs in zip(lines, console_replies, discord_replies, strict=True):
        assert normalised(ours) == normalised(theirs), line
