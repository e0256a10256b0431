-- Render many CSL-JSON items with pandoc's citeproc in ONE pandoc process.
--
-- stdin (read here, not by pandoc, which is given an empty input file) is a JSON object:
--   {"csl": "/path/style.csl", "groups": ["<CSL-JSON array>", ...]}
-- Each group is rendered by its own citeproc call, so disambiguation (year suffixes, added
-- names or initials, MLA's added titles) and numbering never reach across groups; the Python
-- side puts items that could interact into different groups.
--
-- Output (pandoc -t plain): one JSON object per line and item, {"id", "cites": [Para with the
-- parenthetical citation, Para with the narrative one], "entry": [bibliography entry blocks]}
-- in pandoc's AST JSON. Small lines let the Python side parse item by item without holding
-- the GIL (and so the bot's event loop) for one long parse. A group that fails becomes
-- {"error", "group"}, so one bad item cannot take the others down.

local function cite(id, mode)
  return pandoc.Para { pandoc.Cite({ pandoc.Str("@" .. id) }, { pandoc.Citation(id, mode) }) }
end

local function render_group(csl, lang, group_json)
  local refs = pandoc.read(group_json, "csljson").meta.references or {}
  local blocks = pandoc.Blocks {}
  local ids = {}
  for _, ref in ipairs(refs) do
    local id = pandoc.utils.stringify(ref.id)
    table.insert(ids, id)
    blocks:insert(pandoc.Div({ cite(id, "NormalCitation"), cite(id, "AuthorInText") },
      { id = "cites-" .. id }))
  end
  blocks:insert(pandoc.Div({}, { id = "refs" }))
  local meta = pandoc.Meta {
    references = refs, csl = csl, lang = lang, ["link-citations"] = false,
  }
  local done = pandoc.utils.citeproc(pandoc.Pandoc(blocks, meta))
  local entries, cites = {}, {}
  done:walk {
    Div = function(div)
      local ident = div.identifier
      if ident:sub(1, 4) == "ref-" then
        entries[ident:sub(5)] = div
      elseif ident:sub(1, 6) == "cites-" then
        cites[ident:sub(7)] = div.content
      end
    end,
  }
  local out = pandoc.Blocks {}
  for _, id in ipairs(ids) do
    local item = { id = id, cites = cites[id] or pandoc.Blocks {},
      entry = entries[id] and entries[id].content or pandoc.Blocks {} }
    out:insert(pandoc.RawBlock("plain", pandoc.json.encode(item)))
  end
  return out
end

function Pandoc(_)
  local request = pandoc.json.decode(io.stdin:read("a"), false)
  local lang = request.lang or "en-US"
  local out = pandoc.Blocks {}
  for n, group_json in ipairs(request.groups) do
    local ok, result = pcall(render_group, request.csl, lang, group_json)
    if ok then
      out:extend(result)
    else
      out:insert(pandoc.RawBlock("plain",
        pandoc.json.encode({ error = tostring(result), group = n - 1 })))
    end
  end
  return pandoc.Pandoc(out, pandoc.Meta {})
end
