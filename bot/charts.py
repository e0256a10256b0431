"""PNG bar charts (matplotlib, Agg backend) for replies that show numbers.

Used for theme fingerprints, and reusable for participation (``bar_chart_png``).

The figure is drawn with matplotlib's object API, never ``pyplot``, so it needs no display,
keeps no global state and can run in a worker thread while the bot serves other commands.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

MAX_BARS = 25
BAR_COLOUR = "#5865F2"  # Discord blurple, so the chart sits well beside the embed


def _literal(text: str) -> str:
    """Escape ``$`` so matplotlib draws user text literally instead of parsing it as mathtext.

    A label such as ``$5 $10`` would otherwise be read as a formula and can raise.
    """
    return text.replace("$", r"\$")


def bar_chart_png(
    labels: Sequence[str], values: Sequence[float], title: str, *, xlabel: str = ""
) -> bytes:
    """A horizontal bar chart as PNG bytes; the first label is drawn at the top.

    Long labels are shortened so the bars keep their room; at most ``MAX_BARS`` bars are drawn.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    labels = [_literal(lab if len(lab) <= 40 else lab[:39] + "…") for lab in labels[:MAX_BARS]]
    values = [float(v) for v in values[:MAX_BARS]]
    height = 1.2 + 0.42 * max(1, len(labels))
    figure = Figure(figsize=(7.5, height), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BAR_COLOUR)
    axes.set_yticks(positions, labels)
    axes.set_title(_literal(title[:90]), fontsize=11, loc="left")
    if xlabel:
        axes.set_xlabel(_literal(xlabel))
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
