"""Charts drawn from user text (theme names, display names) must never fail to render."""

import warnings

import pytest

from bot.core.charts import bar_chart_png, drawable

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "label",
    ["$5 and $10", "$x^2$", "a_b $$", r"\frac{1}{2}", "@everyone", "名前", "x" * 200],
)
def test_labels_from_users_render_as_png_without_empty_boxes(label):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = bar_chart_png([label, "plain"], [3, 1], f"Participation {label}")
    assert png.startswith(PNG)


def test_names_the_fonts_cannot_draw_point_to_the_text_list():
    assert drawable("Ana María Ö'Brien")
    assert not drawable("\U0001d11e\U000e0001")  # musical G clef, language tag: in no font here


def test_mismatched_lengths_are_a_programming_error():
    with pytest.raises(ValueError, match="same length"):
        bar_chart_png(["a", "b"], [1], "t")
