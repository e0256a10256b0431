// The bridge between Python and citeproc-js (vendor/citeproc_commonjs.js), evaluated in the
// same V8 context after it. Python hands over strings (style XML, locale XML, CSL-JSON) and gets
// JSON strings back; citeproc-js never sees the file system or the network.
//
// One CSL.Engine per style is built once and kept, and reset to the one item before each render,
// so the item reads as if cited alone (no "2021a", no added initials, IEEE's number is always 1).
// The kept engine is built without the style's <sort> elements: citeproc-js inlines every macro
// a sort key names, recursively, into the sort token lists (APA: ~47 of its ~48 MB of V8 heap,
// Chicago author-date ~75 of ~77 MB, and most of the build time), and a list of one item needs
// no sorting. The fixture maker's fresh engines keep the whole style (the reference).
"use strict";

var SeminarCiteproc = (function () {
  var CSL = module.exports;
  var locales = {};
  var items = {};
  var engines = {};
  var sys = {
    retrieveLocale: function (lang) {
      return locales[lang];
    },
    retrieveItem: function (id) {
      return items[id];
    },
  };

  function addLocale(lang, xml) {
    locales[lang] = xml;
    return true;
  }

  // The style as citeproc-js's own parsed form (what CSL.parseXml gives), without the <sort>
  // of cs:citation and cs:bibliography. Only the sort keys go: a <sort> changes the order of
  // several items (and citation-number's direction, which is 1 either way for one item),
  // never how one item prints.
  function unsorted(xml) {
    var style = CSL.parseXml(xml);
    var stack = [style];
    while (stack.length) {
      var node = stack.pop();
      var children = node.children || [];
      if (node.name === "citation" || node.name === "bibliography" || node.name === "intext") {
        node.children = children = children.filter(function (child) {
          return child.name !== "sort";
        });
      }
      for (var i = 0; i < children.length; i++) {
        if (typeof children[i] === "object") {
          stack.push(children[i]);
        }
      }
    }
    return style;
  }

  // lang: the locale to use; force: whether it overrides the style's own default-locale
  // (true for a dependent style's locale, false when en-US is only the fallback).
  function addStyle(key, xml, lang, force) {
    var engine = new CSL.Engine(sys, unsorted(xml), lang, force);
    engines[key] = {
      engine: engine,
      note: engine.opt.xclass === "note",
      xml: xml,
      lang: lang,
      force: force,
    };
    return engines[key].note;
  }

  function dropStyle(key) {
    delete engines[key];
    return true;
  }

  function bibliography(engine, format) {
    engine.setOutputFormat(format);
    var bib = engine.makeBibliography();
    if (!bib || !bib[1].length) {
      return "";
    }
    var entry = bib[1].join("").trim();
    if (format === "html") {
      // One line: IEEE's "[1]" label and its entry are two divs inside the entry's div.
      entry = entry
        .replace(/<div class="csl-left-margin">([\s\S]*?)<\/div>\s*<div class="csl-right-inline">([\s\S]*?)<\/div>/, "$1 $2")
        .replace(/^<div class="csl-entry">\s*/, "")
        .replace(/\s*<\/div>$/, "");
    }
    return entry.replace(/\s+/g, " ").trim();
  }

  function cite(engine, id, properties, format, note) {
    engine.setOutputFormat(format);
    var props = { noteIndex: note ? 1 : 0 };
    for (var name in properties) {
      props[name] = properties[name];
    }
    var citation = { citationID: "seminar-citation", citationItems: [{ id: id }], properties: props };
    var result = engine.processCitationCluster(citation, [], []);
    return result[1].length ? result[1][0][1] : "";
  }

  // Every form !cite shows, as a JSON string: the entry and the two in-text forms (for a note
  // style the first-note form stands for both), each as citeproc-js's "html" and "text".
  // fresh: build a new engine for this item alone instead of resetting the kept one (the
  // fixture maker's independent reference).
  function render(key, itemJson, fresh) {
    var entry = engines[key];
    var item = JSON.parse(itemJson);
    // One fixed id and citation id for every render: citeproc-js keeps per-id and
    // per-citation state, so fresh ids would grow its heap by ~0.1 MB per render.
    var id = "seminar-item";
    item.id = id;
    items = {};
    items[id] = item;
    var engine = fresh ? new CSL.Engine(sys, entry.xml, entry.lang, entry.force) : entry.engine;
    engine.updateItems([id]);
    var out = { note: entry.note };
    var formats = ["html", "text"];
    for (var i = 0; i < formats.length; i++) {
      var format = formats[i];
      out["bibliography_" + format] = bibliography(engine, format);
      out["citation_" + format] = cite(engine, id, {}, format, entry.note);
      out["narrative_" + format] = cite(engine, id, { mode: "composite" }, format, entry.note);
    }
    engine.updateItems([]);
    items = {};
    return JSON.stringify(out);
  }

  return {
    version: CSL.PROCESSOR_VERSION,
    addLocale: addLocale,
    addStyle: addStyle,
    render: render,
    dropStyle: dropStyle,
  };
})();
