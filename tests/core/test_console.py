"""The console front, driven through a real subprocess as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(args: list[str], stdin: str, tmp_path: Path, seeds: Path, **env: str):
    environment = {
        **os.environ,
        "SEEDS_DIR": str(seeds),
        "DATABASE_PATH": str(tmp_path / "db" / "seminar.db"),
        "DISCORD_TOKEN": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        cwd=tmp_path,
    )


def test_console_answers_readings_and_summary(tmp_path, seeds_dir):
    result = run_cli(["console"], "!readings\n!summary\n", tmp_path, seeds_dir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "kan-ku-2021-serving-the-people" in out
    assert "> Drawing on a case study in Kunming, this article argues" in out
    assert "\x1b[" not in out  # no colour codes when piped
    assert "> " not in out.splitlines()[0]  # no input prompt when piped


def test_console_survives_bad_input_and_exits_zero_at_eof(tmp_path, seeds_dir):
    stdin = (
        "!nonsense\n!sumary kan\n!summary klingon\n!summary " + "y" * 3000 + "\n"
        "!summary @everyone <@&42>\n!@here\n!prompt post @everyone-bank-id\n!readings\n"
    )
    result = run_cli(["console"], stdin, tmp_path, seeds_dir)
    assert result.returncode == 0
    assert "There is no command `!nonsense`" in result.stdout
    assert "There is no command `!sumary`. Did you mean `!help summary`?" in result.stdout
    assert "No reading matches “klingon”" in result.stdout
    assert "too long" in result.stdout
    # Errors that repeat what was typed never show it as a ping, in the console too.
    assert "@everyone" not in result.stdout and "<@&42>" not in result.stdout
    assert "@here" not in result.stdout
    assert result.stdout.count("Course readings (1)") == 1
    assert "Traceback" not in result.stderr


def test_run_without_token_says_how_to_set_it(tmp_path, seeds_dir):
    result = run_cli(["run"], "", tmp_path, seeds_dir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0] and "seminar-bot console" in lines[0]


def test_bad_setting_stops_start_up_with_one_line(tmp_path, seeds_dir):
    result = run_cli(["console"], "", tmp_path, seeds_dir, TIMEZONE="Mars/Olympus")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "TIMEZONE" in lines[0] and "IANA" in lines[0]


def test_seeds_check_prints_readings_and_fails_on_a_broken_file(tmp_path, seeds_dir):
    ok = run_cli(["seeds", "check"], "", tmp_path, seeds_dir)
    assert ok.returncode == 0, ok.stdout
    assert "authors:   Karita Kan; Hok Bun Ku" in ok.stdout
    (seeds_dir / "broken.ris").write_text("TY  - JOUR\nTI  - never closed\n")
    bad = run_cli(["seeds", "check"], "", tmp_path, seeds_dir)
    assert bad.returncode == 1
    assert "warning: broken.ris: line 1: record has no closing ER line; read whole" in bad.stdout


def test_seeds_check_of_a_missing_folder_fails(tmp_path):
    result = run_cli(["seeds", "check"], "", tmp_path, tmp_path / "no-such-folder")
    assert result.returncode == 1
    assert "the seeds folder does not exist" in result.stdout


def test_a_group_without_a_known_subcommand_lists_its_subcommands(tmp_path, seeds_dir):
    stdin = "!prompt\n!prompt shedule\n!help sumary\n!help frobnicate\n!help prompt\n"
    result = run_cli(["console", "--instructor"], stdin, tmp_path, seeds_dir)
    assert result.returncode == 0
    assert "`prompt` needs a subcommand" in result.stdout
    assert "Did you mean `!prompt schedule`?" in result.stdout
    assert "is not a command" not in result.stdout
    # !help of a topic that is no command names the nearest ones, not the whole list
    assert "There is no command `!sumary`. Did you mean `!help summary`?" in result.stdout
    assert "There is no command `!frobnicate`. `!help` lists every command." in result.stdout
    assert "Commands\n========" not in result.stdout
    assert "`!prompt schedule <when>" in result.stdout  # !help prompt: its subcommands
