"""``!help``: every command's usage and summary, read from the one declaration of each.

Both fronts show this: the console prints it, the Discord help command sends it as an embed.
"""

from __future__ import annotations

from bot.core.registry import REGISTRY, CommandSpec, resolve, subcommands
from bot.core.replies import Reply, truncate
from bot.core.text import defuse_mentions

NEAREST = 3  # command names suggested for an unknown topic
NEAREST_CUTOFF = 70.0  # rapidfuzz ratio, 0-100: "sumary"/"summary" scores 92
NEAREST_SPREAD = 10.0  # also suggest names this close to the best one


def help_reply(prefix: str, *, instructor: bool = True) -> Reply:
    """Every command with its usage and one-line summary, from the declarations.

    Instructor commands are listed to instructors only (students could not run them).
    """
    lines = []
    for spec in REGISTRY.values():
        if spec.instructor and not instructor:
            continue
        who = " (instructors)" if spec.instructor else ""
        lines.append(f"`{spec.usage}` — {spec.summary}{who}")
    return Reply(
        title="Commands",
        body="\n".join(lines),
        footer=f"{prefix}help <command> explains one command.",
    )


def command_help_reply(spec: CommandSpec) -> Reply:
    """One command's usage, help and options."""
    reply = Reply(title=spec.usage, body=spec.help)
    for p in spec.params:
        reply.add_field(p.name, p.description, inline=True)
    if spec.instructor:
        reply.footer = "For instructors, in a server."
    return reply


def help_for(
    topic: str, prefix: str, *, instructor: bool = True, extra: tuple[str, ...] = ()
) -> Reply:
    """``!help <topic>``: one command's help, a group's subcommands, or the nearest names.

    ``topic`` is what followed ``help`` (a leading prefix is ignored): an exact command path
    (``readings remove``) gives that command; a group (``prompt``) lists its subcommands;
    anything else is answered with the nearest command names (:func:`_nearest`), never the
    whole list. ``extra`` names commands only one front has
    (Discord's ``sync``), suggested too. Instructor commands are shown to instructors only.
    """
    words = topic.strip().removeprefix(prefix).split()
    if not words:
        return help_reply(prefix, instructor=instructor)
    wanted = " ".join(words).lower()
    found = resolve(wanted)
    if found is not None and not found[1] and _visible(found[0], instructor):
        reply = command_help_reply(found[0])
        more = [s for s in subcommands(wanted) if _visible(s, instructor)]
        if more:
            reply.add_field("Subcommands", "\n".join(f"`{s.usage}`" for s in more))
        return reply
    group = [s for s in subcommands(wanted) if _visible(s, instructor)]
    if group:
        lines = [f"`{spec.usage}` — {spec.summary}" for spec in group]
        return Reply(
            title=f"{prefix}{wanted} …", body="\n".join(lines), footer=_FOOTER.format(prefix)
        )
    names = [s.path for s in REGISTRY.values() if _visible(s, instructor)] + list(extra)
    nearest = _nearest(wanted, names)
    shown = defuse_mentions(truncate(" ".join(words), 60).replace("`", "'"))
    hint = (
        "Did you mean " + ", ".join(f"`{prefix}help {n}`" for n in nearest) + "?"
        if nearest
        else f"`{prefix}help` lists every command."
    )
    return Reply(
        title="No such command",
        body=f"There is no command `{prefix}{shown}`. {hint}",
        footer=_FOOTER.format(prefix),
        error=True,
    )


_FOOTER = "{0}help lists every command; {0}help <command> explains one."


def _visible(spec: CommandSpec, instructor: bool) -> bool:
    return instructor or not spec.instructor


def _nearest(wanted: str, names: list[str]) -> list[str]:
    """Up to ``NEAREST`` command names closest to ``wanted``, best first.

    A name scores the better of rapidfuzz's ``ratio`` against its whole path
    (``prompt shedule`` → ``prompt schedule``) and against its last word (``remov`` →
    ``readings remove``); names within ``NEAREST_SPREAD`` of the best and above
    ``NEAREST_CUTOFF`` are kept.
    """
    from rapidfuzz import fuzz

    scored = sorted(
        ((max(fuzz.ratio(wanted, n), fuzz.ratio(wanted, n.split()[-1])), n) for n in names),
        key=lambda pair: -pair[0],
    )
    if not scored or scored[0][0] < NEAREST_CUTOFF:
        return []
    best = scored[0][0]
    return [n for score, n in scored if score >= max(NEAREST_CUTOFF, best - NEAREST_SPREAD)][
        :NEAREST
    ]


def readme_table() -> str:
    """The README's command table (Markdown), written from the declarations.

    ``python -m bot.core.help`` prints it; a test checks that the README holds exactly this.
    """
    rows = ["| command | who | what it does | example |", "| --- | --- | --- | --- |"]
    for spec in REGISTRY.values():
        example = next((e for e in spec.examples if e), "")
        shown = f"`!{spec.path} {example}`" if example else f"`!{spec.path}`"
        who = "instructors" if spec.instructor else "anyone"
        cells = [f"`{spec.usage}`", who, spec.summary, shown]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    rows.append("| `!help [command]` | anyone | every command with a line each | `!help cite` |")
    rows.append(
        "| `!sync [here\\|global\\|clear]` | instructors | register the slash commands "
        "(Discord only) | `!sync` |"
    )
    return "\n".join(rows)


if __name__ == "__main__":
    from bot.features import load_commands

    load_commands()
    print(readme_table())
