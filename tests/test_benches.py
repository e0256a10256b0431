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
