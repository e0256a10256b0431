"""Every bench still imports: a bench that rots silently gives no figures when they matter."""

from __future__ import annotations

import importlib

import pytest

from tests.helpers.paths import REPO

BENCHES = sorted(p.stem for p in (REPO / "bench").glob("bench_*.py"))


def test_there_are_benches() -> None:
    assert len(BENCHES) >= 5


@pytest.mark.parametrize("name", BENCHES)
def test_a_bench_imports_and_has_a_main(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(getattr(module, "main", None))


def test_loop_lag_only_picks_commands_by_label() -> None:
    from bench.bench_loop_lag import parse_args, selected

    rows = [
        ("respond", "!respond 1 x", "student"),
        ("responses (50,000)", "!responses", "teacher"),
        ("participation since", "!participation 2026-02-01", "teacher"),
        ("privacy", "!privacy", "student"),
    ]
    args = parse_args(["2", "--only", "RESPONSES", "--only", "particip"])
    assert args.repeat == 2
    assert [r[0] for r in selected(rows, args.only)] == [
        "responses (50,000)",
        "participation since",
    ]
    assert selected(rows, parse_args([]).only) == rows
