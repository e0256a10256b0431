"""Each command is declared once: Discord's slash command, both ``!help``s and the README's
table are read from the declaration, and both fronts parse text the same way."""

from __future__ import annotations

import pytest

from bot.core.help import help_reply, readme_table
from bot.core.registry import REGISTRY, parse_text
from bot.features import load_commands
from tests.helpers.paths import REPO

OPTION_TYPES = {"text": 3, "int": 4, "channel": 7, "choice": 3}  # Discord's option type ids
MANAGE_GUILD = 1 << 5


def slash_payloads(bot) -> dict[str, dict]:
    """Every slash command and subcommand payload by its path (``prompt schedule``)."""
    out = {}
    for command in bot.tree.get_commands():
        payload = command.to_dict(bot.tree)
        out[payload["name"]] = payload
        for sub in payload.get("options", []):
            if sub["type"] == 1:  # SUB_COMMAND
                out[f"{payload['name']} {sub['name']}"] = sub
    return out


async def test_slash_commands_show_the_declared_summary_and_options(dpy_bot):
    load_commands()
    payloads = slash_payloads(dpy_bot)
    for path, spec in REGISTRY.items():
        payload = payloads[path]
        assert payload["description"] == spec.summary, path
        options = {o["name"]: o for o in payload.get("options", [])}
        assert set(options) == {p.name for p in spec.params}, path
        for p in spec.params:
            option = options[p.name]
            assert option["description"] == p.description, (path, p.name)
            assert option["type"] == OPTION_TYPES[p.kind], (path, p.name)
            assert option.get("required", False) == p.required, (path, p.name)
            assert option.get("autocomplete", False) == bool(p.autocomplete), (path, p.name)
            if p.choices:
                assert [c["value"] for c in option["choices"]] == list(p.choices)
            if p.min_value is not None:
                assert option["min_value"] == p.min_value, (path, p.name)


async def test_instructor_commands_are_hidden_from_students_and_dms(dpy_bot):
    load_commands()
    payloads = slash_payloads(dpy_bot)
    top = {p["name"]: p for p in (c.to_dict(dpy_bot.tree) for c in dpy_bot.tree.get_commands())}
    for path, spec in REGISTRY.items():
        root = top[path.split()[0]]
        if spec.instructor:
            assert int(root["default_member_permissions"]) & MANAGE_GUILD, path
            assert root.get("dm_permission") is False or root.get("contexts") == [0], path
        elif " " not in path:
            assert root.get("default_member_permissions") is None, path
    assert "prompt schedule" in payloads


def test_help_lists_instructor_commands_only_to_instructors():
    load_commands()
    student = help_reply("!", instructor=False).body
    teacher = help_reply("!", instructor=True).body
    for spec in REGISTRY.values():
        assert spec.summary in teacher
        assert (spec.summary in student) is not spec.instructor, spec.path


def test_readme_command_table_is_the_one_written_from_the_declarations():
    load_commands()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "regenerate it: python -m bot.core.help"


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("cite", "mla serving the people", {"style": "mla", "reading": "serving the people"}),
        ("cite", "serving the people", {"style": None, "reading": "serving the people"}),
        ("summary", "kan ku long", {"reading": "kan ku", "length": "long"}),
        ("respond", "12 I agree", {"prompt_id": 12, "text": "I agree"}),
        ("respond", "12", {"prompt_id": None, "text": "12"}),
        ("prompt close", "#7", {"prompt_id": 7}),
        ("prompt cancel", "3 next", {"plan_id": 3, "which": "next"}),
        ("responses", "", {"prompt_id": None}),
        ("mydata", "CSV", {"format": "csv"}),
    ],
)
def test_text_is_parsed_into_the_declared_typed_options(path, text, expected):
    load_commands()
    assert parse_text(REGISTRY[path], text) == expected


def test_schedule_text_keeps_the_question_and_reads_flags_and_channel():
    load_commands()
    options = parse_text(
        REGISTRY["prompt schedule"],
        '"next tuesday 10:00" #seminar --every week --count 3 Who gains -- and who loses?',
    )
    assert options["when"] == "next tuesday 10:00"
    assert options["channel"].name == "seminar" and options["channel"].id is None
    assert (options["every"], options["count"]) == ("week", 3)
    assert options["prompt"] == "Who gains -- and who loses?"
