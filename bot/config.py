"""Settings read from the environment and ``.env`` (pydantic-settings).

One place defines every knob, its default and what a bad value means, so that start-up can
stop with a single line naming the variable instead of a traceback later on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from bot.features.readings.fulltext import PdfLimits

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class Settings(BaseSettings):
    """Everything the bot can be told at start-up; see ``.env.example`` for each variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="the bot's token")
    command_prefix: str = Field(default="!", min_length=1, max_length=5)
    seeds_dir: Path = Path("seeds")
    database_path: Path = Path("data/seminar.db")
    timezone: str = "UTC"
    instructor_role: str = "Instructor"
    log_level: str = "INFO"
    catchup_grace_hours: float = Field(default=6.0, ge=0)
    max_schedule_days_ahead: int = Field(default=366, ge=1)
    max_active_plans_per_guild: int = Field(default=500, ge=1)
    min_recurrence_minutes: int = Field(default=60, ge=1)
    prompt_response_hours: float = Field(default=168.0, gt=0)
    # A seed text file is read up to this size, an export up to this many records; the rest
    # is cut with a warning (bounded memory whatever lands in seeds/).
    max_seed_file_mb: float = Field(default=10.0, gt=0, le=1024)
    max_records_per_file: int = Field(default=2000, ge=1)
    pdf_max_mb: float = Field(default=50.0, gt=0, description="largest PDF read, in MB")
    pdf_max_inflated_mb: float = Field(
        default=64.0, gt=0, description="most a PDF's compressed text streams may inflate to"
    )
    pdf_timeout_seconds: float = Field(default=60.0, gt=0, description="time to read one PDF")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time-zone name such as Europe/London") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in LOG_LEVELS:
            raise ValueError("expected one of " + ", ".join(LOG_LEVELS))
        return upper

    @property
    def pdf_limits(self) -> PdfLimits:
        """The per-PDF budgets (size, inflated streams, time) as the PDF reader takes them."""
        from bot.features.readings.fulltext import PdfLimits

        return PdfLimits(
            max_bytes=int(self.pdf_max_mb * 1024 * 1024),
            max_inflated_bytes=int(self.pdf_max_inflated_mb * 1024 * 1024),
            max_seconds=self.pdf_timeout_seconds,
        )

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    def ensure_dirs(self) -> None:
        """Create the database's parent folder, so a fresh checkout just works."""
        self.database_path.parent.mkdir(parents=True, exist_ok=True)


def describe_error(exc: ValidationError) -> str:
    """Turn a pydantic validation error into one line naming the variable and what it expects."""
    parts = []
    for err in exc.errors():
        name = str(err["loc"][0]).upper() if err["loc"] else "SETTINGS"
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message} (got {err.get('input')!r})")
    return "Bad setting: " + "; ".join(parts)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, raising ``SystemExit`` with a one-line message when a value is bad."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SystemExit(describe_error(exc)) from None
    settings.ensure_dirs()
    return settings
