"""PNG bar charts (matplotlib, Agg backend) for replies that show numbers.

Used for theme fingerprints, and reusable for participation (``bar_chart_png``).

The figure is drawn with matplotlib's object API, never ``pyplot``, so it needs no display,
keeps no global state and can run in a worker thread while the bot serves other commands.
matplotlib (~0.3 s and ~30 MiB to import) is imported when the first chart is drawn, not when
the bot starts: most sessions never draw one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

MAX_BARS = 25
BAR_COLOUR = "#5865F2"  # Discord blurple, so the chart sits well beside the embed
# Fonts tried in order for each glyph. Student names and readings may be Chinese, Japanese or
# Korean; matplotlib's own DejaVu Sans has no CJK, so any of these that the host has installed
# (e.g. Debian's fonts-noto-cjk) is used as a fallback. Nothing is downloaded.
FONT_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Arial Unicode MS",
)
NOT_DRAWABLE = "(see the list)"


@lru_cache(maxsize=1)
def installed_families() -> tuple[str, ...]:
    """The FONT_FAMILIES this host has, in order."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in FONT_FAMILIES if name in have)


@lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    """Every code point some installed family can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    points: set[int] = set()
    for entry in font_manager.fontManager.ttflist:
        if entry.name in installed_families():
            try:
                points.update(FT2Font(entry.fname).get_charmap())
            except (OSError, RuntimeError):  # an unreadable font file: skip it
                continue
    return frozenset(points)


def drawable(text: str) -> bool:
    """Whether the installed fonts can draw every character of ``text`` (no empty boxes)."""
    cover = _coverage()
    return all(ch.isspace() or ord(ch) in cover for ch in text)


def _literal(text: str) -> str:
    """Escape ``$`` so matplotlib draws user text literally instead of parsing it as mathtext.

    A label such as ``$5 $10`` would otherwise be read as a formula and can raise.
    """
    return text.replace("$", r"\$")


def bar_chart_png(
    labels: Sequence[str], values: Sequence[float], title: str, *, xlabel: str = ""
) -> bytes:
    """A horizontal bar chart as PNG bytes; the first label is drawn at the top.

    Bars are numbered like the reply's text list, so a label the host's fonts cannot draw
    (a CJK name without a CJK font) reads "3. (see the list)" instead of empty boxes. Long
    labels are shortened so the bars keep their room; at most ``MAX_BARS`` bars are drawn.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [
        f"{i}. " + _literal(lab if len(lab) <= 40 else lab[:39] + "…")
        if drawable(lab)
        else f"{i}. {NOT_DRAWABLE}"
        for i, lab in enumerate(labels[:MAX_BARS], start=1)
    ]
    if not drawable(title):
        title = "".join(ch if drawable(ch) else "?" for ch in title)
    values = [float(v) for v in values[:MAX_BARS]]
    height = 1.2 + 0.42 * max(1, len(labels))
    figure = Figure(figsize=(7.5, height), dpi=110)
    fonts = {"fontfamily": list(installed_families()) or ["sans-serif"]}
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BAR_COLOUR)
    axes.set_yticks(positions, labels, **fonts)
    axes.set_title(_literal(title[:90]), fontsize=11, loc="left", **fonts)
    if xlabel:
        axes.set_xlabel(_literal(xlabel), **fonts)
    top = max(values, default=0.0)
    axes.set_xlim(0, top * 1.15 if top > 0 else 1)
    for pos, value in zip(positions, values, strict=True):
        axes.text(
            value, pos, f" {value:.2f}" if value < 10 else f" {value:g}", va="center", fontsize=8
        )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
