"""``!privacy``, ``!optout``, ``!optin``, ``!mydata`` and ``!forgetme``: a student's own data.

Every one of these works for students, in a server or in a DM: control over one's own data
must not depend on a role or a channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.registry import Actor, Param, command
from bot.core.replies import Reply, ReplyFile

if TYPE_CHECKING:
    from bot.services import Services

PRIVACY_TEXT = """\
**What is stored.** When you answer a discussion prompt — in its thread, by replying to the \
prompt, or with `!respond` — the bot stores your answer's text, your Discord user id and \
display name, the prompt, the channel and message ids, when you wrote it, and whether it was \
late. If you edit or delete that message, the change is recorded and the earlier text is kept \
in its history. Nothing else you write is stored: ordinary messages outside prompt threads are \
not logged.

**Who can see it.** The instructors of this server (the instructor role or Manage Server), \
through `!responses`, `!participation` and exports made by whoever runs the bot. Other \
students cannot see your answers through the bot.

**Your choices.**
• `!optout` — stop logging your answers from now on (in a DM: in every server); `!optin` undoes it.
• `!mydata` (or `!mydata csv`) — get everything stored about you as a file, by DM.
• `!forgetme` — erase all your answers, their history and your opt-out for good.

Deleting a Discord message marks the answer deleted but keeps it for the instructor; \
`!forgetme` is what removes it. Backups taken before you ran `!forgetme` are not changed."""


@command(
    "privacy",
    usage="!privacy",
    summary="What the bot stores about you and who can see it.",
    examples=("",),
)
async def privacy(services: Services, actor: Actor) -> Reply:
    """The privacy notice, with this student's current opt-out state."""
    opted_out = await services.personal.is_opted_out(actor.user_id, actor.guild_id)
    state = (
        "You are opted out here: your answers are not being logged."
        if opted_out
        else "Your answers to prompts are being logged here."
    )
    return Reply(title="Privacy", body=PRIVACY_TEXT, footer=state)


@command(
    "optout",
    usage="!optout",
    summary="Stop logging your answers to prompts.",
    help="Stop logging your answers to prompts (in a DM: in every server).",
    private=True,
)
async def optout(services: Services, actor: Actor) -> Reply:
    """Record the opt-out; answers already stored stay until ``!forgetme``."""
    await services.personal.optout(actor.user_id, actor.guild_id)
    where = "in this server" if actor.guild_id is not None else "in every server"
    return Reply(
        title="Opted out",
        body=f"From now on your answers are not logged {where}. Answers already stored stay "
        "until you run `!forgetme`. `!optin` turns logging back on.",
        private=True,
    )


@command(
    "optin",
    usage="!optin",
    summary="Resume logging your answers to prompts.",
    private=True,
)
async def optin(services: Services, actor: Actor) -> Reply:
    """Lift the opt-outs that apply here (all of them from a DM)."""
    lifted = await services.personal.optin(actor.user_id, actor.guild_id)
    body = (
        "Your answers to prompts are logged again."
        if lifted
        else "You were not opted out; your answers are being logged."
    )
    return Reply(title="Opted in", body=body, private=True)


@command(
    "mydata",
    usage="!mydata [json|csv]",
    summary="Get your stored answers as a file.",
    help="Get everything the bot stores about you, as a file by DM.",
    params=(
        Param("format", "json (with edit history) or csv", kind="choice", choices=("json", "csv")),
    ),
    private=True,
    examples=("", "csv"),
)
async def mydata(services: Services, actor: Actor, format: str | None = None) -> Reply:  # noqa: A002
    """The caller's own responses (with history and opt-outs in JSON), sent privately."""
    fmt = format or "json"
    data = await services.personal.my_data(actor.user_id, fmt)
    count = len(await services.reports.rows(user_id=actor.user_id))
    return Reply(
        title="Your data",
        body=f"{count} answer{'s' if count != 1 else ''} stored about you, in every server "
        "this bot serves. `!forgetme` erases them.",
        files=[ReplyFile(f"my-responses.{fmt}", data, "Your answers")],
        private=True,
    )


@command(
    "forgetme",
    usage="!forgetme [confirm]",
    summary="Erase every answer stored about you.",
    help="Erase every answer the bot stored about you (asks for confirmation first).",
    params=(
        Param(
            "confirm",
            "Type 'confirm' to erase; without it you get an explanation",
            kind="choice",
            choices=("confirm",),
        ),
    ),
    private=True,
    examples=("",),
)
async def forgetme(services: Services, actor: Actor, confirm: str | None = None) -> Reply:
    """Explain first; erase only on ``!forgetme confirm``."""
    if confirm != "confirm":
        count = len(await services.reports.rows(user_id=actor.user_id))
        return Reply(
            title="Erase your data?",
            body=f"This deletes all {count} of your stored answers (in every server), their "
            "edit history and your opt-out setting. It cannot be undone, and instructors "
            "lose those answers too. To go ahead, type `!forgetme confirm`.",
            private=True,
        )
    gone = await services.personal.forget(actor.user_id)
    return Reply(
        title="Your data is erased",
        body=f"Deleted {gone.responses} answer{'s' if gone.responses != 1 else ''} and "
        f"{gone.history} earlier version{'s' if gone.history != 1 else ''}. Your opt-out "
        "was erased too: run `!optout` if you do not want new answers logged.",
        private=True,
    )
