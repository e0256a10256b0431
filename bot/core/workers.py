"""A worker *process* for CPU work that would hold the interpreter lock for long.

Why a process and not a thread: the costly steps of a summary or a theme list (the sentence
splitter's regular expressions over a 20,000-word text, lemmatising every word) are long C
calls that keep the GIL, so a worker thread stalls the event loop for as long as they run
(measured: 107-365 ms per call, ``bench/bench_loop_lag.py``). A separate process has its own
interpreter lock; the loop only pickles the arguments and awaits the result.

The process is started on first use (``spawn``: a fresh interpreter that imports only what a
job needs, so the bot's own process never loads the sentence splitter, the lemma tables or
the word-frequency lists), and is stopped again after :data:`IDLE_SHUTDOWN_S` without work,
so an idle bot carries none of that memory. The bot's pool has two: the warm-up after a
start keeps one busy (one job at a time, giving way to commands: :meth:`ComputePool.background`),
and a command's job (a first summary, a time to read) takes the other at once.

Jobs are plain module-level functions with picklable arguments and results
(``concurrent.futures`` rules). A worker that dies mid-job (killed, out of memory) raises
:class:`WorkerFailed` for that job; the next job starts a fresh worker.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds without a job after which the worker process exits (its memory goes back to the
# system); the next job starts a new one (~0.3-1 s of imports, in the worker, never the loop).
IDLE_SHUTDOWN_S = 60.0
SHARED_WORKERS = 2  # the bot's pool: one for the warm-up, one free for commands
BACKGROUND_POLL_S = 0.05  # how often a background job looks whether commands still wait


PARENT_CHECK_S = 1.0  # how often a worker checks that the bot that started it is alive


def _worker_init(parent: int) -> None:
    """Set a worker up: Ctrl-C is the bot's to handle, and the worker dies with the bot.

    A worker blocked waiting for work does not notice that the bot was killed (SIGKILL, an
    out-of-memory kill): it would live on as an orphan holding its memory. A daemon thread
    checks the parent's pid every second and ends the worker once it has gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class WorkerFailed(RuntimeError):
    """The worker process died while running a job (the job's result is lost)."""


class ComputePool:
    """One lazily started worker process; ``await pool.run(fn, *args)`` runs ``fn`` there.

    Thread-safe: jobs may be submitted from the loop and from worker threads. ``close()``
    stops the process (waiting for nothing); a later ``run`` starts a new one.
    """

    def __init__(self, *, idle_s: float = IDLE_SHUTDOWN_S, workers: int = 1) -> None:
        self.idle_s = idle_s
        self.workers = workers
        self.started = 0  # processes started so far (tests and benches read it)
        self.jobs = 0  # jobs run so far
        self._executor: ProcessPoolExecutor | None = None
        self._running = 0
        self._foreground = 0  # commands' jobs queued or running (background jobs give way)
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        """Whether a worker process is up now."""
        return self._executor is not None

    def pids(self) -> list[int]:
        """Process ids of the live workers (for RSS figures in the benches)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None) or {}
        return [p.pid for p in list(processes.values()) if p.pid is not None]

    def _acquire(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_init,
                    initargs=(os.getpid(),),
                )
                self.started += 1
            self._running += 1
            return self._executor

    def _release(self, executor: ProcessPoolExecutor, broken: bool) -> None:
        with self._lock:
            self._running -= 1
            self.jobs += 1
            if broken and self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            if self._running == 0 and self._executor is not None and self._timer is None:
                self._timer = threading.Timer(self.idle_s, self._idle_stop)
                self._timer.daemon = True
                self._timer.start()

    def _idle_stop(self) -> None:
        with self._lock:
            self._timer = None
            if self._running or self._executor is None:
                return
            executor, self._executor = self._executor, None
        executor.shutdown(wait=False, cancel_futures=True)
        log.debug("compute worker stopped after %.0f s idle", self.idle_s)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the worker process; raises what ``fn`` raised, or ``WorkerFailed``.

        A command's job: background jobs (:meth:`background`) wait while one is queued.
        """
        self._foreground += 1
        try:
            return await self._run(fn, *args)
        finally:
            self._foreground -= 1

    async def background(self, fn: Callable[..., T], *args: Any) -> T:
        """``run``, for precomputing: it starts only when no command's job is waiting.

        With one worker a command then waits at most for the background job already
        running, not for a queue of them (callers keep each background job short).
        """
        while self._foreground:
            await asyncio.sleep(BACKGROUND_POLL_S)
        return await self._run(fn, *args)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        executor = self._acquire()
        broken = False
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except BrokenProcessPool as exc:
            broken = True
            raise WorkerFailed(
                "the worker process stopped while computing; try the command again"
            ) from exc
        finally:
            self._release(executor, broken)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the worker process, waiting in *this* thread (not the loop)."""
        executor = self._acquire()
        broken = False
        try:
            return executor.submit(fn, *args).result()
        except BrokenProcessPool as exc:
            broken = True
            raise WorkerFailed("the worker process stopped while computing") from exc
        finally:
            self._release(executor, broken)

    def close(self) -> None:
        """Stop the worker now (a job still running is abandoned)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        """``close()`` for ``Services.close`` (which awaits each component's ``aclose``)."""
        self.close()


_SHARED: ComputePool | None = None
_SHARED_LOCK = threading.Lock()


def shared_pool() -> ComputePool:
    """The process's one :class:`ComputePool` (every ``Services`` of a process shares it).

    One pool per bot process, whatever opens it (Discord, the console, the tests), of up to
    ``SHARED_WORKERS`` processes: the start-up warm-up runs one job at a time (a long text's
    summary takes seconds), so a command's job always finds a second process free instead
    of waiting behind it (``!prompt schedule`` right after a start waited 10–17 s with one).
    The second process starts only when two jobs overlap; both stop themselves when idle,
    and ``concurrent.futures`` joins them at interpreter exit.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ComputePool(workers=SHARED_WORKERS)
        return _SHARED
