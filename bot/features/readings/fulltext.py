"""A PDF's text the way a scholar reads it: page by page, in reading order, without layout debris.

``extract(path, limits)`` lays every page out with pdfminer.six (MIT; chosen over pypdf's layout
mode, pdfplumber and pypdfium2 because it alone keeps two-column pages in reading order on the
test cases: see README, "Full texts"), then ``clean`` classifies each text line from the
typography a reader sees:

* the body font is the size most characters are set in; headings are bold lines of about that
  size; text in another size is a running head, footnote, caption, table, figure label or
  title-page block, told apart by where it sits and what it says;
* lines repeating across pages (digits ignored) and page numbers are running heads/feet;
* a references heading ("References", "Bibliography", "Works Cited"…) ends the text;
* raised small digits inside a line are footnote markers;
* ligature glyphs are folded, a line-end hyphen is joined only when the joined form is a word
  and the hyphenated one is not (wordfreq), and words a PDF draws in two pieces are mended by
  the same rule.

What remains is a list of ``Block`` (heading, abstract or body paragraph) with the printed page
label where each part starts, so every sentence can be quoted with ``(p. N)``.
"""

from __future__ import annotations

import re
import statistics
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb06": "st",
    }
)
REFERENCES_HEADING = re.compile(
    r"^(?:\d+\.?\s*)?(references|bibliography|works cited|literature cited|reference list|"
    r"literature|sources|notes and references)\s*$",
    re.IGNORECASE,
)
ABSTRACT_HEADING = re.compile(r"^(abstract|summary)[.:]?\s*$", re.IGNORECASE)
ABSTRACT_LABEL = re.compile(r"^(abstract|summary)\s*[.:—–-]\s*(?=\S)", re.IGNORECASE)
END_MATTER = re.compile(r"^(?:\d+\.?\s*)?(notes|endnotes)\s*$", re.IGNORECASE)
BACK_MATTER = re.compile(
    r"^(?:\d+\.?\s*)?(acknowledge?ments?|data availability( statement)?|author contributions?|"
    r"funding( statement)?|conflicts? of interest( statement)?|competing interests?|"
    r"ethics statement|publisher['’]?s note|declarations?|supplementary materials?|"
    r"disclosure statement)[.:]?\s*$",
    re.IGNORECASE,
)
HYPHENS = "-\u2010\u2011\u00ad"  # hyphen, Unicode hyphen, non-breaking hyphen, soft hyphen
KEYWORDS = re.compile(r"^(keywords?|key words|index terms)\b\s*[:.—-]", re.IGNORECASE)
CAPTION = re.compile(
    r"^(table|figure|fig\.|chart|map|exhibit|plate)\s*[0-9IVX]+[a-z]?\s*[.:—-]", re.I
)
COPYRIGHT = re.compile(
    r"(copyright|©|\(c\) \d{4}|all rights reserved|permission to make|licen[cs]e[ds]? under|"
    r"creative commons|\bISBN\b|\bISSN\b|\$\d+\.\d\d|published by|downloaded from|"
    r"terms (and conditions|of use))",
    re.IGNORECASE,
)
FRONT = re.compile(
    r"(@|\b(university|universit[éä]t|department|dept\.|institute|centre|center|school of|"
    r"faculty|college|laboratory)\b|^draft\b|working paper|please do not (cite|circulate)|"
    r"corresponding author|received \d|accepted \d|orcid)",
    re.IGNORECASE,
)
PAGE_NUMBER = re.compile(r"^\W*(\d{1,4}|[ivxlc]{1,6})\W*$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.?!…][\"”’')\]]*$")
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
SIZE_TOLERANCE = 0.06  # body lines lie within 6 % of the body size (an 11 pt text: 10.4–11.7)
KINDS = (
    "header",
    "footer",
    "page number",
    "front matter",
    "copyright",
    "footnote",
    "footnote marker",
    "table",
    "caption",
    "figure",
    "back matter",
    "references",
)


class PdfLimitError(ValueError):
    """A PDF beyond a budget (size, inflated streams, time); the message names the budget."""


@dataclass(frozen=True)
class PdfLimits:
    """Budgets for one PDF: file bytes, bytes its compressed streams may inflate to, seconds."""

    max_bytes: int = 50 * 1024 * 1024
    max_inflated_bytes: int = 64 * 1024 * 1024
    max_seconds: float = 60.0
    max_pages: int = 300


@dataclass
class Line:
    """One laid-out text line: its text and the typography and position a reader sees."""

    text: str
    size: float
    bold: bool
    italic: bool
    top: float
    bottom: float
    x0: float
    box: int
    page: int
    markers: int = 0


@dataclass
class Block:
    """A heading or a paragraph of kept text; ``pages`` maps char offsets to printed page labels."""

    kind: str  # "heading", "abstract" or "body"
    text: str
    pages: list[tuple[int, str]]
    section: str = ""

    def page_at(self, offset: int) -> str:
        """The printed page label of the character at ``offset``."""
        label = self.pages[0][1]
        for start, page in self.pages:
            if start <= offset:
                label = page
        return label


@dataclass
class FullText:
    """A PDF after cleaning: blocks in reading order, and what was dropped (words per kind)."""

    blocks: list[Block]
    page_labels: list[str]
    title: str = ""
    first_page: str = ""
    dropped: Counter[str] = field(default_factory=Counter)
    split: list[Sentence] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The cleaned text: blocks separated by blank lines (what every quote is taken from)."""
        return "\n\n".join(b.text for b in self.blocks)

    @property
    def words(self) -> int:
        """Words kept (headings included)."""
        return sum(len(b.text.split()) for b in self.blocks)

    def report(self) -> str:
        """One line for ``seeds check``: pages, words kept, words dropped per kind."""
        drops = ", ".join(f"{k} {self.dropped[k]}" for k in KINDS if self.dropped.get(k))
        return (
            f"{len(self.page_labels)} pages, {self.words} words kept; dropped: {drops or 'nothing'}"
        )


# ---- budgets -------------------------------------------------------------------------------

_STREAM = re.compile(rb"stream\r?\n")


def check_budget(data: bytes, limits: PdfLimits) -> None:
    """Refuse a PDF whose Flate streams inflate beyond the budget, in bounded memory.

    Each stream is inflated in 1 MiB steps and the output thrown away, so a decompression bomb
    costs a few MiB and stops at the budget instead of exhausting memory in the parser.
    """
    total = 0
    for match in _STREAM.finditer(data):
        head = data[max(0, match.start() - 1000) : match.start()]
        if b"/Image" in head[head.rfind(b" obj") :]:  # images are not read for text
            continue
        inflater = zlib.decompressobj()
        chunk = data[match.end() : match.end() + 1]
        if chunk not in (b"x", b"h", b"X"):  # not a zlib header: not Flate, or not a stream
            continue
        pos = match.end()
        while True:
            step = data[pos : pos + 65536]
            try:
                out = inflater.decompress(inflater.unconsumed_tail + step, 1 << 20)
                while out:
                    total += len(out)
                    if total > limits.max_inflated_bytes:
                        raise PdfLimitError(
                            f"its compressed streams inflate to more than "
                            f"{limits.max_inflated_bytes // (1024 * 1024)} MB "
                            "(a decompression bomb?)"
                        )
                    out = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
            except zlib.error:
                break
            if inflater.eof or not step:
                break
            pos += len(step)


# ---- layout ----------------------------------------------------------------------------------


def extract(
    path: Path, limits: PdfLimits | None = None, password: str = ""
) -> tuple[list[list[Line]], list[str], dict[str, str]]:
    """Lines of every page in reading order, the printed page labels, and the metadata.

    Raises ``PdfLimitError`` (budget), ``pdfminer.pdfdocument.PDFPasswordIncorrect`` (a
    password is needed) and pdfminer's parse errors; the caller turns them into warnings.
    """
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFDocument, PDFNoPageLabels
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    limits = limits or PdfLimits()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise PdfLimitError(
            f"the file is {size // (1024 * 1024)} MB, over the "
            f"{limits.max_bytes // (1024 * 1024)} MB budget for a PDF"
        )
    data = path.read_bytes()
    check_budget(data, limits)
    deadline = time.monotonic() + limits.max_seconds
    import io

    parser = PDFParser(io.BytesIO(data))
    document = PDFDocument(parser, password=password)
    meta: dict[str, str] = {}
    for info in document.info:
        for key, value in info.items():
            meta[key] = _meta_text(value)
    rsrc = PDFResourceManager(caching=True)
    device = PDFPageAggregator(rsrc, laparams=LAParams())
    interpreter = PDFPageInterpreter(rsrc, device)
    pages: list[list[Line]] = []
    for number, page in enumerate(PDFPage.create_pages(document)):
        if number >= limits.max_pages or time.monotonic() > deadline:
            if time.monotonic() > deadline:
                raise PdfLimitError(f"reading it took longer than {limits.max_seconds:g} s")
            break
        interpreter.process_page(page)
        layout = device.get_result()
        lines: list[Line] = []
        boxes = reading_order([b for b in layout if isinstance(b, LTTextBox)], layout.width)
        for box_no, box in enumerate(boxes, start=1):
            for row in box:
                if not isinstance(row, LTTextLine):
                    continue
                line = _line(row, LTChar, box_no, number)
                if line is not None:
                    lines.append(line)
        pages.append(lines)
    try:
        labels = [str(x) for x, _ in zip(document.get_page_labels(), pages, strict=False)]
    except (PDFNoPageLabels, KeyError, TypeError, ValueError):
        labels = []
    if len(labels) != len(pages):
        labels = printed_page_numbers(pages) or [str(i + 1) for i in range(len(pages))]
    return pages, labels, meta


_EDGE_NUMBER = re.compile(r"^(\d{1,4})\b|\b(\d{1,4})$")


def printed_page_numbers(pages: list[list[Line]]) -> list[str] | None:
    """Page labels read from the numbers printed in the pages' top or bottom lines.

    A PDF without ``/PageLabels`` still prints its journal page numbers (245, 246, …) in a
    running head or footer. A number at either end of a page's top-most or bottom-most line
    is a candidate; when one offset from the PDF's page index is shared by most pages (all
    of them for a PDF of one or two pages), every page is labelled with it. Otherwise
    ``None``: the caller falls back to the PDF's own page count.
    """
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        if not lines:
            continue
        top = max(lines, key=lambda ln: ln.top)
        bottom = min(lines, key=lambda ln: ln.bottom)
        found = set()
        for ln in {id(top): top, id(bottom): bottom}.values():
            for m in _EDGE_NUMBER.finditer(ln.text.strip()):
                number = int(m.group(1) or m.group(2))
                if number >= 1:
                    found.add(number - index)
        offsets.update(found)
    if not offsets:
        return None
    offset, votes = offsets.most_common(1)[0]
    needed = len(pages) if len(pages) <= 2 else max(2, (len(pages) + 1) // 2)
    if votes < needed or offset + len(pages) - 1 > 9999:
        return None
    return [str(index + offset) for index in range(len(pages))]


def reading_order(boxes: list, width: float) -> list:  # noqa: ANN001 - pdfminer boxes
    """Text boxes as a reader reads them: full-width blocks in turn, columns left to right.

    pdfminer's own box order is a geometric clustering that can put a right column first;
    here boxes are cut into bands at every full-width box, and inside a band the left
    column is read top to bottom before the right one.
    """
    mid = width / 2
    ordered = []
    band: list = []

    def flush() -> None:
        left = [b for b in band if b.x1 <= mid + 5]
        right = [b for b in band if b.x1 > mid + 5]
        ordered.extend(sorted(left, key=lambda b: -b.y1) + sorted(right, key=lambda b: -b.y1))
        band.clear()

    two_columns = sum(b.x1 <= mid + 5 or b.x0 >= mid - 5 for b in boxes) > len(boxes) / 2
    for box in sorted(boxes, key=lambda b: -b.y1):
        full = box.x0 < mid - 5 and box.x1 > mid + 5
        if full or not two_columns:
            flush()
            ordered.append(box)
        else:
            band.append(box)
    flush()
    return ordered


def _meta_text(value: object) -> str:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, bytes):
        return decode_text(value).strip()
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _line(row: object, char_type: type, box: int, page: int) -> Line | None:
    chars = [c for c in row if isinstance(c, char_type)]  # type: ignore[attr-defined]
    if not chars:
        return None
    size = statistics.median(c.size for c in chars)
    base = statistics.median(c.y0 for c in chars)
    parts: list[str] = []
    markers = 0
    prev_marker = False
    for item in row:  # type: ignore[attr-defined]
        text = item.get_text()
        if isinstance(item, char_type):
            raised = item.size < size * 0.8 and item.y0 > base + size * 0.2
            if raised:  # a superscript: a footnote marker (digits, *, †, letters)
                if not prev_marker:
                    markers += 1
                prev_marker = True
                continue
        prev_marker = False
        parts.append(text)
    text = "".join(parts).translate(LIGATURES)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    fonts = [c.fontname.lower() for c in chars]
    bold = sum("bold" in f or "black" in f or "heavy" in f for f in fonts) > len(fonts) * 0.8
    italic = sum("italic" in f or "oblique" in f for f in fonts) > len(fonts) * 0.8
    return Line(
        text=text,
        size=round(size, 1),
        bold=bold,
        italic=italic,
        top=row.y1,  # type: ignore[attr-defined]
        bottom=row.y0,  # type: ignore[attr-defined]
        x0=row.x0,  # type: ignore[attr-defined]
        box=box,
        page=page,
        markers=markers,
    )


# ---- words -----------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """How common ``word`` is in English (wordfreq's Zipf scale: 0 unknown, 7 "the")."""
    from wordfreq import zipf_frequency  # word lists load on first use, not at start

    return zipf_frequency(word, "en")


def join_hyphenated(head: str, tail: str) -> str:
    """``head`` ends a line with "-", ``tail`` starts the next: the word a reader would write.

    Joined ("govern-" + "ments" → "governments") only when the joined form is a word and more
    common than the hyphenated one; otherwise the hyphen is real ("anti-" + "NGO", "self-" +
    "governing"), and it is kept.
    """
    if head.endswith("\u00ad"):  # a soft hyphen only ever marks a break
        return head[:-1] + tail
    left = re.search(r"([A-Za-z]+)[-\u2010\u2011]$", head)
    right = re.match(r"([A-Za-z]+)", tail)
    if not left or not right or tail[:1].isupper():
        return head + tail
    stem, rest = left.group(1), right.group(1)
    joined = (stem + rest).lower()
    if zipf(joined) >= 2.0 and zipf(joined) > zipf(f"{stem}-{rest}".lower()):
        return head[:-1] + tail
    return head + tail


_TOKEN = re.compile(r"\S+")


def mend_split_words(text: str) -> str:
    """Join a word the PDF drew in two pieces ("financia l", "pro ject", "cust omer-facing").

    Two neighbours are joined when the joined form is a common word, commoner than either
    piece, and one piece is not a common word by itself: "in to" stays, "pro ject" is mended.
    """
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if i + 1 < len(tokens):
            nxt = tokens[i + 1]
            a = re.fullmatch(r"[A-Za-z]+", tok)
            b = re.match(r"([a-z]+)", nxt)
            if a and b:
                left, right = tok.lower(), b.group(1)
                pieces = [_piece(left), _piece(right)]
                if min(pieces) < 3.0:
                    joined = zipf(left + right)
                    if joined >= 3.0 and joined > max(pieces):
                        out.append(tok + nxt)
                        i += 2
                        continue
        out.append(tok)
        i += 1
    return " ".join(out)


def _piece(word: str) -> float:
    """A piece's frequency as a word; a lone letter other than "a"/"I" is no word."""
    return 0.0 if len(word) == 1 and word not in "ai" else zipf(word)


# ---- cleaning --------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _words(text: str) -> int:
    return len(text.split())


def clean(pages: list[list[Line]], labels: list[str]) -> FullText:
    """Classify every line, drop the debris (counted per kind), and build paragraphs."""
    dropped: Counter[str] = Counter()
    chars: Counter[float] = Counter()
    for ln in (ln for lines in pages for ln in lines):
        if REFERENCES_HEADING.match(ln.text):  # a long reference list is set smaller
            break
        chars[ln.size] += len(ln.text)
    if not chars:
        return FullText([], labels, dropped=dropped)
    body = chars.most_common(1)[0][0]

    def body_size(ln: Line) -> bool:
        return abs(ln.size / body - 1) <= SIZE_TOLERANCE

    repeats = Counter()
    for lines in pages:
        for key in {_norm(ln.text) for ln in lines if not body_size(ln) or len(ln.text) < 80}:
            repeats[key] += 1
    title = _title(pages[0], body) if pages else ""
    kept: list[tuple[str, Line]] = []  # (kind, line) with kind heading/abstract/body
    ended: str = ""  # "back matter" or "references" once the argument has ended
    body_started = False
    title_bottom = min(
        (ln.bottom for ln in pages[0] if title and ln.text in title and ln.size > body * 1.15),
        default=float("inf"),
    )
    in_abstract = False
    for number, lines in enumerate(pages):
        body_lines = [ln for ln in lines if body_size(ln) and not ln.bold]
        # A page without body text (endnotes, a full-page figure) has no margins to speak of.
        top = max((ln.top for ln in body_lines), default=float("inf"))
        bottom = min((ln.bottom for ln in body_lines), default=float("-inf"))
        edges = (
            min((ln.bottom for ln in lines), default=0),
            max((ln.top for ln in lines), default=0),
        )
        body_boxes = {ln.box for ln in body_lines}
        box_lines = Counter(ln.box for ln in lines)
        bad_boxes = _debris_boxes(lines, body_size)
        unlabelled = _abstract_boxes(lines, body) if number == 0 else set()
        seen_body = False
        for ln in lines:
            n = _words(ln.text)
            text = ln.text
            if ended:
                bold_heading = ln.bold or text.isupper() or not body_size(ln)
                if ended == "back matter" and REFERENCES_HEADING.match(text) and bold_heading:
                    ended = "references"
                dropped[ended] += n
                continue
            margin = ln.bottom > top + 1 or ln.top < bottom - 1
            beside_body = ln.box in body_boxes or any(
                abs(b.top - ln.top) < body and b.x0 <= ln.x0 for b in body_lines
            )  # raised beside a body line, not a figure's tick label
            small = ln.size < body * 0.8 and beside_body and not margin
            if small and re.fullmatch(r"[\d*†‡§,]{1,4}", text):
                dropped["footnote marker"] += 1  # a raised marker laid out as its own line
                continue
            at_edge = ln.bottom <= edges[0] + 1 or ln.top >= edges[1] - 1
            if PAGE_NUMBER.match(text) and (margin or (at_edge and not body_size(ln))):
                dropped["page number"] += n
                continue
            if margin and len(pages) > 1 and repeats[_norm(text)] >= 2:
                dropped["header" if ln.bottom > top else "footer"] += n
                continue
            if number == 0 and ln.bottom > title_bottom + 1 and text not in title:
                dropped["front matter"] += n  # a label above the title ("Article", a journal)
                continue
            end = REFERENCES_HEADING.match(text) or END_MATTER.match(text)
            back = BACK_MATTER.match(text)
            if (end or back) and (ln.bold or text.isupper() or not body_size(ln)):
                ended = "references" if end else "back matter"
                dropped[ended] += n
                continue
            if ABSTRACT_HEADING.match(text) and (ln.bold or text.isupper()):
                in_abstract = True
                continue
            label = ABSTRACT_LABEL.match(text)
            if label and number <= 1 and not in_abstract:  # "Abstract: In the …" on one line
                dropped["front matter"] += 1
                in_abstract = True
                ln.text = text = text[label.end() :]
            if KEYWORDS.match(text):
                in_abstract = False
                dropped["front matter"] += n
                continue
            if ln.box in unlabelled and not seen_body:  # an abstract set apart, unlabelled
                kept.append(("abstract", ln))
                continue
            if ln.box in bad_boxes:
                kind = bad_boxes[ln.box]
                if (
                    kind == "caption"
                    and -ln.box in bad_boxes
                    and ln.italic != _first_italic(lines, ln.box)
                ):
                    kind = "table"
                dropped[kind] += n
                continue
            larger = body * 1.08 <= ln.size <= body * 1.6 and not SENTENCE_END.search(text)
            heading = (
                ((ln.bold and body_size_or_larger(ln, body)) or (larger and body_started))
                and n <= 14
                and re.search(r"[^\W\d_]{3,}", text)  # a word, not a bold math symbol
            )
            if heading and number == 0 and not (body_started or in_abstract or kept):
                # Bold lines above the text of the first page are its authors and labels,
                # unless they open a numbered section or the introduction.
                heading = bool(re.match(r"^(\d+\.?|[IVX]+\.)\s|introduction\b", text, re.I))
                if not heading and text not in title:
                    dropped["front matter"] += n
                    continue
            if heading and not (number == 0 and title and text in title):
                in_abstract = False
                kept.append(("heading", ln))
                continue
            if body_size(ln) and not ln.bold:
                if number == 0 and not seen_body and FRONT.search(text) and n < 12:
                    dropped["front matter"] += n
                    continue
                if box_lines[ln.box] == 1 and _stray_label(text, kept):
                    dropped["figure"] += n  # a word or two of a diagram, set in the body font
                    continue
                seen_body = body_started = True
                dropped["footnote marker"] += ln.markers
                kept.append(("abstract" if in_abstract else "body", ln))
                continue
            if in_abstract and ln.size < body:  # abstracts are often set a size smaller
                dropped["footnote marker"] += ln.markers
                kept.append(("abstract", ln))
                continue
            dropped[_kind_of(ln, number, top, bottom, body, title, pages)] += n
    blocks = _paragraphs(kept, labels)
    first = "\n".join(ln.text for ln in pages[0]) if pages else ""
    return FullText(blocks, labels, title=title, first_page=first, dropped=dropped)


def _stray_label(text: str, kept: list[tuple[str, Line]]) -> bool:
    """A one-line box of a few words that cannot continue the text before it: figure text.

    It starts in lower case, ends no sentence, and the paragraph before it is finished (or a
    heading), so it is no column- or page-break continuation either.
    """
    if len(text.split()) > 5 or not text[:1].islower() or SENTENCE_END.search(text):
        return False
    if not kept:
        return True
    kind, last = kept[-1]
    return kind == "heading" or bool(SENTENCE_END.search(last.text))


def _abstract_boxes(lines: list[Line], body: float) -> set[int]:
    """First-page boxes that read as an unlabelled abstract: prose set a little smaller.

    Several styles (REVTeX, some proceedings) print the abstract without a heading in a
    size below the body: a box of three or more lines, 40 words or more, ending a sentence.
    """
    by_box: dict[int, list[Line]] = {}
    for ln in lines:
        by_box.setdefault(ln.box, []).append(ln)
    out = set()
    for box, members in by_box.items():
        text = " ".join(m.text for m in members)
        if (
            len(members) >= 3
            and len(text.split()) >= 40
            and all(body * 0.8 <= m.size < body * (1 - SIZE_TOLERANCE) for m in members)
            and not any(m.bold for m in members)
            and SENTENCE_END.search(text)
            and not COPYRIGHT.search(text)
        ):
            out.add(box)
    return out


def _first_italic(lines: list[Line], box: int) -> bool:
    return next(ln.italic for ln in lines if ln.box == box)


def body_size_or_larger(ln: Line, body: float) -> bool:
    """Headings are set in the body size or larger, never smaller."""
    return ln.size >= body * (1 - SIZE_TOLERANCE) and ln.size <= body * 1.6


def _title(lines: list[Line], body: float) -> str:
    """The first page's largest text, above the body: the title as a reader sees it.

    The size is taken from lines with at least two words (a large operator or initial is no
    title); every line of that size belongs to the title.
    """
    worded = [
        ln
        for ln in lines
        if ln.size > body * 1.15 and len(re.findall(r"[^\W\d_]{2,}", ln.text)) >= 2
    ]
    if not worded:
        return ""
    top = max(ln.size for ln in worded)
    parts = [ln.text for ln in lines if abs(ln.size - top) < 0.5]
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def _debris_boxes(lines: list[Line], body_size: object) -> dict[int, str]:
    """Boxes that are captions, copyright notices or tables as a whole."""
    out: dict[int, str] = {}
    by_box: dict[int, list[Line]] = {}
    for ln in lines:
        by_box.setdefault(ln.box, []).append(ln)
    for box, members in by_box.items():
        first = members[0].text
        joined = " ".join(m.text for m in members)
        if CAPTION.match(first):
            out[box] = "caption"
            for m in members[1:]:  # a table set in the caption's box is still a table
                if m.italic != members[0].italic or m.size != members[0].size:
                    out.setdefault(-box, "table")
        elif COPYRIGHT.search(joined) and not all(body_size(m) for m in members):  # type: ignore[operator]
            out[box] = "copyright"
        else:
            tokens = joined.split()
            numeric = sum(bool(re.fullmatch(r"[-–(]?[\d.,%]+[)%]?", t)) for t in tokens)
            if tokens and numeric / len(tokens) > 0.4 and len(members) >= 2:
                out[box] = "table"
    return out


def _kind_of(
    ln: Line,
    number: int,
    top: float,
    bottom: float,
    body: float,
    title: str,
    pages: list[list[Line]],
) -> str:
    """Why a line that is not body text was dropped."""
    if COPYRIGHT.search(ln.text):
        return "copyright"
    if ln.bottom > top + 1:
        return "front matter" if number == 0 else "header"
    if ln.top < bottom - 1:
        if re.match(r"^\[\d+\]\s", ln.text):  # a numbered reference list without heading
            return "references"
        if re.match(r"^[\d*†‡§]+\s", ln.text) or ln.size < body * 0.9 and ln.size > body * 0.7:
            return "footnote"
        return "footer"
    if number == 0 and (ln.text in title or FRONT.search(ln.text)):
        return "front matter"
    if ln.size < body * 0.8:
        return "figure"
    return "table"


def _paragraphs(kept: list[tuple[str, Line]], labels: list[str]) -> list[Block]:
    """Join kept lines into paragraphs, across line, column and page breaks.

    A new paragraph starts at a heading, at a new layout box whose previous paragraph ended
    its sentence, and a box that continues a sentence (a column or page break inside a
    paragraph) is joined to it, hyphen rules included.
    """
    blocks: list[Block] = []
    current: Block | None = None
    last_box: tuple[int, int] | None = None
    section = ""
    for kind, ln in kept:
        label = labels[ln.page] if ln.page < len(labels) else str(ln.page + 1)
        if kind == "heading":
            previous = blocks[-1] if blocks else None
            if (
                previous is not None
                and previous.kind == "heading"
                and last_box == (ln.page, ln.box)
            ):
                previous.text = section = previous.text + " " + ln.text  # a two-line heading
                previous.section = section
                continue
            current = None
            section = ln.text
            blocks.append(Block("heading", ln.text, [(0, label)], section=section))
            last_box = (ln.page, ln.box)
            continue
        where = (ln.page, ln.box)
        continues = (
            current is not None
            and current.kind == kind
            and (where == last_box or not SENTENCE_END.search(current.text))
        )
        if not continues:
            current = Block(kind, "", [(0, label)], section="" if kind == "abstract" else section)
            blocks.append(current)
            text = ln.text
        else:
            assert current is not None
            if current.pages[-1][1] != label:
                current.pages.append((len(current.text) + 1, label))
            if current.text.endswith(tuple(HYPHENS)):
                before = len(current.text)
                current.text = join_hyphenated(current.text, ln.text)
                if current.pages[-1][0] > before:  # the new page starts after the mended word
                    space = current.text.find(" ", before)
                    start = space + 1 if space != -1 else len(current.text)
                    current.pages[-1] = (start, current.pages[-1][1])
                last_box = where
                continue
            text = current.text + " " + ln.text
        current.text = text
        last_box = where
    for block in blocks:
        if block.kind != "heading":
            mended = mend_split_words(block.text)
            if mended != block.text:
                block.pages = _remap(block.text, mended, block.pages)
                block.text = mended
    return [b for b in blocks if b.text.strip()]


def _remap(old: str, new: str, pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Page offsets after mending removed spaces: count the words before each offset."""
    out = []
    for offset, label in pages:
        words_before = len(old[:offset].split())
        spans = [m.start() for m in _TOKEN.finditer(new)]
        out.append((spans[min(words_before, len(spans) - 1)] if spans else 0, label))
    return out


def first_page_doi(full: FullText) -> str:
    """A DOI printed on the first page outside any reference list, or empty."""
    text = full.first_page
    refs = re.search(
        r"^\s*(?:\d+\.?\s*)?(references|bibliography|works cited)\s*$", text, re.I | re.M
    )
    if refs:
        text = text[: refs.start()]
    match = DOI.search(text)
    return match.group(1) if match else ""


# ---- sentences -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence of a reading, verbatim from its cleaned text, with where it was printed.

    ``page`` is the printed page label ("" for a text without pages), ``section`` the heading
    of the section it belongs to ("" before the first heading), ``kind`` "abstract" or "body".
    """

    text: str
    page: str = ""
    section: str = ""
    kind: str = "body"


def sentences_of(full: FullText) -> list[Sentence]:
    """The sentences of every paragraph of ``full``, split once and cached on the object.

    Paragraphs are split one by one (pysbd is much faster on short texts than on one long
    one), and a sentence's page is the page where it starts.
    """
    from bot.core.text import sentences

    if full.split is not None:
        return full.split
    out: list[Sentence] = []
    for block in full.blocks:
        if block.kind == "heading":
            continue
        cursor = 0
        for sentence in sentences(block.text):
            start = block.text.find(sentence, cursor)
            if start < 0:
                start = cursor
            cursor = start + len(sentence)
            out.append(Sentence(sentence, block.page_at(start), block.section, block.kind))
    full.split = out
    return out


@lru_cache(maxsize=64)
def sentences_of_text(text: str) -> list[Sentence]:
    """Sentences of a text without pages (a plain-text reading), split per paragraph, cached."""
    from bot.core.text import sentences

    return [Sentence(s) for para in re.split(r"\n\s*\n", text) for s in sentences(para)]
