"""Settings: defaults, environment, and one-line errors for bad values."""

from __future__ import annotations

import pytest

from bot.config import Settings, load_settings


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("COMMAND_PREFIX", "TIMEZONE", "INSTRUCTOR_ROLE", "DATABASE_PATH", "SEEDS_DIR"):
        monkeypatch.delenv(name, raising=False)
    s = Settings(_env_file=None)
    assert s.command_prefix == "!"
    assert s.timezone == "UTC"
    assert s.instructor_role == "Instructor"
    assert str(s.database_path) == "data/seminar.db"
    assert s.discord_token is None


def test_environment_and_database_folder_created(monkeypatch, tmp_path):
    monkeypatch.setenv("TIMEZONE", "Europe/London")
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "new" / "bot.db"))
    s = load_settings()
    assert s.tz.key == "Europe/London"
    assert (tmp_path / "new").is_dir()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TIMEZONE", "Nowhere/Land", "IANA"),
        ("LOG_LEVEL", "LOUD", "DEBUG"),
        ("CATCHUP_GRACE_HOURS", "-1", "CATCHUP_GRACE_HOURS"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exc:
        load_settings()
    message = str(exc.value)
    assert name in message and expected in message
    assert "\n" not in message


def test_token_is_secret(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def")
    s = Settings(_env_file=None)
    assert "abc.def" not in repr(s)
    assert s.discord_token.get_secret_value() == "abc.def"
