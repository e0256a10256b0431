"""Write test PDFs: a minimal one-page PDF, and articles laid out the way journals are.

``Article`` typesets a reading with the layout that trips up text extraction: two columns
(also drawn row by row across both), running headers, page numbers and page labels,
footnotes, a table, a figure, a reference list, line-end hyphens, fi/fl ligature glyphs and
words drawn in two pieces. All in the standard library, so tests build their own inputs.
"""

from __future__ import annotations

import re
import textwrap
import zlib
from dataclasses import dataclass, field
from pathlib import Path


def write_pdf(path: Path, lines: list[str], title: str = "", author: str = "") -> Path:
    """A valid one-page PDF whose text layer holds ``lines``."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 10 Tf", "12 TL", "40 800 Td"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    info = f"<< /Title ({esc(title)}) /Author ({esc(author)}) >>".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    return _assemble(path, objects, info=len(objects))


# ---- a small typesetter for full-text tests ---------------------------------------------------
# Paragraph markup: "govern~ments" breaks the line after "govern-"; "re~>cords" does the same
# and ends the column (or page); "anti-|NGO" puts a real hyphen at a line end; "financia^l"
# draws the word in two pieces with a gap; "life.{fn:4}" adds a raised footnote marker.

FONTS = {"R": "Times-Roman", "B": "Times-Bold", "I": "Times-Italic", "H": "Helvetica"}
_FN = re.compile(r"\{fn:(\w+)\}")


def _pdf_text(s: str, ligatures: bool) -> bytes:
    if ligatures:
        s = s.replace("fi", "\x81").replace("fl", "\x8d")  # /fi and /fl glyphs, see Differences
    raw = b"".join(
        bytes([ord(ch)]) if ch in "\x81\x8d" else ch.encode("cp1252", errors="replace") for ch in s
    )
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _show(
    x: float, y: float, text: str, font: str, size: float, lig: bool, rise: float = 0
) -> bytes:
    if "^" in text:  # one word in two pieces with a gap: [(financia) -300 (l)] TJ
        body = b"[" + b" -300 ".join(_pdf_text(p, lig) for p in text.split("^")) + b"] TJ"
    else:
        body = _pdf_text(text, lig) + b" Tj"
    ts = b"%.1f Ts " % rise if rise else b""
    return (
        b"BT /%s %.1f Tf %s1 0 0 1 %.1f %.1f Tm " % (font.encode(), size, ts, x, y) + body + b" ET"
    )


@dataclass
class Article:
    """A reading laid out the way journals do; ``build(path)`` writes it as a PDF.

    ``body`` holds ("h", heading), ("p", [sentences]), ("table", caption, rows),
    ("figure", caption, [labels]), ("newpage",). Everything else is optional page furniture.
    """

    title: str
    body: list[tuple]
    front: list[str] = field(default_factory=list)  # author, affiliation, e-mail lines
    abstract: list[str] = field(default_factory=list)
    columns: int = 1
    rows_order: bool = False  # draw two columns row by row across both
    header: list[str] = field(default_factory=list)  # alternating running headers
    footer: str = ""
    first_page: int = 1
    page_labels: bool = False
    footnotes: dict[str, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    copyright: str = ""
    ligatures: bool = True
    info_title: str = ""
    size: float = 11.0
    lines_per_page: int = 40

    def build(self, path: Path) -> Path:
        self._pages: list[list[tuple[int, float, bytes]]] = [[]]
        self._foot: dict[int, list[str]] = {}
        width = 612 - 2 * 72
        self._colw = width if self.columns == 1 else (width - 24) / 2
        self._chars = int(self._colw / (self.size * 0.5))
        self._col, self._row = 0, 0
        page = self._pages[0]
        y = 720.0
        for text, font, size in [(self.title, "B", 16), *((f, "R", 10) for f in self.front)]:
            page.append((-1, y, _show(72, y, text, font, size, self.ligatures)))
            y -= size * 1.6
        self._top = y - 10
        if self.copyright:
            for k, line in enumerate(textwrap.wrap(self.copyright, int(self._colw / 3.6))):
                page.append((0, 90 - k * 9, _show(72, 90 - k * 9, line, "R", 7.5, self.ligatures)))
        if self.abstract:
            self._line("Abstract", "B")
            self._paragraph(self.abstract)
        for block in self.body:
            if block[0] == "h":
                self._gap()
                self._line(block[1], "B", self.size + 0.5)
            elif block[0] == "p":
                self._paragraph(block[1])
            elif block[0] == "table":
                self._gap()
                self._line(block[1], "I", self.size - 1)
                for row in block[2]:
                    self._line("", "R")
                    x0, y0 = self._xy(back=1)
                    for k, cell in enumerate(row):
                        self._pages[-1].append(
                            (
                                self._col,
                                y0,
                                _show(x0 + k * 110, y0, cell, "R", self.size - 1, False),
                            )
                        )
                self._gap()
            elif block[0] == "figure":
                self._gap()
                for _ in range(5):
                    self._line("", "R")
                x0, y0 = self._xy(back=1)
                for k, label in enumerate(block[2]):
                    self._pages[-1].append(
                        (-1, y0 + 30, _show(x0 + 20 + k * 45, y0 + 30, label, "H", 7, False))
                    )
                for k, tick in enumerate(("0", "50", "100")):
                    self._pages[-1].append(
                        (-1, y0 + 40 + k * 15, _show(x0, y0 + 40 + k * 15, tick, "H", 6.5, False))
                    )
                self._line(block[1], "I", self.size - 1)
                self._gap()
            elif block[0] == "newpage":
                self._new_page()
        if self.references:
            self._gap()
            self._line("References", "B", self.size + 0.5)
            for ref in self.references:
                for line in textwrap.wrap(ref, int(self._chars * 1.15)):
                    self._line(line, "R", self.size - 1.5)
        return self._write(path)

    # -- flow
    def _xy(self, back: int = 0) -> tuple[float, float]:
        x = 72 + self._col * (self._colw + 24)
        return x, self._top - (self._row - back) * self.size * 1.3

    def _new_page(self) -> None:
        self._pages.append([])
        self._col, self._row, self._top = 0, 0, 720.0

    def _break(self) -> None:
        if self.columns == 2 and self._col == 0:
            self._col, self._row = 1, 0
        else:
            self._new_page()

    def _gap(self) -> None:
        self._row += 1

    def _line(self, text: str, font: str, size: float | None = None) -> None:
        size = size or self.size
        if self._row >= self.lines_per_page - 2 * len(self._foot.get(len(self._pages) - 1, [])):
            self._break()
        x, y = self._xy()
        self._row += 1
        if not text:
            return
        ops = self._pages[-1]
        pieces = _FN.split(text)
        cx = x
        for k, piece in enumerate(pieces):
            if k % 2:  # a raised footnote marker
                ops.append(
                    (self._col, y, _show(cx, y, piece, "R", size * 0.65, False, size * 0.35))
                )
                cx += size * 0.4
                self._foot.setdefault(len(self._pages) - 1, []).append(
                    f"{piece} {self.footnotes[piece]}"
                )
            elif piece:
                ops.append((self._col, y, _show(cx, y, piece, font, size, self.ligatures)))
                cx += len(piece.replace("^", "")) * size * 0.44
        return

    def _paragraph(self, sentences: list[str]) -> None:
        line: list[str] = []
        for token in " ".join(sentences).split():
            forced = next((m for m in ("~>", "~", "-|") if m in token), None)
            if forced:
                head, tail = token.split(forced, 1)
                line.append(head + "-")
                self._line(" ".join(line), "R")
                if forced == "~>":
                    self._break()
                line = [tail]
                continue
            if len(" ".join([*line, token])) > self._chars and line:
                self._line(" ".join(line), "R")
                line = []
            line.append(token)
        if line:
            self._line(" ".join(line), "R")
        self._gap()

    # -- output
    def _write(self, path: Path) -> Path:
        contents = []
        for index, ops in enumerate(self._pages):
            label = str(self.first_page + index)
            furniture = [_show(300, 40, label, "R", 9, False)]
            if self.header:
                text = self.header[index % len(self.header)]
                furniture.append(_show(200, 760, text, "H", 8.5, False))
            if self.footer:
                furniture.append(_show(72, 24, self.footer, "H", 7, False))
            for k, note in enumerate(self._foot.get(index, [])):
                furniture.append(_show(72, 80 - k * 11, note, "R", 8.5, self.ligatures))
            if self.rows_order:
                body = [op for _, _, op in sorted(ops, key=lambda t: (-round(t[1]), t[0]))]
            else:
                body = [op for _, _, op in sorted(ops, key=lambda t: t[0])]
            contents.append(b"\n".join(furniture[:2] + body + furniture[2:]))
        fonts = " ".join(f"/{k} {6 + i} 0 R" for i, k in enumerate(FONTS))
        n = len(contents)
        objects: list[bytes] = [
            b"<< /Type /Catalog /Pages 2 0 R"
            + (
                b" /PageLabels << /Nums [0 << /S /D /St %d >>] >>" % self.first_page
                if self.page_labels
                else b""
            )
            + b" >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>"
            % (b" ".join(b"%d 0 R" % (11 + 2 * i) for i in range(n)), n),
            b"<< /Title " + _pdf_text(self.info_title, False) + b" /Producer (tests) >>",
            b"<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [129 /fi 141 /fl] >>",
            b"<< >>",  # unused, keeps font numbers simple
        ]
        for name in FONTS.values():
            objects.append(
                b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding 4 0 R >>" % name.encode()
            )
        for i, stream in enumerate(contents):
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
            objects.append(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << %s >> >> >>" % (10 + 2 * i, fonts.encode())
            )
        return _assemble(path, objects, info=3)


def _assemble(path: Path, objects: list[bytes], info: int) -> Path:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    path.write_bytes(bytes(out))
    return path


def bomb_pdf(path: Path, megabytes: int) -> Path:
    """A one-page PDF whose content stream inflates to ``megabytes`` MiB of spaces."""
    co = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = co.compress(b"BT /F1 10 Tf 40 800 Td (Ledger) Tj ET\n")
    data += b"".join(co.compress(chunk) for _ in range(megabytes)) + co.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        b"<< /Producer (tests) >>",
    ]
    return _assemble(path, objects, info=5)
