"""After ``!readings remove``: what refers to the reading keeps working and says it was removed.

An instructor posts a bank prompt about the shipped reading and schedules another, a student
answers, then the reading is removed. Every command that shows those prompts or answers
still works and names the reading as removed; asking for the reading itself says it was
removed and how to put it back, also after a restart.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import RemovedReading, UnknownReading
from bot.core.registry import Actor, dispatch
from bot.services import Services
from tests.features.readings.test_intake import RIS
from tests.helpers.clock import FakeClock
from tests.helpers.prompt_fakes import CHANNEL, GUILD, TEACHER, FakePoster, World

SHIPPED = "kan-ku-2021-serving-the-people"
REMOVED = f"{SHIPPED} (removed from the readings)"
STUDENT = Actor(user_id=8, name="student", guild_id=GUILD, channel_id=CHANNEL)
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def boot(settings, clock, world):
    svc = await Services.open(settings, clock=clock)
    svc.scheduler.attach(FakePoster(world))
    await svc.scheduler.start()
    await svc.scheduler.settle()
    return svc


@pytest.fixture
def clock():
    return FakeClock(NOW)


async def use_then_remove(settings, seeds_dir, clock, world):
    """Prompt 1 posted (answered by the student), plan 2 scheduled in an hour; then removed."""
    (seeds_dir / "gardens.ris").write_bytes(RIS)  # another reading stays on the list
    svc = await boot(settings, clock, world)
    await dispatch(svc, TEACHER, "prompt post", "kan-ku-cooptation-1")
    await dispatch(svc, TEACHER, "prompt schedule", "+1h kan-ku-cooptation-2")
    await dispatch(svc, STUDENT, "respond", "1 The quotation marks are ironic, I think.")
    reply = await dispatch(svc, TEACHER, "readings remove", SHIPPED)
    assert reply.title.startswith(f"Removed {SHIPPED}")
    return svc


@pytest.fixture
async def removed(settings, seeds_dir, clock):
    world = World()
    svc = await use_then_remove(settings, seeds_dir, clock, world)
    yield svc, world
    await svc.close()


def text_of(reply) -> str:
    return "\n".join([reply.title, reply.body, *(f"{f.name}\n{f.value}" for f in reply.fields)])


async def test_prompt_list_and_close_name_the_removed_reading(removed):
    svc, _ = removed
    listing = text_of(await dispatch(svc, TEACHER, "prompt list", ""))
    assert "Plan 2" in listing and "Prompt 1" in listing
    assert listing.count(REMOVED) == 2  # the scheduled plan and the open prompt
    closed = await dispatch(svc, TEACHER, "prompt close", "1")
    assert closed.title == "Closed prompt 1"
    assert ("Reading", REMOVED) in [(f.name, f.value) for f in closed.fields]


async def test_responses_participation_and_mydata_still_work(removed):
    svc, _ = removed
    one = await dispatch(svc, TEACHER, "responses", "1")
    assert "1 response from 1 student" in one.body
    assert ("Reading", REMOVED) in [(f.name, f.value) for f in one.fields]
    every = await dispatch(svc, TEACHER, "responses", "")
    rows = list(csv.DictReader(io.StringIO(every.files[0].data.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == ["The quotation marks are ironic, I think."]
    tally = await dispatch(svc, TEACHER, "participation", "")
    assert "student — 1 response" in tally.body
    mine = await dispatch(svc, STUDENT, "mydata", "")
    answers = json.loads(mine.files[0].data)["responses"]
    assert [a["text"] for a in answers] == ["The quotation marks are ironic, I think."]


async def test_the_scheduled_prompt_posts_and_names_the_removed_reading(removed, clock):
    svc, world = removed
    clock.advance(timedelta(hours=1))
    await svc.scheduler.settle()
    first, second = world.posted()
    assert first.reading == "Kan & Ku (2021)"  # posted while the reading was there
    assert second.question.startswith("What do social organizations gain")
    assert second.reading == REMOVED


async def test_asking_for_the_removed_reading_says_it_was_removed(removed):
    svc, _ = removed
    for path, args in (
        ("summary", SHIPPED),
        ("summary", "serving the people long"),
        ("summary", "kan medium"),
        ("cite", SHIPPED),
        ("cite", "mla serving the people"),
        ("themes", "kan"),
    ):
        with pytest.raises(RemovedReading) as caught:
            await dispatch(svc, STUDENT, path, args)
        assert caught.value.message.startswith(f"`{SHIPPED}` (“Serving the people"), path
        assert "was removed from the readings" in caught.value.message
        assert "`removed/`" in caught.value.message and "!readings reload" in caught.value.message
    # a reading that never existed is still "no reading matches"
    with pytest.raises(UnknownReading, match="No reading matches"):
        await dispatch(svc, STUDENT, "summary", "klingon grammar")


async def test_the_prompt_bank_still_lists_a_removed_readings_prompts(removed):
    svc, _ = removed
    bank = await dispatch(svc, TEACHER, "prompt bank", SHIPPED)
    assert bank.title.startswith(f"Prompt bank — {REMOVED}")
    assert "`kan-ku-cooptation-3`" in bank.body
    posted = await dispatch(svc, TEACHER, "prompt post", "kan-ku-cooptation-3")
    assert posted.title.startswith("Posted prompt")


async def test_after_a_restart_the_reading_is_still_known_as_removed(settings, seeds_dir, clock):
    world = World()
    await (await use_then_remove(settings, seeds_dir, clock, world)).close()
    again = await boot(settings, clock, world)
    try:
        with pytest.raises(RemovedReading, match="was removed from the readings"):
            await dispatch(again, STUDENT, "summary", SHIPPED)
        listing = text_of(await dispatch(again, TEACHER, "prompt list", ""))
        assert REMOVED in listing
    finally:
        await again.close()


async def test_putting_the_files_back_restores_the_reading(removed, seeds_dir):
    svc, _ = removed
    for path in (seeds_dir / "removed").iterdir():
        path.rename(seeds_dir / path.name)
    await dispatch(svc, TEACHER, "readings reload", "")
    assert SHIPPED not in svc.library.removed
    listing = text_of(await dispatch(svc, TEACHER, "prompt list", ""))
    assert "Kan & Ku (2021)" in listing and "removed from the readings" not in listing
    summary = await dispatch(svc, STUDENT, "summary", SHIPPED)
    assert summary.title.startswith("Kan & Ku (2021)")
