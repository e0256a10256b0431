"""!cite end to end through discord.py (dpytest)."""

from __future__ import annotations

import asyncio
import json

import bibtexparser

from bot.core.errors import BadArgument
from tests.helpers.dpytest import attachment_bytes, embed_text, say, sent_messages
from tests.helpers.paths import FIXTURES

SEED_REF = json.loads((FIXTURES / "citeproc" / "seed-reference.json").read_text("utf-8"))


async def test_cite_mla_gives_the_mla_entry(dpy_bot):
    await say(dpy_bot, "!cite mla")
    (message,) = sent_messages()
    embed = message.embeds[0]
    assert embed.description == (
        "Kan, Karita, and Hok Bun Ku. “Serving the People, Building the Party: Social "
        "Organizations and Party Work in China’s Urban Villages.” *China Journal*, no. 1, "
        "Jan. 2021, pp. 75–95."
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields["In-text, parenthetical"] == "(Kan and Ku)"
    assert fields["In-text, narrative"] == "Kan and Ku"


async def test_cite_bibtex_attaches_a_bib_file(dpy_bot):
    await say(dpy_bot, "!cite bibtex serving the people")
    (message,) = sent_messages()
    assert message.embeds[0].description.startswith("```bibtex\n@article{")
    (attachment,) = message.attachments
    assert attachment.filename == "kan-ku-2021-serving-the-people.bib"
    data = attachment_bytes(attachment)
    (entry,) = bibtexparser.parse_string(data.decode()).entries
    assert entry.fields_dict["journal"].value == "China Journal"
    assert entry.fields_dict["author"].value == "Kan, Karita and Ku, Hok Bun"


async def test_wrong_style_is_answered_with_the_list(dpy_bot):
    error = await say(dpy_bot, "!cite klingon serving the people")
    assert isinstance(error, BadArgument)
    (message,) = sent_messages()
    text = embed_text(message.embeds[0])
    assert "`klingon` is not a style" in text and "`chicago`" in text


async def test_cite_any_repository_style_gives_its_first_note(dpy_bot):
    await say(dpy_bot, "!cite chicago-notes-bibliography serving the people")
    (message,) = sent_messages()
    embed = message.embeds[0]
    assert embed.description.startswith("Kan, Karita, and Hok Bun Ku. “Serving the People")
    fields = {f.name: f.value for f in embed.fields}
    assert fields["First note"].startswith("Karita Kan and Hok Bun Ku, “Serving the People")


async def test_style_autocomplete_offers_repository_styles():
    from bot.features.citations.styles import INDEX
    from cogs.citations import style_autocomplete

    await asyncio.to_thread(INDEX.load)
    choices = await style_autocomplete(None, "china inform")  # type: ignore[arg-type]
    assert "china-information" in [c.value for c in choices]
    assert len(choices) <= 25 and all(len(c.name) <= 100 for c in choices)
    assert [c.value for c in await style_autocomplete(None, "")][:2] == ["styles", "apa"]  # type: ignore[arg-type]
