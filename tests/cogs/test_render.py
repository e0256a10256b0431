"""Replies rendered for Discord stay within every limit; console text keeps quotes and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.console import render_text
from bot.core.replies import ChannelRef, Reply, ReplyFile, Timestamp
from cogs._common import build_embeds


def test_long_reply_splits_into_embeds_within_limits():
    body = "\n".join(f"Line {i}: " + "word " * 30 for i in range(120))  # ~19k characters
    reply = Reply(title="T" * 400, body=body, footer="f" * 3000)
    for i in range(40):
        reply.add_field(f"Field {i} " + "n" * 300, "v" * 1500)
    embeds = build_embeds(reply)
    assert len(embeds) > 1
    for embed in embeds:
        assert len(embed) <= 6000
        assert len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)
        assert len(embed.title or "") <= 256
    text = "\n".join(e.description or "" for e in embeds)
    assert "Line 0:" in text and ("Line 119:" in text or "cut short" in embeds[-1].footer.text)


def test_short_reply_is_one_embed_with_everything():
    reply = Reply(title="Hello", body="> quoted", footer="foot").add_field("A", "B")
    (embed,) = build_embeds(reply)
    assert embed.title == "Hello" and embed.description == "> quoted"
    assert embed.fields[0].name == "A" and embed.footer.text == "foot"


def test_console_text_has_title_body_fields_quotes_and_local_times(settings):
    at = datetime.fromtimestamp(1767261600, UTC)
    reply = Reply(
        title="Next prompt",
        body=f"> a quote\nPosted {Timestamp(at)} in {ChannelRef(1)}, **bold**",
        files=[ReplyFile("x.csv", b"a,b\n")],
    ).add_field("When", f"{Timestamp(at, 'R')}")
    text = render_text(reply, settings)
    assert text.startswith("Next prompt\n===========")
    assert "> a quote" in text
    assert "<t:" not in text and "<#" not in text and "**" not in text
    assert "in #console, bold" in text
    assert "Thu 01 Jan 2026 10:00 GMT" in text  # settings fixture: Europe/London
    assert "## When" in text
    assert "[attached: x.csv, 4 bytes]" in text


def test_console_shows_relative_timestamps_in_words():
    from bot.core.console import relative_time

    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert relative_time(now + timedelta(days=3, hours=1), now) == "in 3 days"
    assert relative_time(now - timedelta(hours=2), now) == "2 hours ago"
    assert relative_time(now + timedelta(seconds=1), now) == "in 1 second"
    soon = datetime.now(UTC) + timedelta(hours=5, minutes=1)
    assert render_text(Reply(body=f"closes {Timestamp(soon, 'R')}")) == "closes in 5 hours"


def test_discord_renders_times_and_channels_as_discord_markup():
    at = datetime.fromtimestamp(1767261600, UTC)
    reply = Reply(title="Plan", body=f"First: {Timestamp(at)} in {ChannelRef(123)}")
    (embed,) = build_embeds(reply, "?")
    assert embed.description == "First: <t:1767261600:F> in <#123>"


def test_configured_prefix_replaces_bang_in_command_references_only(settings):
    reply = Reply(body="Try `!cite styles` or !summary. Wow! Great!", footer="!help lists all")
    (embed,) = build_embeds(reply, "?")
    assert embed.description == "Try `?cite styles` or ?summary. Wow! Great!"
    assert embed.footer.text == "?help lists all"


def test_a_token_cut_by_truncation_is_dropped_not_shown():
    at = datetime.fromtimestamp(1767261600, UTC)
    cut = f"closes {Timestamp(at)}"[:-4]
    (embed,) = build_embeds(Reply(body=cut))
    assert embed.description.strip() == "closes"
