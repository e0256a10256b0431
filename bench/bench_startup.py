"""Start-up and a live reading list: the bot against a bare discord.py bot, same venv, same run.

Figures (issue 16), each as a ratio to the baseline measured in the same run:

* start to first answer with 1 and with 500 readings (target <= 2x): a fresh process that
  builds the bot, runs ``setup_hook`` (database, library, every cog; no login) and answers
  ``!readings`` rendered as Discord embeds. The baseline process imports discord.py, builds
  a ``commands.Bot`` with one command, runs its ``setup_hook`` and renders one embed.
* idle RSS after start (target <= 2.5x): ``VmRSS`` of those processes once start-up work
  in the background has finished (citations rendered, summaries read back or computed).
* installed size of the venv (reported).
* a restart with 500 unchanged readings: the second process over the same database reports
  what it computed (summaries from the database vs computed; themes; citations rendered).
* ``!readings add`` of a 40-page PDF: time until the add answers, then ``!summary`` and
  ``!cite`` for the new reading.

Run: python -m bench.bench_startup [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import WORDS, write_readings

REPO = Path(__file__).resolve().parent.parent
ANSWER = "FIRST-ANSWER"
WORKER_IDLE_S = 2.0


# ------------------------------------------------------------------ child processes


def _rss_kib(pid: int | str = "self", field: str = "VmRSS") -> int:
    """``VmRSS`` (or ``RssAnon``, ``RssFile``) of a process in KiB (0 if it has gone)."""
    try:
        status = open(f"/proc/{pid}/status", encoding="ascii")  # noqa: SIM115
    except FileNotFoundError:
        return 0
    with status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


async def _child_ours(seeds: str, database: str) -> None:
    from bot.app import create_bot
    from bot.config import Settings
    from bot.core.registry import Actor, dispatch
    from cogs._common import build_embeds

    settings = Settings(_env_file=None, seeds_dir=Path(seeds), database_path=Path(database))
    bot = create_bot(settings)
    await bot.setup_hook()
    reply = await dispatch(bot.services, Actor(user_id=1, name="bench"), "readings", "")
    embeds = build_embeds(reply)
    print(ANSWER, len(embeds), flush=True)
    started = time.perf_counter()
    services = bot.services
    # The worker process stops after 60 s without work by default; 2 s here, so the bench
    # sees the bot idle without waiting a minute per run (the same code path).
    services.compute.idle_s = WORKER_IDLE_S
    await services.citations.wait_ready()
    await services.intake.wait_idle()
    background_s = time.perf_counter() - started
    worker_kib = sum(_rss_kib(pid) for pid in services.compute.pids())
    busy_kib = _rss_kib()
    for _ in range(200):
        if not services.compute.alive:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    themes_cached = sum(1 for r in services.library if services.themes.cached(r) is not None)
    report = {
        "rss_kib": _rss_kib(),
        # Clean file-backed pages (mini-racer's library, ICU data once V8 ran) are shared
        # and reclaimable; the anonymous part is the bot's own memory.
        "rss_anon_kib": _rss_kib(field="RssAnon"),
        "rss_file_kib": _rss_kib(field="RssFile"),
        "v8_started": services.citations.citeproc.starts,
        "rss_at_background_end_kib": busy_kib,
        "worker_rss_at_background_end_kib": worker_kib,
        "worker_alive_when_idle": services.compute.alive,
        "worker_processes_started": services.compute.started,
        "background_s": background_s,
        "summaries_from_db": services.warm_stats.loaded,
        "summaries_computed": services.warm_stats.computed,
        "themes_from_db": services.theme_stats.loaded,
        "themes_computed": services.theme_stats.computed,
        "themes_ready": themes_cached,
        "citations_rendered": len(services.citations._cache),
    }
    print(json.dumps(report), flush=True)
    await services.close()


async def _child_bare() -> None:
    import discord
    from discord.ext import commands

    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.command(name="readings")
    async def readings(ctx: commands.Context) -> None:  # the one command of a bare bot
        await ctx.send(embed=discord.Embed(title="Course readings", description="…"))

    await bot.setup_hook()
    embed = discord.Embed(title="Course readings (1)", description="`reading` — A title")
    print(ANSWER, len(embed), flush=True)
    await asyncio.sleep(1.0)
    print(json.dumps({"rss_kib": _rss_kib()}), flush=True)


# ------------------------------------------------------------------ the parent


def run_child(kind: str, *args: str) -> tuple[float, dict[str, object]]:
    """Seconds from spawn to the first answer, and what the child reported after it."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_startup", "--child", kind, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    if not first.startswith(ANSWER):
        proc.kill()
        raise RuntimeError(f"{kind}: no answer ({first!r})")
    report = json.loads(proc.stdout.readline())
    proc.wait(timeout=120)
    return elapsed, report


def seeds_folder(root: Path, count: int) -> Path:
    """The shipped seeds (1 reading, glossary, prompt bank), plus generated readings."""
    folder = root / f"seeds-{count}"
    shutil.copytree(REPO / "seeds", folder)
    if count > 1:
        write_readings(folder, count - 1)
    return folder


def venv_size_mb() -> float:
    total = 0
    for dirpath, _, files in os.walk(sys.prefix):
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total / 1_000_000


def forty_page_pdf(path: Path, pages: int = 40) -> Path:
    """A journal-style article of ``pages`` pages (tests' PDF maker), with an argument."""
    import random

    from tests.helpers.pdfmaker import Article

    rng = random.Random(5)

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(11)).capitalize() + "."

    body: list[tuple] = []
    for page in range(pages):
        body += [("h", f"{page + 1}. Findings from district {page + 1}")]
        body += [("p", [sentence() for _ in range(28)]), ("newpage",)]
    article = Article(
        title="Grassroots welfare and the state: volunteers in a changing city",
        front=["A. Researcher, Example University"],
        abstract=[
            "This article argues that volunteer networks extend the reach of the state.",
            "Drawing on fieldwork in three districts, we show how grants shape service.",
        ],
        body=body,
    )
    return article.build(path)


async def bench_add_pdf(root: Path) -> dict[str, object]:
    """``!readings add`` of a 40-page PDF, then ``!summary`` and ``!cite`` of it."""
    from bot.config import Settings
    from bot.core.registry import Actor, dispatch
    from bot.features.readings.intake import IncomingFile
    from bot.services import Services

    seeds = seeds_folder(root / "add", 1)
    pdf = forty_page_pdf(root / "week-7.pdf")
    settings = Settings(_env_file=None, seeds_dir=seeds, database_path=root / "add.db")
    services = await Services.open(settings)
    teacher = Actor(user_id=1, name="bench", is_instructor=True, guild_id=1, channel_id=1)
    try:
        await services.citations.wait_ready()
        start = time.perf_counter()
        reply = await dispatch(
            services,
            teacher,
            "readings add",
            {"attachment": [IncomingFile(pdf.name, pdf.read_bytes())]},
        )
        added = time.perf_counter() - start
        reading = services.library.find("grassroots welfare and the state")
        summary = await dispatch(services, teacher, "summary", reading.id)
        summarised = time.perf_counter() - start
        cite = await dispatch(services, teacher, "cite", f"apa {reading.id}")
        cited = time.perf_counter() - start
    finally:
        await services.close()
    return {
        "pdf_bytes": pdf.stat().st_size,
        "pages": 40,
        "words": len(reading.text.split()),
        "add_answered_s": round(added, 3),
        "summary_answered_s": round(summarised, 3),
        "cite_answered_s": round(cited, 3),
        "add_reply": reply.title,
        "summary_ok": bool(summary.body) and not summary.error,
        "cite_ok": not cite.error,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        asyncio.run(_child_ours(*rest) if kind == "ours" else _child_bare())
        return 0
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders = {1: seeds_folder(root, 1), 500: seeds_folder(root, 500)}
        bare = [run_child("bare") for _ in range(args.repeat)]
        bare_s = statistics.median(t for t, _ in bare)
        bare_rss = statistics.median(int(r["rss_kib"]) for _, r in bare)  # type: ignore[call-overload]
        result["bare_discord_py"] = {"first_answer_s": bare_s, "idle_rss_mib": bare_rss / 1024}
        for count, folder in folders.items():
            runs, restarts = [], []
            for i in range(args.repeat):
                db = root / f"db-{count}-{i}.db"  # a fresh database: a first start
                runs.append(run_child("ours", str(folder), str(db)))
                restarts.append(run_child("ours", str(folder), str(db)))  # same db: a restart
            result[f"readings_{count}"] = _start_figures(runs, bare_s, bare_rss)
            result[f"readings_{count}_restart"] = _start_figures(restarts, bare_s, bare_rss)
        shared = root / "restart.db"
        first = run_child("ours", str(folders[500]), str(shared))
        again = run_child("ours", str(folders[500]), str(shared))
        result["restart_500_unchanged"] = {
            "first_start": first[1],
            "restart": again[1],
            "restart_first_answer_s": round(again[0], 3),
        }
        result["add_40_page_pdf"] = asyncio.run(bench_add_pdf(root))
    result["venv_installed_mb"] = round(venv_size_mb(), 1)
    json.dump(result, sys.stdout, indent=2)
    print()
    for name in ("readings_1", "readings_500", "readings_1_restart", "readings_500_restart"):
        figures = result[name]
        assert isinstance(figures, dict)
        ok = figures["ratio_first_answer"] <= 2.0
        print(f"first answer, {name} (<= 2x): {'met' if ok else 'MISSED'}")
        ok = figures["ratio_idle_rss"] <= 2.5
        print(f"idle RSS, {name} (<= 2.5x): {'met' if ok else 'MISSED'}")
    return 0


def _start_figures(
    runs: list[tuple[float, dict[str, object]]], bare_s: float, bare_rss: float
) -> dict[str, object]:
    """Medians of some starts: first answer, idle RSS (all, anonymous) and their ratios."""

    def median(key: str) -> float:
        return statistics.median(float(r[key]) for _, r in runs)  # type: ignore[arg-type]

    first_s = statistics.median(t for t, _ in runs)
    rss = median("rss_kib")
    return {
        "first_answer_s": round(first_s, 3),
        "ratio_first_answer": round(first_s / bare_s, 2),
        "idle_rss_mib": round(rss / 1024, 1),
        "ratio_idle_rss": round(rss / bare_rss, 2),
        "idle_rss_anon_mib": round(median("rss_anon_kib") / 1024, 1),
        "idle_rss_file_mib": round(median("rss_file_kib") / 1024, 1),
        "background_after_start_s": round(median("background_s"), 2),
        "v8_started": [r.get("v8_started") for _, r in runs],
    }


if __name__ == "__main__":
    sys.exit(main())
