"""Read CSL-JSON (the CSL 1.0.2 data schema; Zotero's "CSL JSON" export, doi.org's answer).

The minimal reader ``!readings add <DOI>`` needs: a ``.json`` file holding an array of CSL
items (or one item). CSL-JSON is already the bot's own shape, so an item is kept as it is;
``abstract`` and ``keyword`` move to the work's abstract and keywords, and a DOI loses its
resolver prefix. (The import issue brings the full reader at this same path.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.features.readings.models import CSL, ParsedWork, bare_doi


class CslJsonParseError(ValueError):
    """A ``.json`` file that is not a CSL-JSON item list."""


def looks_like_csl_json(text: str) -> bool:
    """Whether a ``.json`` file is CSL-JSON (objects with a ``type``), not course data."""
    head = text.lstrip()[:4000]
    return head[:1] in ("[", "{") and re.search(r'"type"\s*:', head) is not None


def parse_csl_json(
    path: Path, text: str, max_records: int = 2000
) -> tuple[list[ParsedWork], list[str]]:
    """Every item with a title as a ``citation`` work; a warning for each item left out.

    Raises :class:`CslJsonParseError` for invalid JSON or a file without any usable item.
    """
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CslJsonParseError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise CslJsonParseError("expected a JSON array of CSL items")
    warnings: list[str] = []
    works = []
    for number, item in enumerate(data[:max_records], start=1):
        if not isinstance(item, dict) or not str(item.get("title", "")).strip():
            warnings.append(f"item {number}: not a CSL item with a title; skipped")
            continue
        works.append(_work(path, item))
    if not works:
        raise CslJsonParseError(warnings[0] if warnings else "the array holds no item")
    return works, warnings


def _work(path: Path, item: dict[str, Any]) -> ParsedWork:
    csl: CSL = {k: v for k, v in item.items() if v not in (None, "", [], {})}
    csl.pop("id", None)
    csl.setdefault("type", "article-journal")
    abstract = str(csl.pop("abstract", "")).strip()
    keywords = [k.strip() for k in re.split(r"[,;]", str(csl.pop("keyword", ""))) if k.strip()]
    if "DOI" in csl:
        csl["DOI"] = bare_doi(str(csl["DOI"]))
    return ParsedWork(kind="citation", source=path, csl=csl, abstract=abstract, keywords=keywords)
