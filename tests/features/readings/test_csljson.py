"""CSL-JSON as people save it: an array of items, or one bare item from a DOI resolver."""

from __future__ import annotations

import json

from bot.features.readings import load_library


def test_one_item_not_wrapped_in_an_array_is_a_reading(tmp_path):
    item = {
        "id": "sen-2020-ledgers",
        "type": "article-journal",
        "title": "Ledgers of trust",
        "author": [{"family": "Sen", "given": "Asha"}],
        "issued": {"date-parts": [[2020]]},
        "container-title": "Journal of Civic Studies",
    }
    (tmp_path / "sen.json").write_text(json.dumps(item), encoding="utf-8")
    (reading,) = load_library(tmp_path).readings
    assert reading.id == "sen-2020-ledgers" and reading.title == "Ledgers of trust"
