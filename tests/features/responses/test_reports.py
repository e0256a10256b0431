"""The reports counted in SQLite and written in chunks give what a plain Python pass gives.

``!participation`` counts in SQL (window functions and the registered ``word_count``) and
``!responses`` writes its CSV a chunk at a time; both are checked here against a count over
the generated responses in Python and against the CSV written from one list of rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.core.text import word_count
from bot.core.times import to_db
from bot.features.responses import reports as reports_module
from bot.features.responses.log import Incoming
from bot.features.responses.reports import ResponseReports, to_csv
from bot.features.responses.store import Participation
from tests.helpers.responses import T0, add_post

TEXTS = (
    "",
    "   ",
    "!!! ???",
    "one",
    "don't co-opt l'état",
    "the state’s reach — and NGOs' legitimacy",
    "=SUM(A1)",
    '"quoted", with commas',
    "two\nlines\r\nand a CRLF",
    "émigré naïve café 中文 テキスト 😀",
    "well-known re-entry co-op-ed",
    "+1 -2 @three",
)
NAMES = ("Ada", "ada", "Bo", "Sam", "Sam", "Zoë", "@mallory", "=evil", "李", "bo")


@dataclass
class Generated:
    """One response as the test wrote it, with what the report must make of it."""

    id: int
    post_id: int
    guild_id: int
    user_id: int
    name: str
    text: str
    created_at: datetime
    deleted: bool
    late: bool


async def generate(db, *, seed: int = 5, count: int = 600) -> list[Generated]:
    """Responses over five prompts in two servers: name changes, deletions, empty texts,
    shared names and equal times across prompts (so ties and ordering matter)."""
    rng = random.Random(seed)
    posts = [
        (await add_post(db, guild_id=guild, posted_at=T0 + timedelta(hours=i)), guild)
        for i, guild in enumerate((1, 1, 2, 1, 2))
    ]
    made = []
    for i in range(1, count + 1):
        post_id, guild = rng.choice(posts)
        user = rng.randrange(25)
        made.append(
            Generated(
                id=i,
                post_id=post_id,
                guild_id=guild,
                user_id=1000 + user,
                # a student's name changes now and then; several students share a name
                name=NAMES[(user + (i // 150)) % len(NAMES)],
                text=rng.choice(TEXTS) if rng.random() < 0.4 else _words(rng),
                # coarse times: equal times in different prompts and within one prompt
                created_at=T0 + timedelta(minutes=rng.randrange(200)),
                deleted=rng.random() < 0.1,
                late=rng.random() < 0.2,
            )
        )
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO responses (id, post_id, guild_id, channel_id, user_id, display_name, "
            "message_id, text, source, created_at, deleted_at, late) "
            "VALUES (?, ?, ?, 100, ?, ?, ?, ?, 'thread', ?, ?, ?)",
            [
                (
                    g.id,
                    g.post_id,
                    g.guild_id,
                    g.user_id,
                    g.name,
                    50_000 + g.id,
                    g.text,
                    to_db(g.created_at),
                    to_db(g.created_at + timedelta(hours=1)) if g.deleted else None,
                    int(g.late),
                )
                for g in made
            ],
        )
    return made


def _words(rng: random.Random) -> str:
    vocab = ("state", "NGO", "co-opts", "legitimacy", "don't", "reach", "l'état", "x")
    return " ".join(rng.choice(vocab) for _ in range(rng.randrange(1, 30)))


def plain_tally(
    made: list[Generated], guild_id: int | None, since: datetime | None
) -> list[Participation]:
    """The participation report counted in Python, one response at a time.

    Kept: responses in the server (any server for ``None``), not deleted, at or after
    ``since``. Read in report order (prompt, time, id): the last name a student used wins;
    most responses first, then most words, then the name in any case, then who answered
    first.
    """
    kept = [
        g
        for g in made
        if (guild_id is None or g.guild_id == guild_id)
        and not g.deleted
        and (since is None or g.created_at >= since)
    ]
    kept.sort(key=lambda g: (g.post_id, g.created_at, g.id))
    names: dict[int, str] = {}
    counts: dict[int, list[int]] = {}
    for g in kept:
        names[g.user_id] = g.name
        tally = counts.setdefault(g.user_id, [0, 0, 0])
        tally[0] += 1
        tally[1] += word_count(g.text)
        tally[2] += int(g.late)
    result = [Participation(uid, names[uid], *tally) for uid, tally in counts.items()]
    result.sort(key=lambda p: (-p.responses, -p.words, p.display_name.lower()))
    return result


@pytest.mark.parametrize("guild_id", [1, 2, None])
async def test_participation_equals_a_plain_count(db, rlog, guild_id):
    made = await generate(db)
    got = await ResponseReports(rlog).participation(guild_id)
    assert got == plain_tally(made, guild_id, None)
    # what the counts and the order depend on is in the generated set
    assert len(got) == 25
    assert len({p.responses for p in got}) < len(got)  # ties on responses: words decide
    assert len({p.display_name.lower() for p in got}) < len(got)  # names shared
    first_names = {g.user_id: g.name for g in sorted(made, key=lambda g: -g.id)}
    assert any(first_names[p.user_id] != p.display_name for p in got)  # a name changed


async def test_participation_ties_keep_who_answered_first(db, rlog):
    first = await add_post(db, guild_id=1, posted_at=T0)
    second = await add_post(db, guild_id=1, posted_at=T0 + timedelta(hours=1))
    rows = [
        # (id, post, user, name, text, minutes): users 3 and 2 share a name and their counts
        (1, second, 2, "Sam", "a b", 0),
        (2, first, 3, "Sam", "c d", 50),
        (3, first, 4, "sam", "e f", 40),
        (4, second, 5, "", "", 1),
    ]
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO responses (id, post_id, guild_id, user_id, display_name, text, source, "
            "created_at) VALUES (?, ?, 1, ?, ?, ?, 'command', ?)",
            [(i, p, u, n, t, to_db(T0 + timedelta(minutes=m))) for i, p, u, n, t, m in rows],
        )
    got = await ResponseReports(rlog).participation(1)
    # report order is prompt first: user 4 (prompt 1, minute 40), user 3, then user 2
    assert [(p.user_id, p.display_name, p.words) for p in got] == [
        (4, "sam", 2),
        (3, "Sam", 2),
        (2, "Sam", 2),
        (5, "", 0),
    ]


async def test_participation_since_includes_the_boundary(db, rlog):
    made = await generate(db, seed=9)
    reports = ResponseReports(rlog)
    times = sorted({g.created_at for g in made})
    for since in (times[0], times[len(times) // 2], times[-1], times[-1] + timedelta(0, 1)):
        for guild_id in (1, None):
            assert await reports.participation(guild_id, since) == plain_tally(
                made, guild_id, since
            )
    # a time between two stored instants (microseconds matter in the stored text)
    since = times[10] + timedelta(microseconds=1)
    assert await reports.participation(1, since) == plain_tally(made, 1, since)


async def test_participation_after_forgetting_and_deleting(db, rlog):
    made = await generate(db, seed=11)
    forgotten = made[0].user_id
    async with db.write() as conn:
        await rlog.repo.forget_user(conn, forgotten)
    await rlog.delete(50_000 + made[1].id)  # a student deletes a message
    made = [g for g in made if g.user_id != forgotten]
    for g in made:
        if g.id == 2:
            g.deleted = True
    got = await ResponseReports(rlog).participation(None)
    assert forgotten not in {p.user_id for p in got}
    assert got == plain_tally(made, None, None)


async def test_participation_counts_responses_queued_but_not_yet_written(db, rlog):
    await add_post(db, guild_id=1, thread_id=77)
    for i in range(3):
        await rlog.log(
            Incoming(
                user_id=9,
                display_name="Ada",
                text="one two",
                source="thread",
                created_at=T0 + timedelta(minutes=i),
                guild_id=1,
                channel_id=77,
                message_id=900 + i,
                thread_id=77,
            )
        )
    (ada,) = await ResponseReports(rlog).participation(1)
    assert (ada.responses, ada.words) == (3, 6)


@pytest.mark.parametrize("chunk", [1, 7, 200, 10_000])
async def test_csv_in_chunks_is_byte_for_byte_the_whole_csv(db, rlog, monkeypatch, chunk):
    made = await generate(db, seed=3, count=300)
    await rlog.edit(50_000 + made[5].id, '=edited, "text"\nnew line', T0 + timedelta(days=2))
    monkeypatch.setattr(reports_module, "CSV_CHUNK", chunk)
    reports = ResponseReports(rlog)
    repo = rlog.repo
    for filters in (
        {"guild_id": 1},
        {"guild_id": 2},
        {},
        {"guild_id": 1, "post_id": made[0].post_id},
        {"user_id": made[0].user_id},
    ):
        whole = to_csv(await repo.responses(**filters))
        assert await reports.export_csv(**filters) == whole


async def test_csv_of_nothing_is_the_header(db, rlog):
    data = await ResponseReports(rlog).export_csv(guild_id=1)
    assert data == (
        b"\xef\xbb\xbfprompt_id,question,student_id,display_name,text,source,created_at,"
        b"edited_at,deleted_at,late,response_id\r\n"
    )


async def test_csv_bytes_are_unchanged(db, rlog):
    post_id = await add_post(db, guild_id=1, question='Why "co-opt"?')
    async with db.write() as conn:
        await conn.execute(
            "INSERT INTO responses (id, post_id, guild_id, user_id, display_name, text, source, "
            "created_at, late) VALUES (4, ?, 1, 7, '=Ada', 'a, b\nc', 'reply', ?, 1)",
            (post_id, to_db(T0)),
        )
    data = await ResponseReports(rlog).export_csv(guild_id=1)
    assert data.split(b"\r\n", 1)[1] == (
        b'1,"Why ""co-opt""?",7,\'=Ada,"a, b\nc",reply,2024-03-05T10:00:00.000000Z,,,yes,4\r\n'
    )


async def test_a_write_between_two_chunks_breaks_nothing(db, rlog):
    made = await generate(db, seed=4, count=50)
    chunks = rlog.repo.stream_responses(guild_id=None, size=10)
    seen = list(await anext(chunks))
    # a student answers (a write transaction commits) while the export's statement is open
    await rlog.log(
        Incoming(
            user_id=1,
            display_name="Late",
            text="while exporting",
            source="command",
            created_at=T0 + timedelta(days=1),
            guild_id=1,
            post_id=made[0].post_id,
        )
    )
    await rlog.flush()
    async for rows in chunks:
        seen.extend(rows)
    ids = [r.id for r in seen]
    assert len(ids) == len(set(ids))
    assert {g.id for g in made} <= set(ids)


@pytest.mark.parametrize(
    "text", [*TEXTS, "x" * 5000, "a-b-c d'e'f g’h", "_under_score_ 123 4.5", "\u200bzero"]
)
async def test_sql_word_count_is_the_python_one(db, text):
    row = await db.fetchone("SELECT word_count(?)", (text,))
    assert row[0] == word_count(text)
