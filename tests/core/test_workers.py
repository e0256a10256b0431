"""The worker process: jobs run outside the bot's process, and a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.core.workers import ComputePool, WorkerFailed


def _pid() -> int:
    return os.getpid()


def _boom(message: str) -> None:
    raise ValueError(message)


def _die() -> None:
    os._exit(3)  # as if the worker were killed or ran out of memory


async def test_a_job_runs_in_another_process_and_returns_its_result() -> None:
    pool = ComputePool(idle_s=30)
    try:
        worker = await pool.run(_pid)
        assert worker != os.getpid()
        assert await pool.run(_pid) == worker  # one worker, reused
        assert pool.started == 1
        assert worker in pool.pids()
    finally:
        pool.close()


async def test_an_error_in_a_job_reaches_the_caller_and_the_worker_stays() -> None:
    pool = ComputePool(idle_s=30)
    try:
        with pytest.raises(ValueError, match="bad text"):
            await pool.run(_boom, "bad text")
        await pool.run(_pid)
        assert pool.started == 1
    finally:
        pool.close()


async def test_a_worker_that_dies_fails_its_job_and_the_next_job_gets_a_new_one() -> None:
    pool = ComputePool(idle_s=30)
    try:
        first = await pool.run(_pid)
        with pytest.raises(WorkerFailed, match="try the command again"):
            await pool.run(_die)
        second = await pool.run(_pid)
        assert second != first
        assert pool.started == 2
    finally:
        pool.close()


async def test_an_idle_worker_stops_and_its_memory_is_given_back() -> None:
    pool = ComputePool(idle_s=0.2)
    try:
        worker = await pool.run(_pid)
        for _ in range(100):
            if not pool.alive:
                break
            await asyncio.sleep(0.05)
        assert not pool.alive
        for _ in range(100):  # the process itself exits, not only our handle on it
            try:
                os.kill(worker, 0)
                os.waitpid(worker, os.WNOHANG)
            except (ProcessLookupError, ChildProcessError):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the idle worker process is still running")
        assert await pool.run(_pid) != worker  # the next job starts a new worker
    finally:
        pool.close()


BOT_WITH_A_WORKER = """
import asyncio, os
from bot.core.workers import ComputePool

async def main():
    pool = ComputePool(idle_s=300)
    print(await pool.run(os.getpid), flush=True)
    await asyncio.sleep(120)

if __name__ == "__main__":
    asyncio.run(main())
"""


@pytest.mark.slow
def test_a_killed_bot_leaves_no_worker_behind(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "bot_with_a_worker.py"
    script.write_text(BOT_WITH_A_WORKER, encoding="utf-8")
    bot = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(bot.stdout.readline())
        os.kill(worker, 0)  # the worker is up
    finally:
        bot.send_signal(signal.SIGKILL)  # no clean-up of any kind runs in the bot
        bot.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("the worker outlived the killed bot")


def _refuse() -> None:
    from bot.core.errors import BadArgument

    raise BadArgument("I could not read “blursday” as a time.", title="Unreadable time")


def _gone() -> None:
    from bot.core.errors import RemovedReading

    raise RemovedReading("`x` was removed from the readings.", reading_id="x")


async def test_a_refusal_in_the_worker_reaches_the_user_whole() -> None:
    from bot.core.errors import BadArgument

    pool = ComputePool(idle_s=30)
    try:
        with pytest.raises(BadArgument) as caught:
            await pool.run(_refuse)
        assert caught.value.title == "Unreadable time"
        assert caught.value.message == "I could not read “blursday” as a time."
        from bot.core.errors import RemovedReading

        with pytest.raises(RemovedReading) as removed:
            await pool.run(_gone)
        assert (removed.value.reading_id, removed.value.title) == ("x", "Reading removed")
    finally:
        pool.close()


def _wait_then(seconds: float, label: str) -> str:
    import time

    time.sleep(seconds)
    return label


async def test_a_commands_job_goes_before_background_work_that_waits() -> None:
    # A is running; B (the warm-up) asks next, C (a student's command) after it: with one
    # worker, C must not queue behind B.
    pool = ComputePool(idle_s=30)
    done: list[str] = []

    async def job(label: str, background: bool, seconds: float) -> None:
        run = pool.background if background else pool.run
        done.append(await run(_wait_then, seconds, label))

    try:
        await pool.run(_pid)  # the worker is up, so A starts at once
        a = asyncio.create_task(job("A", False, 1.5))
        await asyncio.sleep(0.3)
        b = asyncio.create_task(job("B", True, 0.0))
        await asyncio.sleep(0.3)
        c = asyncio.create_task(job("C", False, 0.0))
        await asyncio.gather(a, b, c)
        assert done == ["A", "C", "B"]
    finally:
        pool.close()
