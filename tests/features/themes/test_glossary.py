"""The course glossary: every seed entry valid, and a broken file costs only what is broken."""

from __future__ import annotations

from bot.core.registry import Actor, dispatch
from bot.features.themes.glossary import count_sentences, load_glossary
from bot.services import Services
from tests.helpers.paths import REPO_SEEDS

STUDENT = Actor(user_id=1, name="student", guild_id=10, channel_id=20)

ISSUE_CONCEPTS = [
    "co-optation",
    "ngo-autonomy",
    "ngo-professionalism",
    "party-building",
    "social-organizations",
    "grassroots-governance",
    "service-delivery",
    "legitimacy",
    "mobilisation",
    "participation-volunteerism",
    "urban-villages",
    "migrant-communities",
    "territorial-reach",
    "paternalistic-redistribution",
]


def test_seed_glossary_loads_without_warnings():
    glossary = load_glossary(REPO_SEEDS / "glossary.toml")
    assert glossary.warnings == []
    assert [k for k in ISSUE_CONCEPTS if glossary.get(k) is None] == []


def test_every_seed_concept_has_forms_and_a_two_sentence_definition():
    for concept in load_glossary(REPO_SEEDS / "glossary.toml"):
        assert concept.forms, concept.key
        assert count_sentences(concept.definition) == 2, concept.key


def test_lookup_by_key_name_or_word_form():
    glossary = load_glossary(REPO_SEEDS / "glossary.toml")
    assert glossary.lookup("co-opting").key == "co-optation"
    assert glossary.lookup("Party building").key == "party-building"
    assert glossary.lookup("NGO autonomy").key == "ngo-autonomy"
    assert glossary.lookup("volunteerism").key == "participation-volunteerism"
    assert glossary.lookup("klingon") is None
    assert [c.key for c in glossary.suggest("legitimcy")] == ["legitimacy"]
    assert glossary.suggest("klingon") == []


BROKEN = """background = ["China"]

[[concept]]
key = "good-one"
name = "Good one"
forms = ["good one"]
definition = "A valid concept. It has two sentences."

[[concept]]
key = "Bad Key"
name = "Bad"
forms = ["bad"]
definition = "One. Two."

[[concept]]
key = "no-definition"
name = "Missing"
forms = ["missing"]
"""


def test_bad_entries_are_named_by_file_line_and_field(tmp_path):
    path = tmp_path / "glossary.toml"
    path.write_text(BROKEN, encoding="utf-8")
    glossary = load_glossary(path)
    assert [c.key for c in glossary] == ["good-one"]
    assert any(f"{path}, line 10 (concept 'Bad Key'), field 'key'" in w for w in glossary.warnings)
    assert any(
        "line 15 (concept 'no-definition'), field 'definition'" in w for w in glossary.warnings
    )


def test_a_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "glossary.toml"
    path.write_text('[[concept]]\nkey = "x"\nname = "unclosed\n', encoding="utf-8")
    glossary = load_glossary(path)
    assert len(glossary) == 0
    (warning,) = glossary.warnings
    assert str(path) in warning and "line 3" in warning


async def test_broken_glossary_does_not_stop_start_up(settings):
    (settings.seeds_dir / "glossary.toml").write_text(BROKEN, encoding="utf-8")
    services = await Services.open(settings)
    try:
        assert any("field 'key'" in w for w in services.data_warnings)
        reply = await dispatch(services, STUDENT, "themes", "")
        assert reply.fields  # themes still work, from the text alone
        prompt = await dispatch(services, STUDENT, "prompt bank", "")
        assert "kan-ku-cooptation-1" in prompt.body
    finally:
        await services.close()
