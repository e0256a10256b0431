"""``!readings`` and ``!summary``: what the course reads, and the gist of one reading."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.errors import BadArgument, RemovedReading, UnknownReading, UserFacingError
from bot.core.registry import Actor, Param, command, tokens
from bot.core.replies import Reply, quote, truncate
from bot.core.text import escape_markdown
from bot.features.readings.cache import summary_of
from bot.features.readings.summaries import sections_reply

if TYPE_CHECKING:
    from bot.features.readings.intake import FileOutcome, IncomingFile, ReloadReport
    from bot.features.readings.library import Library
    from bot.features.readings.models import Reading
    from bot.services import Services

LENGTHS = ("short", "long", "sections")  # "sections": one line per section of a full text


@command(
    "readings",
    usage="!readings",
    summary="List the course readings with their ids.",
    help="Every reading with its id, short title, authors and year.",
    examples=("",),
)
async def readings(services: Services, actor: Actor) -> Reply:
    """One line per reading: id, short title, authors and year."""
    library = services.library
    if not library.readings:
        return Reply(
            title="No readings yet",
            body="An instructor adds one with `!readings add`: attach its PDF, RIS/BibTeX/"
            "CSL-JSON export or portal page, or give its DOI.",
        )
    lines = [
        f"`{r.id}` — *{escape_markdown(r.short_title)}* — "
        f"{escape_markdown(', '.join(r.author_names) or 'authors unknown')}"
        f"{(' (eds.)' if len(r.creators) > 1 else ' (ed.)') if r.edited else ''}"
        f" ({r.year or 'n.d.'})"
        for r in library
    ]
    return Reply(
        title=f"Course readings ({len(lines)})",
        body="\n".join(lines),
        footer="Use an id (or words of the title) with !summary, !cite or !themes.",
    )


def parse_summary(args: str) -> dict[str, str | None]:
    """``[reading] [short|long]``: a trailing (or leading) length word, the rest the reading."""
    words = args.split()
    if words and words[-1].lower() in LENGTHS:
        return {"reading": " ".join(words[:-1]) or None, "length": words[-1].lower()}
    if words and words[0].lower() in LENGTHS:
        return {"reading": " ".join(words[1:]) or None, "length": words[0].lower()}
    return {"reading": args.strip() or None, "length": None}


def _find_with_length(library: Library, query: str) -> Reading:
    """The reading ``query`` names; a last (or first) word that is no length says so.

    ``kan medium``: no reading matches, but ``kan`` does, so "medium" was meant as a length;
    the error names the lengths (and the nearest one) instead of "no reading matches".
    """
    from rapidfuzz import process

    try:
        return library.find(query)
    except UnknownReading as exc:
        words = query.split()
        if len(words) < 2 or isinstance(exc, RemovedReading):
            raise
        for word, rest in ((words[-1], words[:-1]), (words[0], words[1:])):
            try:
                meant = library.find(" ".join(rest))
            except RemovedReading:
                raise  # "kan medium" of a removed reading: that it was removed comes first
            except UserFacingError:
                continue
            near = process.extractOne(word.lower(), LENGTHS, score_cutoff=50)
            hint = f"`!summary {meant.id} {near[0]}`" if near else f"`!summary {meant.id} long`"
            shown = truncate(word, 40).replace("`", "'")
            raise BadArgument(
                f"`{shown}` is not a length. The lengths are `short` (the default), `long` and "
                f"`sections`: try {hint}.",
                title="Unknown length",
            ) from None
        raise


@command(
    "summary",
    usage="!summary [reading] [short|long|sections]",
    summary="The thesis and key points of a reading, quoted from it.",
    help="The reading's thesis and key points (context, case, findings, implications), each "
    "quoted from the reading itself, with its page; `long` gives more and says where each "
    "point comes from; `sections` gives one line per section of a PDF.",
    params=(
        Param(
            "reading",
            "Reading id or words of its title/authors (empty: the only reading)",
            autocomplete="reading",
        ),
        Param("length", "short (default), long, or sections", kind="choice", choices=LENGTHS),
    ),
    parse=parse_summary,
    examples=("serving the people long", "", "kan-ku"),
)
async def summary(
    services: Services, actor: Actor, reading: str | None = None, length: str | None = None
) -> Reply:
    """Gist and key points of one reading, each a faithful quotation, plus a source line."""
    long = length == "long"
    found = _find_with_length(services.library, reading or "")
    if length == "sections":
        return await services.compute.run(sections_reply, found)
    result = await summary_of(services.summaries, services.compute, found, long)
    title = truncate(f"{found.label}: {found.short_title}", 256)
    if result.basis == "none":
        return Reply(
            title=title,
            body="This reading has no abstract or text yet, so there is nothing to quote. "
            "Add its portal page (with the abstract) or a PDF to the seeds folder.",
        ).add_field("Source", truncate(result.source, 1024))
    gist_from = ""
    if long and result.gist_origin:
        where = result.gist_origin
        gist_from = " (from the abstract)" if where == "abstract" else f" (from “{where}”)"
    reply = Reply(title=title, body=f"**Gist**{gist_from}\n" + quote(result.gist_cited))
    for point in result.points:
        origin = f" ({point.origin})" if long and point.origin else ""
        reply.add_field(truncate(point.heading + origin, 256), truncate(quote(point.cited), 1024))
    reply.add_field("Source", truncate(result.source, 1024))
    if not long and found.text:
        reply.footer = f"Add “long” for more: !summary {found.id} long"
    return reply


def parse_add(args: str) -> dict[str, Any]:
    """``[--replace] <DOI | paths>``: the flag anywhere, the other words the source.

    A quoted word keeps its quotes in ``source``, so a console path with spaces
    (``"/tmp/My Reading.pdf"``) stays one path when :func:`tokens_of` splits it again.
    """
    found = tokens(args)
    replace = any(not t.quoted and t.value.lower() == "--replace" for t in found)
    rest = [
        f'"{t.value}"' if t.quoted else t.value
        for t in found
        if t.quoted or t.value.lower() != "--replace"
    ]
    return {"source": " ".join(rest) or None, "replace": "yes" if replace else None}


@command(
    "readings add",
    usage="!readings add [--replace] <attached files | DOI>",
    summary="Add a reading: attach its PDF, RIS, BibTeX, CSL-JSON or portal page, or give its DOI.",
    help="Attach the reading's files (PDF, RIS, BibTeX, CSL-JSON or a portal page as .txt), or "
    "give its DOI (`10.…` or a doi.org link) and the bot fetches its metadata and abstract. "
    "Each file is checked and read before it is saved in the seeds folder; the reading can be "
    "cited and summarised at once. Files already there are replaced only with `--replace` "
    "(the old one is kept in `removed/`). In the console, give local file paths instead.",
    params=(
        Param("source", "A DOI or doi.org link (or attach the reading's files)", rest=True),
        Param("replace", "yes: replace files already there", kind="choice", choices=("yes",)),
        Param(
            "attachment",
            "A reading file: PDF, RIS, BibTeX, CSL-JSON or portal page",
            kind="attachment",
        ),
    ),
    instructor=True,
    parse=parse_add,
    examples=("",),
)
async def readings_add(
    services: Services,
    actor: Actor,
    source: str | None = None,
    replace: str | None = None,
    attachment: list[IncomingFile] | None = None,
) -> Reply:
    """Save and load attached files, or the CSL-JSON of a DOI; say what was understood.

    ``attachment`` is the list of files a Discord front received (possibly empty); ``None``
    means a front that cannot attach files (the console), where words that are not a DOI
    are read as local file paths.
    """
    from bot.features.readings.doi import parse_doi

    files = list(attachment or [])
    doi = parse_doi(source) if source else None
    if source and files:
        raise BadArgument("Attach the files or give a DOI, not both; nothing was added.")
    if doi:
        return await _add_doi(services, doi, replace == "yes")
    if source and attachment is None:
        words = tokens_of(source)
        limit = services.settings.max_upload_mb
        files = [_local_file(w, limit, several=len(words) > 1) for w in words]
    elif source:
        raise BadArgument(
            f"`{source}` is not a DOI. Attach the reading's files, or give its DOI "
            "(`10.1234/…` or a https://doi.org/ link)."
        )
    if not files:
        raise BadArgument(
            "Attach the reading's files (PDF, RIS, BibTeX, CSL-JSON or portal page), or give "
            "its DOI. Usage: `!readings add [--replace] <attached files | DOI>`"
        )
    outcomes, report = await services.intake.add_files(files, replace=replace == "yes")
    return _added_reply(services, outcomes, report)


def tokens_of(text: str) -> list[str]:
    """The words of ``text`` (quoted phrases kept whole: paths with spaces)."""
    return [t.value for t in tokens(text)]


def _local_file(word: str, limit_mb: float, *, several: bool) -> IncomingFile:
    """A console path as an offered file; a file over ``limit_mb`` is offered unread.

    Raises ``BadArgument`` naming the path when it does not exist, is a folder or cannot be
    read; with ``several`` words, the message says a path with spaces goes in quotes.
    """
    from bot.features.readings.intake import IncomingFile

    path = Path(word).expanduser()
    if not path.exists():
        hint = (
            ' A path with spaces goes in quotes: `readings add "/path/My Reading.pdf"`.'
            if several
            else ""
        )
        raise BadArgument(
            f"There is no file `{word}` (and it is not a DOI); nothing was added.{hint}",
            title="No such file",
        )
    if not path.is_file():
        raise BadArgument(
            f"`{word}` is a folder, not a file; nothing was added.", title="Not a file"
        )
    try:
        size = path.stat().st_size
        if size > limit_mb * 1_000_000:
            return IncomingFile(path.name, b"", size=size)  # the intake refuses it by size
        return IncomingFile(path.name, path.read_bytes())
    except OSError as exc:
        raise BadArgument(
            f"`{word}` cannot be read ({exc.strerror or exc}); nothing was added.",
            title="Cannot read the file",
        ) from exc


async def _add_doi(services: Services, doi: str, replace: bool) -> Reply:
    import json

    from bot.features.readings.doi import fetch_work, file_stem
    from bot.features.readings.intake import IncomingFile

    item = await fetch_work(doi, services.settings)
    # CSL-JSON wants an id: the DOI, which is never taken as the reading id, so the file's
    # name gives it (the intake renames the file after a reading it joins).
    item["id"] = doi
    stem = file_stem(item)
    data = json.dumps([item], ensure_ascii=False, indent=2).encode("utf-8")
    outcomes, report = await services.intake.add_files(
        [IncomingFile(f"{stem}.json", data)], replace=replace
    )
    outcomes[0].offered = f"DOI {doi}"
    return _added_reply(services, outcomes, report)


def _added_reply(
    services: Services, outcomes: list[FileOutcome], report: ReloadReport | None
) -> Reply:
    saved = [o for o in outcomes if o.saved]
    if report is None:
        reply = Reply(title="Nothing was added", error=True)
    else:
        shown = _readings_of(services, report, [o.saved for o in saved])
        reply = Reply(title=f"Added {len(saved)} file{'s' if len(saved) != 1 else ''}")
        for reading, files in shown:
            reply.add_field(
                truncate(f"{reading.id} — {reading.label}", 256),
                truncate(_understood(services, reading, files), 1024),
            )
        reply.body = _counts(report)
        if shown:
            first = shown[0][0].id
            reply.footer = f"Try !cite {first}, !summary {first} or !themes {first}."
    for o in outcomes:
        if o.refused:
            reply.add_field(f"Not saved: {truncate(o.offered, 200)}", truncate(o.refused, 1024))
    return reply


def _readings_of(
    services: Services, report: ReloadReport, names: list[str]
) -> list[tuple[Reading, list[str]]]:
    """The readings the saved files went into, each with the saved names it took."""
    seeds = services.settings.seeds_dir
    out: list[tuple[Reading, list[str]]] = []
    for reading in report.library:
        mine = [n for n in names if seeds / n in reading.sources]
        if mine:
            out.append((reading, mine))
    return out


def _understood(services: Services, reading: Reading, files: list[str]) -> str:
    """What ``seeds check`` prints about a reading, and where the new files went."""
    lines = [f"*{escape_markdown(reading.title)}*"]
    who = "Editors: " if reading.edited else "Authors: "
    lines.append(who + (escape_markdown("; ".join(reading.author_names)) or "(none)"))
    where = reading.container
    for key, label in (("volume", "vol."), ("issue", "no."), ("page", "pp.")):
        if reading.csl.get(key):
            where += f" {label} {reading.csl[key]}"
    if where.strip():
        lines.append(f"In: {escape_markdown(where.strip())} ({reading.year or 'n.d.'})")
    if reading.doi:
        lines.append(f"DOI: {reading.doi}")
    lines.append(
        f"Abstract: {len(reading.abstract.split())} words · text: {len(reading.text.split())} "
        f"words · keywords: {escape_markdown(', '.join(reading.keywords)) or '(none)'}"
    )
    others = [p.name for p in reading.sources if p.name not in files]
    if others:
        lines.append("Merged with: " + escape_markdown(", ".join(others)))
    else:
        lines.append("A new reading.")
    notes = [
        w for w in services.library.warnings if any(w.startswith(f"{name}:") for name in files)
    ]
    lines.extend(f"Warning: {escape_markdown(n)}" for n in notes[:5])
    return "\n".join(lines)


def _counts(report: ReloadReport) -> str:
    parts = [f"{len(report.library)} readings"]
    for label, group in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        if group:
            parts.append(f"{label}: " + ", ".join(f"`{r.id}`" for r in group[:15]))
    return " · ".join(parts)


@command(
    "readings remove",
    usage="!readings remove <reading>",
    summary="Take a reading off the list (its files move to the seeds folder's removed/).",
    help="Moves every file of the reading into `removed/` in the seeds folder (nothing is "
    "deleted) and reloads. Prompts and responses about it are kept and say it was removed.",
    params=(
        Param(
            "reading",
            "Reading id or words of its title/authors",
            required=True,
            rest=True,
            autocomplete="reading",
        ),
    ),
    instructor=True,
    examples=("no such reading at all",),
)
async def readings_remove(services: Services, actor: Actor, reading: str) -> Reply:
    """Move the reading's files to ``removed/`` and reload; prompts about it keep working."""
    found = services.library.find(reading)
    moved, report = await services.intake.remove(found)
    names = ", ".join(f"`{p.name}`" for p in moved) or "no file"
    return Reply(
        title=f"Removed {found.id} — {found.label}",
        body=f"Moved {names} to `removed/` in the seeds folder (put them back and "
        "`!readings reload` to restore it). Prompts and responses about it are kept.\n"
        + _counts(report),
    )


@command(
    "readings reload",
    usage="!readings reload",
    summary="Read the seeds folder again after files were changed on disk.",
    help="Rescans the seeds folder without a restart and says which readings were added, "
    "changed and removed; unchanged readings keep their summaries, themes and citations.",
    instructor=True,
    examples=("",),
)
async def readings_reload(services: Services, actor: Actor) -> Reply:
    """Rescan ``SEEDS_DIR`` and report the difference."""
    report = await services.intake.reload()
    changed = report.added or report.changed or report.removed
    reply = Reply(
        title="Readings reloaded" if changed else "Nothing changed",
        body=_counts(report) + ("" if changed else f" · {report.unchanged} unchanged"),
    )
    warnings = report.library.warnings
    if warnings:
        shown = "\n".join(escape_markdown(w) for w in warnings[:8])
        more = (
            f"\n…and {len(warnings) - 8} more (`seminar-bot seeds check`)"
            if len(warnings) > 8
            else ""
        )
        reply.add_field("Warnings", truncate(shown + more, 1024))
    return reply
