"""Where the repository, its seeds and the test fixtures are, for tests at any depth."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPO_SEEDS = REPO / "seeds"
FIXTURES = REPO / "tests" / "fixtures"
