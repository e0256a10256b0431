"""A bot process that a test kills for real (SIGKILL) at one step of posting a prompt.

Run as ``python -m tests.helpers.kill_child DB SEEDS WORLD STEP MINUTES``. It opens the services on
``DB`` with a fake clock set ``MINUTES`` after a fixed start, posts into ``WORLD`` (a JSON-lines
file standing in for Discord, which outlives the process) and, at ``STEP``, kills itself:

* ``schedule``: schedule a prompt one hour ahead, then exit normally;
* ``before_send`` / ``after_send``: SIGKILL inside the send, before or after the message lands;
* ``after_record``: SIGKILL right after the scheduler recorded the post;
* ``run``: no kill; let everything due be posted, then exit normally.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.core.registry import dispatch
from bot.features.prompts.posting import PostRequest, PostResult
from bot.services import Services
from tests.helpers.clock import FakeClock
from tests.helpers.prompt_fakes import TEACHER

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def die() -> None:
    """What a power cut does: no finally blocks, no flush, no close."""
    os.kill(os.getpid(), signal.SIGKILL)


class FilePoster:
    """Posts by appending a JSON line to ``world``; kills the process at the chosen step."""

    def __init__(self, world: Path, step: str) -> None:
        self.world, self.step = world, step

    def _messages(self) -> list[dict]:
        if not self.world.exists():
            return []
        return [json.loads(line) for line in self.world.read_text().splitlines() if line]

    async def post(self, request: PostRequest) -> PostResult:
        if self.step == "before_send":
            die()
        mid = 1000 + len(self._messages())
        with self.world.open("a") as fh:
            fh.write(json.dumps({"id": mid, "marker": request.marker, "q": request.question}))
            fh.write("\n")
        if self.step == "after_send":
            die()
        return PostResult(mid, None)

    async def find_existing(self, channel_id: int, marker: str, since: datetime):
        for message in self._messages():
            if message["marker"] == marker:
                return PostResult(message["id"], None)
        return None

    async def notify(self, target, reply) -> None:
        with self.world.open("a") as fh:
            fh.write(json.dumps({"id": -1, "marker": "notice", "q": reply.title}) + "\n")

    async def check_channel(self, guild_id: int | None, channel_id: int) -> list[str]:
        return []


async def main(db: str, seeds: str, world: str, step: str, minutes: int) -> None:
    settings = Settings(_env_file=None, database_path=Path(db), seeds_dir=Path(seeds))
    clock = FakeClock(START + timedelta(minutes=minutes))
    svc = await Services.open(settings, clock=clock)
    svc.scheduler.retry_delays = (0.0, 0.0)
    svc.scheduler.attach(FilePoster(Path(world), step))
    await svc.scheduler.start()
    await svc.scheduler.settle()
    if step == "schedule":
        reply = await dispatch(svc, TEACHER, "prompt schedule", "+1h Asked exactly once?")
        print(reply.title, flush=True)
    elif step == "after_record":
        die()
    await svc.close()


if __name__ == "__main__":
    db, seeds, world, step, minutes = sys.argv[1:6]
    asyncio.run(main(db, seeds, world, step, int(minutes)))
