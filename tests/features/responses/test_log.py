"""The response log's rules, tested on a real SQLite file with an injected clock."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import BadArgument, StorageError
from bot.features.responses.log import Incoming, Outcome, ResponseLog
from bot.features.responses.personal import PersonalData
from bot.features.responses.reports import ResponseReports, escape_cell, parse_since
from tests.helpers.responses import T0, add_post

THREAD = 555
POST_MESSAGE = 444


def msg(text="I think so.", *, user=7, name="Ada", message_id=1, minutes=5, **where):
    where.setdefault("thread_id", THREAD)
    return Incoming(
        user_id=user,
        display_name=name,
        text=text,
        source=where.pop("source", "thread"),
        created_at=T0 + timedelta(minutes=minutes),
        guild_id=1,
        channel_id=where.pop("channel_id", THREAD),
        message_id=message_id,
        **where,
    )


async def test_thread_reply_and_command_are_logged_once(db, rlog):
    post_id = await add_post(db, thread_id=THREAD, message_id=POST_MESSAGE)

    in_thread = await rlog.log(msg(message_id=1))
    again = await rlog.log(msg(message_id=1))
    as_reply = await rlog.log(
        msg("By reply.", message_id=2, thread_id=None, reply_to=POST_MESSAGE, source="reply")
    )
    by_command = await rlog.log(
        msg("By command.", message_id=None, thread_id=None, post_id=post_id, source="command")
    )

    assert in_thread.outcome is Outcome.LOGGED and in_thread.post.id == post_id
    assert again.outcome is Outcome.DUPLICATE
    assert as_reply.logged and by_command.logged
    rows = await ResponseReports(rlog).rows(post_id=post_id)
    assert [(r.text, r.source) for r in rows] == [
        ("I think so.", "thread"),
        ("By reply.", "reply"),
        ("By command.", "command"),
    ]


async def test_message_outside_any_prompt_is_not_logged(db, rlog):
    await add_post(db, thread_id=THREAD)
    result = await rlog.log(msg(thread_id=999))
    assert result.outcome is Outcome.NO_POST
    assert await ResponseReports(rlog).rows() == []


async def test_late_when_written_after_close(db, rlog):
    timed = await add_post(db, thread_id=1, closes_at=T0 + timedelta(minutes=30))
    closed = await add_post(db, thread_id=2, closed_at=T0 + timedelta(minutes=10))

    on_time = await rlog.log(msg(message_id=1, thread_id=1, minutes=29))
    after_deadline = await rlog.log(msg(message_id=2, thread_id=1, minutes=31))
    before_close = await rlog.log(msg(message_id=3, thread_id=2, minutes=9))
    after_close = await rlog.log(msg(message_id=4, thread_id=2, minutes=11))

    assert (on_time.late, after_deadline.late) == (False, True)
    assert (before_close.late, after_close.late) == (False, True)
    assert [r.late for r in await ResponseReports(rlog).rows(post_id=timed)] == [False, True]
    assert [r.late for r in await ResponseReports(rlog).rows(post_id=closed)] == [False, True]


async def test_opted_out_student_is_not_logged_until_opting_in(db, rlog):
    await add_post(db, thread_id=THREAD)
    await PersonalData(rlog).optout(7, guild_id=1)

    skipped = await rlog.log(msg(message_id=1))
    other_student = await rlog.log(msg(user=8, name="Bo", message_id=2))
    assert skipped.outcome is Outcome.OPTED_OUT
    assert other_student.logged

    assert await PersonalData(rlog).optin(7, guild_id=1) == 1
    assert (await rlog.log(msg(message_id=3))).logged
    assert [r.user_id for r in await ResponseReports(rlog).rows()] == [8, 7]


async def test_optout_from_a_dm_applies_in_every_server(db, rlog):
    await add_post(db, thread_id=THREAD, guild_id=1)
    await add_post(db, thread_id=THREAD + 1, guild_id=2)
    await PersonalData(rlog).optout(7, guild_id=None)

    assert (await rlog.log(msg(message_id=1))).outcome is Outcome.OPTED_OUT
    assert (await rlog.log(msg(message_id=2, thread_id=THREAD + 1))).outcome is Outcome.OPTED_OUT
    assert await PersonalData(rlog).is_opted_out(7, 2)


async def test_edit_and_delete_keep_history(db, rlog, clock):
    post_id = await add_post(db, thread_id=THREAD)
    await rlog.log(msg("First thought.", message_id=1))

    assert await rlog.edit(1, "Second thought.", T0 + timedelta(minutes=20))
    assert not await rlog.edit(1, "Second thought.")  # embed unfurl: same text, no history
    assert await rlog.delete(1, T0 + timedelta(minutes=30))
    assert not await rlog.edit(1, "After deletion.")
    assert not await rlog.edit(999, "Never logged.")

    [row] = await ResponseReports(rlog).rows(post_id=post_id)
    assert row.text == "Second thought."
    assert row.edited_at == T0 + timedelta(minutes=20)
    assert row.deleted_at == T0 + timedelta(minutes=30)
    exported = json.loads(await ResponseReports(rlog).export_json(post_id=post_id))
    assert [(h["kind"], h["previous_text"]) for h in exported[0]["history"]] == [
        ("edit", "First thought."),
        ("delete", "Second thought."),
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_are_escaped(start):
    assert escape_cell(start + "SUM(A1)") == "'" + start + "SUM(A1)"


async def test_csv_export_escapes_formulas_and_keeps_everything_else(db, rlog):
    await add_post(db, thread_id=THREAD, question="=IMPORTXML(evil)")
    texts = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", 'plain, with "quotes"']
    for i, text in enumerate(texts, start=1):
        await rlog.log(msg(text, message_id=i, name="@mallory" if i == 1 else "Ada"))

    data = await ResponseReports(rlog).export_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["text"] for row in table] == ["'" + t for t in texts[:5]] + [texts[5]]
    assert table[0]["display_name"] == "'@mallory"
    assert table[0]["question"] == "'=IMPORTXML(evil)"
    assert {row["source"] for row in table} == {"thread"}
    assert table[0]["student_id"] == "7"


async def test_participation_counts_responses_and_words(db, rlog):
    await add_post(db, thread_id=THREAD)
    await rlog.log(msg("one two three", user=7, name="Ada", message_id=1, minutes=1))
    await rlog.log(msg("four five", user=7, name="Ada L.", message_id=2, minutes=50))
    await rlog.log(msg("six", user=8, name="Bo", message_id=3, minutes=51))
    await rlog.log(msg("gone now", user=9, name="Cy", message_id=4, minutes=52))
    await rlog.delete(4)

    everyone = await ResponseReports(rlog).participation(1)
    assert [(p.display_name, p.responses, p.words) for p in everyone] == [
        ("Ada L.", 2, 5),
        ("Bo", 1, 1),
    ]
    recent = await ResponseReports(rlog).participation(1, since=T0 + timedelta(minutes=30))
    assert [(p.display_name, p.responses, p.words) for p in recent] == [
        ("Ada L.", 1, 2),
        ("Bo", 1, 1),
    ]
    assert await ResponseReports(rlog).participation(2) == []


def test_parse_since_reads_dates_and_relative_times():
    tz = ZoneInfo("America/New_York")
    now = T0  # 2024-03-05 10:00 UTC = 05:00 in New York
    assert parse_since("2024-03-01", now, tz).isoformat() == "2024-03-01T00:00:00-05:00"
    assert parse_since("3 days ago", now, tz) == now - timedelta(days=3)
    with pytest.raises(BadArgument):
        parse_since("the day the music died", now, tz)
    with pytest.raises(BadArgument):
        parse_since("2030-01-01", now, tz)


async def test_a_burst_is_logged_completely_in_few_transactions(db, rlog):
    await add_post(db, thread_id=THREAD)
    burst = [msg(f"answer {i}", user=i, message_id=i) for i in range(1, 1501)]

    results = await asyncio.gather(*(rlog.log(item) for item in burst))

    assert all(r.logged for r in results)
    assert len({r.response_id for r in results}) == 1500
    rows = await ResponseReports(rlog).rows()
    assert sorted(r.message_id for r in rows) == list(range(1, 1501))
    by_message = {r.message_id: r.id for r in rows}
    assert all(by_message[i] == results[i - 1].response_id for i in range(1, 1501))


async def test_one_bad_row_does_not_sink_the_rest_of_its_batch(db, rlog):
    await add_post(db, thread_id=THREAD)
    good = [msg(f"fine {i}", message_id=i) for i in range(1, 5)]
    bad = msg("broken", message_id=99, name=None)  # NOT NULL display_name

    outcomes = await asyncio.gather(*(rlog.log(m) for m in [*good, bad]), return_exceptions=True)

    assert all(o.logged for o in outcomes[:4])
    assert isinstance(outcomes[4], StorageError)
    assert sorted(r.message_id for r in await ResponseReports(rlog).rows()) == [1, 2, 3, 4]


async def test_close_commits_pending_and_then_refuses(db, clock):
    await add_post(db, thread_id=THREAD)
    response_log = ResponseLog(db, clock)
    pending = [asyncio.ensure_future(response_log.log(msg(message_id=i))) for i in range(1, 50)]
    await asyncio.sleep(0)
    await response_log.aclose()
    assert all(p.result().logged for p in pending)
    with pytest.raises(StorageError):
        await response_log.log(msg(message_id=100))
    assert len(await ResponseReports(ResponseLog(db, clock)).rows()) == 49


async def test_catch_up_targets_name_open_threads_and_last_logged_message(db, rlog, clock):
    open_post = await add_post(db, thread_id=THREAD)
    await add_post(db, thread_id=THREAD + 1, closed_at=T0 - timedelta(days=30))
    await add_post(db, thread_id=None)
    await rlog.log(msg(message_id=10))
    await rlog.log(msg(message_id=12))

    targets = await rlog.catch_up_targets()
    assert [(post.id, last) for post, last in targets] == [(open_post, 12)]


async def test_latest_open_post_in_channel(db, rlog, clock):
    older = await add_post(db, channel_id=100, posted_at=T0 - timedelta(days=1))
    newest_closed = await add_post(db, channel_id=100, closed_at=T0)
    elsewhere = await add_post(db, channel_id=200)
    assert newest_closed
    assert (await rlog.latest_open_post(1, 100)).id == older
    assert (await rlog.latest_open_post(1, 200)).id == elsewhere
    assert await rlog.latest_open_post(2, 100) is None
    assert await rlog.post(elsewhere, guild_id=2) is None


async def test_a_caller_that_gives_up_does_not_shift_the_others_results(db, rlog):
    await add_post(db, thread_id=THREAD)
    calls = [asyncio.ensure_future(rlog.log(msg(f"answer {i}", message_id=i))) for i in (1, 2, 3)]
    await asyncio.sleep(0)
    calls[0].cancel()
    await asyncio.gather(*calls, return_exceptions=True)
    assert [c.result().response_id for c in calls[1:]] == [
        r.id for r in await ResponseReports(rlog).rows() if r.message_id in (2, 3)
    ]
    assert (
        len(await ResponseReports(rlog).rows()) == 3
    )  # the cancelled caller's answer was still saved
