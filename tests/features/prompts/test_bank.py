"""The prompt bank: hand-written prompts check out against the reading; others are generated."""

from __future__ import annotations

import re
import shutil

import pytest

from bot.core.errors import BadArgument, NotFound, NotInstructor, UnknownReading
from bot.core.registry import Actor, dispatch
from bot.core.replies import EMBED_DESCRIPTION_MAX
from bot.features.prompts.bank import BankPrompt, PromptBank, generate, keep, load_prompt_bank
from bot.features.readings import Reading, load_library
from bot.features.themes import Theme, ThemeEngine
from bot.features.themes.glossary import load_glossary
from tests.helpers.paths import REPO_SEEDS
from tests.helpers.prompt_fakes import TEACHER
from tests.helpers.themes import (
    FIXTURE_SEEDS,
    OTHER_ID,
    READINGS,
    SEED_ID,
    copy_readings,
    fixture_reading,
    is_verbatim,
)

STUDENT = Actor(user_id=1, name="student", guild_id=10, channel_id=20)


@pytest.fixture(scope="module")
def bank() -> PromptBank:
    library = load_library(REPO_SEEDS)
    glossary = load_glossary(REPO_SEEDS / "glossary.toml")
    return load_prompt_bank(REPO_SEEDS / "prompts.toml", library, glossary, ThemeEngine(glossary))


def test_seed_prompt_file_loads_without_warnings(bank):
    assert bank.warnings == []


def test_at_least_fifteen_prompts_on_cooptation_and_ngo_autonomy(bank):
    prompts = bank.for_reading(SEED_ID)
    assert len(prompts) >= 15
    assert all(not p.generated for p in prompts)
    about = [p for p in prompts if {"co-optation", "ngo-autonomy"} & set(p.tags)]
    assert len(about) >= 15
    assert len({p.id for p in prompts}) == len(prompts)
    for p in prompts:
        assert p.question and p.follow_up and p.tags


def test_every_evidence_is_verbatim_in_its_reading(bank):
    library = load_library(REPO_SEEDS)
    for prompt in bank.written():
        reading = library.get(prompt.reading_id)
        assert reading is not None, prompt.id
        assert prompt.evidence and is_verbatim(prompt.evidence, reading), prompt.id


def test_interface_get_and_theme(bank):
    prompt = bank.get("kan-ku-cooptation-1")
    assert isinstance(prompt, BankPrompt) and prompt.reading_id == SEED_ID
    assert bank.get("KAN-KU-COOPTATION-1") == prompt
    assert bank.get("no-such-prompt") is None
    assert prompt in bank.for_theme("co-optation")
    assert all("legitimacy" in p.tags for p in bank.for_theme("legitimacy"))


def test_readings_without_prompts_get_generated_ones():
    library = load_library(FIXTURE_SEEDS)
    bank = PromptBank([], library, ThemeEngine())
    prompts = bank.for_reading(OTHER_ID)
    assert 3 <= len(prompts) <= 5
    reading = library.get(OTHER_ID)
    for p in prompts:
        assert p.generated and p.id.startswith(OTHER_ID) and p.id.endswith("-auto")
        assert bank.get(p.id) == p
        assert p.evidence == "" or is_verbatim(p.evidence, reading)
    assert "algorithmic management" in prompts[0].question.lower()
    assert bank.all() == prompts
    assert not reading.authors  # so no prompt may name them ("Unknown author … describe")
    for p in prompts:
        assert "unknown" not in (p.question + p.follow_up).lower()
        assert re.search(r"“[^”]+”", p.question), p.question  # the theme, quoted


BAD_PROMPTS = f'''[[prompt]]
id = "ok-1"
reading = "{SEED_ID}"
tags = ["co-optation", "no-such-tag"]
question = "A fine question about the reading?"
follow_up = "A fine follow-up question?"
evidence = "This sentence is not in the reading at all."

[[prompt]]
id = "missing-question"
reading = "{SEED_ID}"
follow_up = "A follow-up without a question."
'''


def test_broken_prompt_file_names_file_line_and_field(tmp_path):
    path = tmp_path / "prompts.toml"
    path.write_text(BAD_PROMPTS, encoding="utf-8")
    library = load_library(REPO_SEEDS)
    bank = load_prompt_bank(path, library, load_glossary(REPO_SEEDS / "glossary.toml"))
    assert [p.id for p in bank.written()] == ["ok-1"]
    text = "\n".join(bank.warnings)
    assert f"{path}, line 7 (prompt 'ok-1'), field 'evidence'" in text
    assert "line 4 (prompt 'ok-1'), field 'tags': 'no-such-tag'" in text
    assert "(prompt 'missing-question'), field 'question'" in text


def test_prompts_of_a_reading_that_is_not_loaded_get_one_warning_for_all(tmp_path):
    library = load_library(REPO_SEEDS)
    seed_prompts = (REPO_SEEDS / "prompts.toml").read_text(encoding="utf-8")
    full = load_prompt_bank(REPO_SEEDS / "prompts.toml", library)
    named = sum(1 for p in full.written() if p.reading_id == SEED_ID)
    assert named > 3
    path = tmp_path / "prompts.toml"
    path.write_text(seed_prompts.replace(SEED_ID, "gone-2020"), encoding="utf-8")
    bank = load_prompt_bank(path, library)
    about = [w for w in bank.warnings if "gone-2020" in w]
    assert len(about) == 1 and f"{named} prompts name reading 'gone-2020'" in about[0]
    assert f"and {named - 3} more" in about[0]
    assert len([p for p in bank.written() if p.reading_id == "gone-2020"]) == named
    one = tmp_path / "one.toml"
    one.write_text(
        '[[prompt]]\nid = "gone-1"\nreading = "gone-2020"\n'
        'question = "Who decides what the partnership is for?"\n'
        'follow_up = "What would change that, and why?"\n',
        encoding="utf-8",
    )
    single = load_prompt_bank(one, library).warnings
    assert len(single) == 1 and "field 'reading': no reading with id 'gone-2020'" in single[0]


async def test_prompt_bank_command_lists_ids(services):
    reply = await dispatch(services, STUDENT, "prompt bank", "co-optation")
    assert "`kan-ku-cooptation-1`" in reply.body
    assert "Co-optation" in reply.title
    reading = await dispatch(services, STUDENT, "prompt bank", "kan-ku")
    assert reading.body.count("`kan-ku-") >= 15
    with pytest.raises(UnknownReading):
        await dispatch(services, STUDENT, "prompt bank", "klingon")


async def test_prompt_bank_listing_stays_within_discord_limits(services):
    many = [
        BankPrompt(f"p-{i}", SEED_ID, ("co-optation",), "Why? " * 60, "How?", "")
        for i in range(200)
    ]
    services.prompt_bank = PromptBank(many, services.library, services.themes)
    reply = await dispatch(services, STUDENT, "prompt bank", "")
    assert len(reply.body) <= EMBED_DESCRIPTION_MAX
    assert "more; narrow it" in reply.body


async def test_generated_prompts_listed_for_a_new_reading(seeds_dir, settings):
    for path in FIXTURE_SEEDS.iterdir():
        shutil.copy(path, seeds_dir / path.name)
    from bot.services import Services

    services = await Services.open(settings)
    try:
        reply = await dispatch(services, STUDENT, "prompt bank", OTHER_ID)
        assert "-auto`" in reply.body and "generated" in reply.footer
    finally:
        await services.close()


# -- generated prompts: built on the evidence, by kind of theme; kept into prompts.toml -------


def _generated(name: str) -> tuple[Reading, list[BankPrompt]]:
    reading = fixture_reading(name)
    engine = ThemeEngine(load_glossary(REPO_SEEDS / "glossary.toml"))
    return reading, generate(reading, list(engine.fingerprint(reading).themes))


@pytest.mark.parametrize("name", ["charity-law", "tan-offices", "foundation-care"])
def test_each_generated_prompt_quotes_its_sentence_and_asks_about_its_claim(name):
    reading, prompts = _generated(name)
    assert 2 <= len(prompts) <= 5
    assert len({p.evidence for p in prompts}) == len(prompts)  # one sentence, one prompt
    for prompt in prompts:
        assert prompt.evidence and is_verbatim(prompt.evidence, reading), prompt.id
        assert prompt.evidence != reading.title
        clause = re.search(r"\b(?:argue|find|show)s? that (.{20,60})", prompt.evidence)
        if clause:  # the claim of the sentence is restated in the question
            assert clause.group(1) in prompt.question, prompt.question
        else:
            assert prompt.question.startswith("Take the sentence quoted below")


def _theme(label: str, kind: str, sentence: str, **extra: object) -> Theme:
    return Theme(
        key=label.lower(),
        label=label,
        weight=1.0,
        score=1.0,
        evidence=sentence,
        sentence=sentence,
        mentions=2,
        kind=kind,
        surface=label,
        **extra,
    )


def test_question_form_follows_the_kind_of_theme_not_its_rank():
    reading = Reading(id="r-2020", csl={"title": "T"}, abstract="A. B. C. D.")
    made = generate(
        reading,
        [
            _theme("Donors", "actor", "We argue that donors reward honest accounts."),
            _theme("Registration", "process", "We find that registration sorted the groups."),
            _theme("Boards", "actor", "We argue that boards hire the founders' friends."),
        ],
    )
    first, second, third = (p.question.split(". ", 1)[1] for p in made)
    assert first.replace("“Donors”", "X") == third.replace("“Boards”", "X")  # same kind, same form
    assert second.replace("“Registration”", "X") != first.replace("“Donors”", "X")
    assert made[1].question.startswith("The reading finds that registration sorted the groups")


def test_acronyms_keep_their_case_in_generated_prompts():
    _, prompts = _generated("tan-offices")
    text = " ".join(p.question + p.follow_up for p in prompts)
    assert "“TANs”" in text and "tans" not in text


def test_a_quote_carries_its_page_where_the_reading_has_pages(tmp_path):
    reading = fixture_reading("charity-law")
    sentence = reading.abstract.split(". ")[0] + "."
    paged = _theme("Charity law", "condition", sentence, page="12", keyword=True)
    (prompt,) = generate(reading, [paged])
    assert prompt.evidence == f"{sentence} (p. 12)"
    path = tmp_path / "prompts.toml"
    keep(path, prompt)
    library = load_library(READINGS)
    bank = load_prompt_bank(path, library, load_glossary(REPO_SEEDS / "glossary.toml"))
    assert bank.warnings == []  # the page label is not taken for part of the quote


async def test_instructor_keeps_a_generated_prompt_in_prompts_toml(seeds_dir, settings):
    from bot.services import Services

    copy_readings(seeds_dir, "charity-law")
    services = await Services.open(settings)
    try:
        generated = services.prompt_bank.for_reading("charity-law")
        auto = generated[0]
        assert auto.generated and auto.id.endswith("-auto")
        with pytest.raises(NotInstructor):
            await dispatch(services, STUDENT, "prompt keep", auto.id)
        reply = await dispatch(services, TEACHER, "prompt keep", auto.id)
        kept_id = auto.id.removesuffix("-auto")
        assert kept_id in reply.title
        text = (seeds_dir / "prompts.toml").read_text(encoding="utf-8")
        assert f'id = "{kept_id}"' in text and "kept = true" in text
        assert "kan-ku-cooptation-1" in text  # the hand-written prompts are still there
        kept = services.prompt_bank.get(kept_id)
        assert kept is not None and not kept.generated and kept.kept
        assert (kept.question, kept.evidence) == (auto.question, auto.evidence)
        assert services.prompt_bank.get(auto.id) == kept  # the id shown before still works
        others = services.prompt_bank.for_reading("charity-law")
        assert kept in others and len(others) == len(generated)  # the rest stay generated
        reloaded = load_prompt_bank(
            seeds_dir / "prompts.toml", services.library, services.glossary, services.themes
        )
        assert reloaded.warnings == [] and reloaded.get(kept_id) == kept
        with pytest.raises(BadArgument):
            await dispatch(services, TEACHER, "prompt keep", kept_id)  # not generated
        with pytest.raises(NotFound):
            await dispatch(services, TEACHER, "prompt keep", "no-such-auto")
    finally:
        await services.close()
