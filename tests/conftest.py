"""Shared fixtures: isolated settings, opened services, and a dpytest-driven bot."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio
from discord.ext.test import backend

from bot.config import Settings
from bot.services import Services
from tests.helpers.dpytest import configured_bot, thread_data
from tests.helpers.paths import REPO

SEEDS = REPO / "seeds"


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of the repository's seeds/, so tests may add or break files."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, seeds_dir: Path) -> Settings:
    """Settings pointing at a temporary database and seed copy, ignoring any .env file."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        seeds_dir=seeds_dir,
        database_path=tmp_path / "data" / "seminar.db",
        timezone="Europe/London",
    )


@pytest_asyncio.fixture
async def services(settings: Settings):
    svc = await Services.open(settings)
    yield svc
    await svc.close()


async def _configured_bot(settings: Settings):
    return await configured_bot(settings)


@pytest_asyncio.fixture
async def dpy_bot(settings: Settings, dpytest_compat: None):
    """A bot with every cog loaded, driven by dpytest; members "student" and "teacher"."""
    bot = await _configured_bot(settings)
    yield bot
    await dpytest.empty_queue()
    await bot.services.close()


@pytest.fixture
def dpytest_compat(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Work around dpytest 0.7 gaps with discord.py 2.7, for every dpytest test.

    These patches reach into ``discord.state.ConnectionState`` and dpytest's ``FakeHttp``,
    so the test extra pins exactly the versions they were written for (``dpytest==0.7.0``,
    ``discord.py==2.7.1`` in pyproject.toml); a new version needs them re-checked.

    * Reaction events are built without the ``type`` field discord.py 2.7 reads.
    * The embeds of a message that has files are dropped: read them from ``payload_json``.
    * Opening a thread on a message is not implemented: open one as Discord does.
    * ``history(after=…)`` only works from the id of a message in that very channel, and
      returns it too; Discord takes any snowflake and returns the newer messages, newest first.

    dpytest also writes each attachment to ``./dpytest_N.dat``; run from ``tmp_path`` so the
    files land there and a test can read an attachment back (``attachment_bytes``).
    """
    monkeypatch.chdir(tmp_path)
    original_reaction = discord.state.ConnectionState.parse_message_reaction_add

    def parse_reaction(self, data):
        data.setdefault("type", 0)
        return original_reaction(self, data)

    monkeypatch.setattr(discord.state.ConnectionState, "parse_message_reaction_add", parse_reaction)
    original_send = backend.FakeHttp.send_message

    async def send_message(self, channel_id, *, params):
        channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841 (dpytest reads it)
        if params.payload is None and params.multipart:
            for part in params.multipart:
                if part.get("name") == "payload_json":
                    params = params._replace(payload=json.loads(part["value"]))
        return await original_send(self, channel_id, params=params)

    monkeypatch.setattr(backend.FakeHttp, "send_message", send_message)
    original_logs = backend.FakeHttp.logs_from

    async def logs_from(self, channel_id, limit, before=None, after=None, around=None):
        if after is None or before is not None or around is not None:
            return await original_logs(self, channel_id, limit, before, after, around)
        messages = backend._cur_config.messages.get(channel_id, [])
        newer = sorted((m for m in messages if int(m["id"]) > after), key=lambda m: int(m["id"]))
        return list(reversed(newer[:limit]))

    monkeypatch.setattr(backend.FakeHttp, "logs_from", logs_from)

    async def start_thread_with_message(self, channel_id, message_id, *, name, **_options):
        # dpytest has no threads: Discord opens one with the message's id and announces it.
        parent = self.state.get_channel(int(channel_id))
        data = thread_data(parent.guild, parent.id, self.state.user.id, name, message_id)
        parent.guild._add_thread(discord.Thread(guild=parent.guild, state=self.state, data=data))
        return data

    monkeypatch.setattr(
        backend.FakeHttp, "start_thread_with_message", start_thread_with_message, raising=False
    )
