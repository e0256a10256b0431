"""The command registry both fronts dispatch through, and the one permission check.

Each command is declared once, with :func:`command`: its path, usage line, one-line summary
(the slash-command description), help text, who may run it, and its typed parameters. Both
``!help`` texts, the slash commands' descriptions and options, the README's command table
(checked by a test) and the permission check all read that one declaration.

Arguments are parsed once. A handler is ``async (services, actor, **options) -> Reply`` and
gets typed values: Discord's slash options arrive typed; prefix and console text goes
through the command's one text parser (:func:`parse_text`, or the command's own ``parse``),
so both fronts hand the handler the same values.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.core.errors import BadArgument, NotInstructor
from bot.core.replies import ChannelRef

if TYPE_CHECKING:
    from bot.core.replies import Reply
    from bot.services import Services

MAX_ARGS_CHARS = 2000
SLASH_TEXT_MAX = 100  # Discord: descriptions, choice names and values are at most 100 chars

ParamKind = Literal["text", "int", "channel", "choice", "attachment"]


@dataclass(frozen=True)
class Actor:
    """Who typed a command, and where: all a handler needs to know about the caller."""

    user_id: int
    name: str
    is_instructor: bool = False
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class Param:
    """One typed parameter of a command, as both fronts show and parse it.

    ``kind`` is ``text``, ``int`` (with ``min_value``), ``channel`` (a :class:`ChannelRef`),
    ``choice`` (one of ``choices``) or ``attachment`` (files: a Discord front hands the
    handler their names and bytes; text never gives one); a ``text`` parameter with
    ``choices`` offers them as Discord's fixed choices while its text grammar may read more.
    ``rest`` takes the rest of a text line verbatim (the last parameter only).
    ``autocomplete`` names a suggestion source the Discord front knows (``reading``,
    ``style``, ``reading_or_concept``, ``bank``). ``flag`` is the ``--name`` that introduces
    an optional parameter in text (``--every week``).
    """

    name: str
    description: str
    kind: ParamKind = "text"
    required: bool = False
    rest: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    autocomplete: str | None = None
    flag: str | None = None


Handler = Callable[..., Awaitable["Reply"]]
TextParser = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class CommandSpec:
    """A command's one declaration: path (``"prompt schedule"``), texts, rights, parameters.

    ``summary`` is the one-line description (Discord's slash description, ≤ 100 characters);
    ``usage`` the syntax line; ``help`` the longer explanation; ``examples`` are argument
    strings that a test runs through both fronts. ``private`` answers only the caller.
    """

    path: str
    handler: Handler
    usage: str
    summary: str
    help: str = ""
    params: tuple[Param, ...] = ()
    instructor: bool = False
    guild_only: bool = False
    private: bool = False
    examples: tuple[str, ...] = ()
    parse: TextParser | None = field(default=None, compare=False)
    slow_parse: bool = False

    @property
    def name(self) -> str:
        """The last word of the path: the (sub)command's own name."""
        return self.path.split()[-1]

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (KeyError if there is none)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


REGISTRY: dict[str, CommandSpec] = {}


def command(
    path: str,
    *,
    usage: str,
    summary: str,
    help: str = "",
    params: tuple[Param, ...] = (),
    instructor: bool = False,
    guild_only: bool = False,
    private: bool = False,
    examples: tuple[str, ...] = (),
    parse: TextParser | None = None,
    slow_parse: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler under ``path``; instructor commands are also server-only.

    Raises ``RuntimeError`` for a path registered twice and ``ValueError`` for a summary or
    parameter description longer than Discord accepts, so a bad declaration fails at import.
    """

    def register(handler: Handler) -> Handler:
        if path in REGISTRY:
            raise RuntimeError(f"command {path!r} registered twice")
        texts = [summary, *(p.description for p in params)]
        if any(len(t) > SLASH_TEXT_MAX or not t for t in texts):
            raise ValueError(f"{path}: summaries and descriptions must be 1–100 characters")
        REGISTRY[path] = CommandSpec(
            path=path,
            handler=handler,
            usage=usage,
            summary=summary,
            help=help or summary,
            params=params,
            instructor=instructor,
            guild_only=guild_only or instructor,
            private=private,
            examples=examples,
            parse=parse,
            slow_parse=slow_parse,
        )
        return handler

    return register


def resolve(line: str) -> tuple[CommandSpec, str] | None:
    """Find the longest registered command path that starts ``line`` (without prefix)."""
    words = line.split()
    for n in range(min(len(words), 3), 0, -1):
        path = " ".join(words[:n]).lower()
        if path in REGISTRY:
            rest = line.strip()
            for word in words[:n]:
                rest = rest[len(word) :].lstrip()
            return REGISTRY[path], rest
    return None


def subcommands(group: str) -> list[CommandSpec]:
    """The registered subcommands of ``group`` (``"prompt"`` → post, schedule, …)."""
    return sorted(
        (s for s in REGISTRY.values() if s.path.startswith(group + " ")), key=lambda s: s.path
    )


def unknown_subcommand(group: str, word: str) -> BadArgument:
    """``!prompt frobnicate``: the group's subcommands and the nearest one to what was typed."""
    from rapidfuzz import process

    from bot.core.replies import truncate

    names = [spec.name for spec in subcommands(group)]
    best = process.extractOne(word.lower(), names, score_cutoff=50) if word else None
    hint = f" Did you mean `!{group} {best[0]}`?" if best else ""
    shown = truncate(word, 40).replace("`", "'")
    head = f"`{group}` has no subcommand `{shown}`." if word else f"`{group}` needs a subcommand."
    return BadArgument(
        f"{head}{hint} Its subcommands: " + ", ".join(f"`{n}`" for n in names),
        title="Unknown subcommand",
    )


def check_allowed(spec: CommandSpec, actor: Actor) -> None:
    """The one permission check: instructor commands need the role and a server."""
    require(spec.path, actor, instructor=spec.instructor, guild_only=spec.guild_only)


def require(path: str, actor: Actor, *, instructor: bool, guild_only: bool) -> None:
    """Raise NotInstructor unless ``actor`` may run ``path`` (also used by Discord-only chores)."""
    if (guild_only or instructor) and actor.guild_id is None:
        raise NotInstructor(f"`{path}` works in a server channel, not in direct messages.")
    if instructor and not actor.is_instructor:
        raise NotInstructor(f"`{path}` is for instructors (the instructor role or Manage Server).")


# ----------------------------------------------------------------------------- text parsing

_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_CHANNEL_MENTION = re.compile(r"^<#(\d{15,25})>$")
_CHANNEL_NAME = re.compile(r"^#([\w-]{1,100})$")
_INT = re.compile(r"^#?(\d{1,12})$")


@dataclass(frozen=True)
class Token:
    """A word of a text argument line: its value (quotes removed) and where it ends."""

    value: str
    end: int
    quoted: bool


def tokens(raw: str) -> list[Token]:
    """Split a line into words; ``"…"`` or ``“…”`` make one word of a phrase."""
    out = []
    for m in _TOKEN.finditer(raw):
        quoted = m.group(3) is None
        value = m.group(1) if m.group(1) is not None else m.group(2) or m.group(3) or ""
        out.append(Token(value, m.end(), quoted))
    return out


def channel_token(word: str) -> ChannelRef | None:
    """``<#123…>`` or ``#name`` as a channel reference; ``None`` for any other word."""
    mention = _CHANNEL_MENTION.match(word)
    if mention:
        return ChannelRef(id=int(mention.group(1)))
    named = _CHANNEL_NAME.match(word)
    if named and not named.group(1).isdigit():
        return ChannelRef(name=named.group(1).lower())
    return None


def int_token(word: str) -> int | None:
    """``12`` or ``#12`` as an integer id; ``None`` for any other word."""
    match = _INT.match(word)
    return int(match.group(1)) if match else None


def _convert(spec: CommandSpec, param: Param, word: str) -> Any:
    """A word as ``param``'s type, or ``None`` when it is not one (the caller decides)."""
    if param.kind == "int":
        return int_token(word)
    if param.kind == "channel":
        return channel_token(word)
    if param.kind == "attachment":
        return None
    if param.kind == "choice":
        lowered = word.lower()
        return lowered if lowered in param.choices else None
    return word


def parse_text(spec: CommandSpec, raw: str) -> dict[str, Any]:
    """Parse a text argument line into the typed options the handler takes.

    The generic grammar: ``--flag value`` options anywhere; then positional parameters in
    order, an optional one taken only when the next word has its type (a number, a
    ``#channel``, one of its choices); a ``rest`` parameter takes the remaining text verbatim.
    A command with its own grammar declares ``parse``. Raises :class:`BadArgument` with the
    usage line for a missing or unreadable required parameter or for words left over.
    """
    if spec.parse is not None:
        values = {p.name: None for p in spec.params} | spec.parse(raw)
        for p in spec.params:
            if p.required and values[p.name] in (None, ""):
                raise BadArgument(f"Missing `{p.name}`. Usage: `{spec.usage}`")
        return values
    values: dict[str, Any] = {p.name: None for p in spec.params}
    flags = {p.flag: p for p in spec.params if p.flag}
    words = tokens(raw)
    kept: list[Token] = []
    i = 0
    while i < len(words):
        param = flags.get(words[i].value.lower()) if not words[i].quoted else None
        if param is not None:
            if i + 1 >= len(words):
                raise BadArgument(f"`{param.flag}` needs a value. Usage: `{spec.usage}`")
            value = _convert(spec, param, words[i + 1].value)
            if value is None:
                raise BadArgument(f"`{param.flag} {words[i + 1].value}`: {param.description}.")
            values[param.name] = value
            i += 2
            continue
        kept.append(words[i])
        i += 1
    start = 0  # offset in raw where unread text begins
    pos = 0
    for param in (p for p in spec.params if not p.flag):
        if param.rest:
            text = _remaining(raw, kept, pos, start, flags_used=len(kept) != len(words))
            if param.required and not text:
                raise BadArgument(f"Missing `{param.name}`. Usage: `{spec.usage}`")
            values[param.name] = text or None
            pos = len(kept)
            break
        if pos < len(kept):
            value = _convert(spec, param, kept[pos].value)
            if value is not None:
                values[param.name] = value
                start = kept[pos].end
                pos += 1
                continue
            if param.required:
                raise BadArgument(
                    f"`{kept[pos].value}` is not a valid `{param.name}`. Usage: `{spec.usage}`"
                )
        elif param.required:
            raise BadArgument(f"Missing `{param.name}`. Usage: `{spec.usage}`")
    if pos < len(kept):
        extra = " ".join(t.value for t in kept[pos:])
        raise BadArgument(f"I did not expect `{extra}`. Usage: `{spec.usage}`")
    return values


def _remaining(raw: str, kept: list[Token], pos: int, start: int, *, flags_used: bool) -> str:
    """The text a ``rest`` parameter gets: verbatim when no flag was cut out of it."""
    if not flags_used:
        return raw[start:].strip()
    return " ".join(t.value for t in kept[pos:]).strip()


def check_options(spec: CommandSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """Typed options (from a slash command) checked against the declaration."""
    unknown = set(options) - {p.name for p in spec.params}
    if unknown:
        raise TypeError(f"{spec.path}: unknown options {sorted(unknown)}")
    values = {p.name: options.get(p.name) for p in spec.params}
    for p in spec.params:
        value = values[p.name]
        if isinstance(value, str):
            value = value.strip() or None
            values[p.name] = value
        if p.required and value is None:
            raise BadArgument(f"Missing `{p.name}`. Usage: `{spec.usage}`")
        if p.kind == "int" and value is not None and p.min_value is not None:
            if value < p.min_value:
                raise BadArgument(f"`{p.name}` must be at least {p.min_value}.")
        if p.kind == "choice" and value is not None and value not in p.choices:
            raise BadArgument(f"`{p.name}` is one of {', '.join(p.choices)}.")
    return values


async def parse_line(spec: CommandSpec, raw: str) -> dict[str, Any]:
    """Parse a text line off the event loop when the command's grammar is slow (dateparser)."""
    if len(raw) > MAX_ARGS_CHARS:
        raise BadArgument(f"That is too long ({len(raw)} characters; at most {MAX_ARGS_CHARS}).")
    if spec.slow_parse:
        # dateparser's first use compiles hundreds of regexes in long C calls that hold the
        # interpreter lock (~200 ms measured from a thread): parsed in the worker process.
        from bot.core.workers import shared_pool

        return await shared_pool().run(parse_text_job, spec.path, raw)
    return parse_text(spec, raw)


def parse_text_job(path: str, raw: str) -> dict[str, Any]:
    """``parse_text`` of the command at ``path`` (what the worker process runs)."""
    from bot.features import load_commands

    load_commands()
    return parse_text(REGISTRY[path], raw)


async def dispatch(
    services: Services,
    actor: Actor,
    path: str,
    args: str | Mapping[str, Any] = "",
) -> Reply:
    """Check permissions, parse text (or check typed options), run the handler at ``path``.

    ``args`` is the text after the command (prefix and console) or the typed options (slash).
    Permissions are checked before any parsing, so a refused caller learns nothing more.
    """
    from bot.features import load_commands

    load_commands()
    spec = REGISTRY[path]
    check_allowed(spec, actor)
    if isinstance(args, str):
        options = await parse_line(spec, args)
    else:
        options = check_options(spec, args)
    return await spec.handler(services, actor, **options)
