"""The response tests' database (a real SQLite file), clock and log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.features.responses.log import ResponseLog
from bot.storage import Database
from tests.helpers.clock import FakeClock
from tests.helpers.responses import T0


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "responses.db")
    yield database
    await database.close()


@pytest.fixture
def clock():
    return FakeClock(T0 + timedelta(hours=1))


@pytest.fixture
async def rlog(db, clock):
    response_log = ResponseLog(db, clock)
    yield response_log
    await response_log.aclose()
