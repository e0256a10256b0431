"""Load an instructor-edited TOML file of ``[[table]]`` entries, validated one entry at a time.

Instructors edit the glossary and the prompt bank by hand, so a typo must cost one entry, not
the file, and the warning must say where to look: file, line and field. ``tomllib`` reports
no positions for values, so the line is found by scanning the raw text for the entry's header
and the field's ``name =`` line inside it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class Loaded(Generic[Model]):
    """Valid entries, the top-level settings, and one warning per problem found."""

    entries: list[Model] = field(default_factory=list)
    top: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # header line of each valid entry


def _header_lines(raw_lines: list[str], table: str) -> list[int]:
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
    return [i + 1 for i, line in enumerate(raw_lines) if pattern.match(line)]


def field_line(raw_lines: list[str], start: int, name: str) -> int:
    """The 1-based line of ``name = …`` in the entry whose header is at line ``start``."""
    pattern = re.compile(r"^\s*" + re.escape(name) + r"\s*=")
    for i in range(start, len(raw_lines)):
        line = raw_lines[i]
        if line.lstrip().startswith("["):
            break
        if pattern.match(line):
            return i + 1
    return start


def describe(path: Path, line: int, what: str, field_name: str, message: str) -> str:
    """One warning line in the shape every data-file warning uses."""
    where = f"{path}, line {line}"
    if what:
        where += f" ({what})"
    return f"{where}, field '{field_name}': {message}" if field_name else f"{where}: {message}"


def load_tables(
    path: Path, table: str, model: type[Model], *, top_keys: tuple[str, ...] = ()
) -> Loaded[Model]:
    """Parse ``path`` and validate each ``[[table]]`` with ``model``; bad entries become warnings.

    A missing file is not an error (the feature is simply empty); a TOML syntax error loses the
    file but is reported with its line, and nothing else stops.
    """
    result: Loaded[Model] = Loaded()
    if not path.is_file():
        return result
    try:
        raw = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(raw)
    except UnicodeDecodeError:
        result.warnings.append(f"{path}: not UTF-8 text; nothing loaded from it")
        return result
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        where = f"{path}, line {found.group(1)}" if found else str(path)
        result.warnings.append(f"{where}: invalid TOML, nothing loaded from this file: {exc}")
        return result
    raw_lines = raw.splitlines()
    for key in data:
        if key != table and key not in top_keys:
            pattern = re.compile(rf"^\s*\[?{re.escape(key)}\b")
            line = next((i + 1 for i, ln in enumerate(raw_lines) if pattern.match(ln)), 1)
            result.warnings.append(describe(path, line, "", key, "unknown setting; ignored"))
    result.top = {k: data[k] for k in top_keys if k in data}
    entries = data.get(table, [])
    if not isinstance(entries, list):
        result.warnings.append(f"{path}: '{table}' must be written as [[{table}]] tables")
        return result
    headers = _header_lines(raw_lines, table)
    for index, entry in enumerate(entries):
        start = headers[index] if index < len(headers) else 1
        label = f"{table} {index + 1}"
        if isinstance(entry, dict) and isinstance(entry.get("id", entry.get("key")), str):
            label = f"{table} '{entry.get('id', entry.get('key'))}'"
        try:
            result.entries.append(model.model_validate(entry))
            result.lines.append(start)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                line = field_line(raw_lines, start, name) if name else start
                message = err["msg"].removeprefix("Value error, ")
                result.warnings.append(
                    describe(path, line, label, name, message + "; entry skipped")
                )
    return result
