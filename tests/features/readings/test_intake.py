"""Adding, removing and reloading readings while the bot runs: the core, without Discord."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.errors import BadArgument, NotInstructor, UnknownReading
from bot.core.registry import Actor, dispatch
from bot.features.prompts.store import Claimed, Occurrence, Plan, Post
from bot.features.readings.cache import content_key, summary_of
from bot.features.readings.intake import IncomingFile, safe_file_name
from bot.services import Services

TEACHER = Actor(user_id=1, name="teacher", is_instructor=True, guild_id=5, channel_id=6)
STUDENT = Actor(user_id=2, name="student", guild_id=5, channel_id=6)
SHIPPED = "kan-ku-2021-serving-the-people"

RIS = (
    b"""TY  - JOUR
TI  - Tenure, trust and the allotment: community gardens in post-industrial cities
AU  - Okafor, Adaeze
AU  - Lindqvist, Jonas
PY  - 2019
JO  - Urban Studies Quarterly
VL  - 12
IS  - 3
SP  - 201
EP  - 219
DO  - 10.5555/usq.2019.0042
AB  - This article argues that community gardens turn vacant land into a commons. """
    b"""Drawing on interviews with forty gardeners, we show how tenure builds trust.
ER  -
"""
)

BIB_FOR_SHIPPED = """@article{kan2021,
  title = {Serving the people, building the party: Social organizations and party work in
           China’s urban villages},
  author = {Kan, Karita and Ku, Hok Bun},
  journal = {The China Journal},
  year = {2021},
  volume = {85},
  pages = {75--95}
}
""".encode()


async def add(services: Services, *files: IncomingFile, replace: bool = False):
    return await dispatch(
        services,
        TEACHER,
        "readings add",
        {"attachment": list(files), "replace": "yes" if replace else None},
    )


def field_text(reply) -> str:
    return "\n".join(f"{f.name}\n{f.value}" for f in reply.fields)


async def test_an_attached_ris_is_saved_loaded_and_described(services, seeds_dir):
    reply = await add(services, IncomingFile("Okafor 2019 (gardens).ris", RIS))
    saved = seeds_dir / "Okafor-2019-gardens.ris"
    assert saved.read_bytes() == RIS
    found = services.library.find("community gardens")
    assert found.author_names == ["Adaeze Okafor", "Jonas Lindqvist"]
    assert reply.title == "Added 1 file" and not reply.error
    text = field_text(reply)
    assert found.id in text and "Okafor & Lindqvist (2019)" in text
    assert "Urban Studies Quarterly vol. 12 no. 3 pp. 201-219" in text
    assert "A new reading." in text
    assert "added: `" + found.id in reply.body
    summary = await dispatch(services, STUDENT, "summary", found.id)
    assert "community gardens turn vacant land into a commons" in summary.body


async def test_a_citation_of_a_known_reading_is_merged_with_it(services, seeds_dir):
    reply = await add(services, IncomingFile("kan.bib", BIB_FOR_SHIPPED))
    text = field_text(reply)
    assert f"{SHIPPED} — Kan & Ku (2021)" in text
    assert (
        "Merged with: kan-ku-2021-serving-the-people.ris, kan-ku-2021-serving-the-people.txt"
        in text
    )
    assert len(services.library) == 1
    # saved under the reading's id, so the merged reading keeps it
    assert seeds_dir / f"{SHIPPED}.bib" in services.library.get(SHIPPED).sources
    assert not (seeds_dir / "kan.bib").exists()


async def test_a_file_that_cannot_be_read_is_refused_and_not_saved(services, seeds_dir):
    before = sorted(p.name for p in seeds_dir.iterdir())
    reply = await add(services, IncomingFile("notes.ris", b"just some words, no RIS tags\n"))
    assert reply.error and reply.title == "Nothing was added"
    (refusal,) = reply.fields
    assert refusal.name == "Not saved: notes.ris" and refusal.value
    assert sorted(p.name for p in seeds_dir.iterdir()) == before
    assert [r.id for r in services.library] == [SHIPPED]


async def test_one_bad_file_does_not_stop_the_good_one(services, seeds_dir):
    reply = await add(
        services,
        IncomingFile("gardens.ris", RIS),
        IncomingFile("picture.png", b"\x89PNG\r\n"),
        IncomingFile("empty.txt", b""),
    )
    assert reply.title == "Added 1 file"
    refusals = {f.name: f.value for f in reply.fields if f.name.startswith("Not saved")}
    assert "not a reading file" in refusals["Not saved: picture.png"]
    assert "empty" in refusals["Not saved: empty.txt"]
    assert not (seeds_dir / "picture.png").exists() and not (seeds_dir / "empty.txt").exists()


async def test_nothing_is_overwritten_without_replace(services, seeds_dir):
    await add(services, IncomingFile("gardens.ris", RIS))
    edited = RIS.replace(b"PY  - 2019", b"PY  - 2020")
    reply = await add(services, IncomingFile("gardens.ris", edited))
    assert reply.error and "--replace" in reply.fields[0].value
    assert (seeds_dir / "gardens.ris").read_bytes() == RIS
    reply = await add(services, IncomingFile("gardens.ris", edited), replace=True)
    assert not reply.error and "changed: `gardens`" in reply.body
    assert (seeds_dir / "gardens.ris").read_bytes() == edited
    assert (seeds_dir / "removed" / "gardens.ris").read_bytes() == RIS
    assert services.library.get("gardens").year == 2020


async def test_a_file_over_the_size_limit_is_refused(settings, seeds_dir):
    small = settings.model_copy(update={"max_upload_mb": 0.0002})
    services = await Services.open(small)
    try:
        reply = await add(services, IncomingFile("gardens.ris", RIS))
        assert reply.error and "MAX_UPLOAD_MB allows 0.0002 MB" in reply.fields[0].value
        declared = IncomingFile("big.pdf", b"", size=40_000_000)
        reply = await add(services, declared)
        assert "it is 40.0 MB" in reply.fields[0].value
    finally:
        await services.close()


async def test_files_and_a_doi_together_are_refused(services, seeds_dir):
    with pytest.raises(BadArgument, match="not both"):
        await dispatch(
            services,
            TEACHER,
            "readings add",
            {"source": "10.5555/x.1", "attachment": [IncomingFile("gardens.ris", RIS)]},
        )
    assert not (seeds_dir / "gardens.ris").exists()


@pytest.mark.parametrize(
    ("offered", "safe"),
    [
        ("../../seeds/evil.ris", "evil.ris"),
        ("C:\\Users\\me\\Week 3 – Kan & Ku.PDF", "Week-3-Kan-Ku.pdf"),
        ("Über die Stadt.bib", "Uber-die-Stadt.bib"),
        (".hidden.txt", "hidden.txt"),
    ],
)
def test_file_names_are_made_safe(offered, safe):
    assert safe_file_name(offered) == safe


@pytest.mark.parametrize("offered", ["run.sh", "glossary.toml", "....ris", "noextension"])
def test_unsafe_or_foreign_names_are_refused(offered):
    with pytest.raises(BadArgument):
        safe_file_name(offered)


async def test_students_cannot_add_remove_or_reload(services):
    for path, args in (
        ("readings add", {"attachment": [IncomingFile("gardens.ris", RIS)]}),
        ("readings remove", SHIPPED),
        ("readings reload", ""),
    ):
        with pytest.raises(NotInstructor):
            await dispatch(services, STUDENT, path, args)


async def test_remove_moves_the_files_and_prompts_name_the_removed_reading(services, seeds_dir):
    reply = await dispatch(services, TEACHER, "readings remove", "serving the people")
    assert reply.title == f"Removed {SHIPPED} — Kan & Ku (2021)"
    removed = sorted(p.name for p in (seeds_dir / "removed").iterdir())
    assert removed == [f"{SHIPPED}.ris", f"{SHIPPED}.txt"]
    assert not (seeds_dir / f"{SHIPPED}.ris").exists()
    assert "removed: `" + SHIPPED in reply.body
    with pytest.raises(UnknownReading):
        services.library.find("serving the people")
    now = datetime.now(UTC)
    plan = Plan(1, 5, 6, 1, None, None, "Who serves whom?", "", "", SHIPPED, None,
                frozenset(), now, "UTC", "active", now)  # fmt: skip
    occurrence = Occurrence(1, 1, 1, now, "sending", now, 1, 1, False, None)
    post = Post(1, 5, 6, None, None, 1, None, SHIPPED, "Who serves whom?", "", "", 1, now,
                None, None, False)  # fmt: skip
    request = services.scheduler.request_for(Claimed(occurrence, plan, post))
    assert request.reading == f"{SHIPPED} (removed from the readings)"
    # put the files back: a reload restores the reading under its id
    for path in (seeds_dir / "removed").iterdir():
        path.rename(seeds_dir / path.name)
    reply = await dispatch(services, TEACHER, "readings reload", "")
    assert "added: `" + SHIPPED in reply.body
    assert services.library.get(SHIPPED) is not None


async def test_reload_reports_added_changed_and_removed(services, seeds_dir):
    reply = await dispatch(services, TEACHER, "readings reload", "")
    assert reply.title == "Nothing changed" and "1 unchanged" in reply.body
    (seeds_dir / "gardens.ris").write_bytes(RIS)
    portal = seeds_dir / f"{SHIPPED}.txt"
    portal.write_text(portal.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    ris = seeds_dir / f"{SHIPPED}.ris"
    ris.write_text(ris.read_text(encoding="utf-8").replace("PY  - 2021/1", "PY  - 2022"), "utf-8")
    reply = await dispatch(services, TEACHER, "readings reload", "")
    assert reply.title == "Readings reloaded"
    assert "added: `gardens`" in reply.body and f"changed: `{SHIPPED}`" in reply.body
    (seeds_dir / "gardens.ris").unlink()
    reply = await dispatch(services, TEACHER, "readings reload", "")
    assert "removed: `gardens`" in reply.body


async def test_reload_keeps_what_was_computed_for_unchanged_readings(services, seeds_dir):
    before = services.library.get(SHIPPED)
    summary = await summary_of(services.summaries, services.compute, before)
    held = services.library  # what a command in flight holds
    (seeds_dir / "gardens.ris").write_bytes(RIS)
    await dispatch(services, TEACHER, "readings reload", "")
    after = services.library.get(SHIPPED)
    assert after is not before and content_key(after) == content_key(before)
    assert services.summaries.peek(content_key(after), False) is summary  # not recomputed
    assert held is not services.library and held.get("gardens") is None  # old one intact
    await services.intake.wait_idle()
    assert services.summaries.peek(content_key(services.library.get("gardens")), False)


async def test_commands_keep_answering_during_a_reload(services, seeds_dir):
    (seeds_dir / "gardens.ris").write_bytes(RIS)
    reload = asyncio.create_task(dispatch(services, TEACHER, "readings reload", ""))
    listing = await dispatch(services, STUDENT, "readings", "")
    assert SHIPPED in listing.body  # answered from whichever library was in place
    assert "added: `gardens`" in (await reload).body


async def test_a_restart_with_unchanged_readings_recomputes_no_summary(settings, seeds_dir):
    (seeds_dir / "gardens.ris").write_bytes(RIS)
    first = await Services.open(settings)
    try:
        stats = await first.precompute(first.library.readings)
        assert (stats.loaded, stats.computed) == (0, 4)  # two readings, short and long
    finally:
        await first.close()
    second = await Services.open(settings)
    try:
        stats = await second.precompute(second.library.readings)
        assert (stats.loaded, stats.computed) == (4, 0)
        reading = second.library.get("gardens")
        stored = second.summaries.peek(content_key(reading), False)
        assert stored == await summary_of(second.summaries, second.compute, reading)
        assert "community gardens" in stored.gist
    finally:
        await second.close()
    # an edited reading is summarised again; the other is read back
    ris = seeds_dir / "gardens.ris"
    ris.write_bytes(RIS.replace(b"forty gardeners", b"fifty gardeners"))
    third = await Services.open(settings)
    try:
        stats = await third.precompute(third.library.readings)
        assert (stats.loaded, stats.computed, set(stats.computed_ids)) == (2, 2, {"gardens"})
    finally:
        await third.close()


async def test_a_csl_json_file_is_a_reading(services, seeds_dir):
    item = {
        "id": "okafor2019",
        "type": "article-journal",
        "title": "Tenure, trust and the allotment",
        "author": [{"family": "Okafor", "given": "Adaeze"}],
        "issued": {"date-parts": [[2019, 5]]},
        "DOI": "https://doi.org/10.5555/usq.2019.0042",
        "abstract": "We argue that gardens are a commons.",
    }
    reply = await add(services, IncomingFile("okafor.json", json.dumps([item]).encode()))
    assert not reply.error
    found = services.library.find("allotment")
    assert found.doi == "10.5555/usq.2019.0042" and found.abstract.startswith("We argue")
    reply = await add(services, IncomingFile("data.json", b'{"colours": ["red"]}'))
    assert "CSL-JSON" in reply.fields[0].value


def test_console_reads_local_paths(tmp_path: Path, seeds_dir: Path):
    from tests.core.test_console import run_cli

    source = tmp_path / "My Gardens (2019).ris"
    source.write_bytes(RIS)
    result = run_cli(
        ["console", "--instructor"],
        f"!readings add {source}\n"  # unquoted: the path is cut at its first space
        "!readings add /no/such/file.ris\n"
        f'!readings add "{source}"\n'
        "!cite gardens\n",
        tmp_path,
        seeds_dir,
    )
    assert result.returncode == 0, result.stderr
    assert f"There is no file `{tmp_path / 'My'}`" in result.stdout
    assert 'A path with spaces goes in quotes: `readings add "/path/My Reading.pdf"`' in (
        result.stdout
    )
    assert "There is no file `/no/such/file.ris` (and it is not a DOI); nothing was added." in (
        result.stdout
    )
    assert result.stdout.count("Added 1 file") == 1
    assert (seeds_dir / "My-Gardens-2019.ris").read_bytes() == RIS
    assert "Okafor, A., & Lindqvist, J. (2019)" in result.stdout
