"""``!help``: every command's usage and summary, read from the one declaration of each.

Both fronts show this: the console prints it, the Discord help command sends it as an embed.
"""

from __future__ import annotations

from bot.core.registry import REGISTRY, CommandSpec
from bot.core.replies import Reply


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
