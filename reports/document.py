"""The confidential document: page furniture, watermark, page X of Y, contents."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from casusregie.reports.fonts import BOLD, ITALIC, REGULAR, register_fonts
from casusregie.reports.markup import visual

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 22 * mm

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#1d4e89")
ACCENT_LIGHT = colors.HexColor("#e8eef6")
RULE = colors.HexColor("#cbd2d9")
CLASSIFICATION = colors.HexColor("#b3261e")
RISK = colors.HexColor("#fbeaea")
#: Every table names the embedded font for all its cells: reportlab's default for a cell
#: is Helvetica, which would otherwise be referenced (not embedded) on every page.
CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), REGULAR)
CONTENTS_FORM = "casusContents"
#: The watermark runs diagonally; this long it stays clear of the page edges.
WATERMARK_LENGTH = 210 * mm
PROTECTIVE = colors.HexColor("#e7f4ea")


def build_styles() -> dict[str, ParagraphStyle]:
    """The reports' paragraph styles (one set per process: parsed markup is cached per
    style, see ``reports.flow``)."""
    return dict(_styles())


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("Body", fontName=REGULAR, fontSize=9.5, leading=13, textColor=INK,
                          spaceAfter=4)
    styles = {
        "Body": base,
        "Small": ParagraphStyle("Small", parent=base, fontSize=8, leading=10.5, spaceAfter=0),
        "Cell": ParagraphStyle("Cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        "CellHead": ParagraphStyle("CellHead", parent=base, fontName=BOLD, fontSize=8.5,
                                   leading=11, spaceAfter=0, textColor=colors.white),
        "CellCaption": ParagraphStyle("CellCaption", parent=base, fontName=BOLD, fontSize=8.5,
                                      leading=11, spaceAfter=0, textColor=ACCENT),
        "Muted": ParagraphStyle("Muted", parent=base, fontName=ITALIC, textColor=MUTED),
        "Title": ParagraphStyle("Title", parent=base, fontName=BOLD, fontSize=24, leading=30,
                                textColor=ACCENT, spaceAfter=6),
        "Subtitle": ParagraphStyle("Subtitle", parent=base, fontSize=13, leading=17,
                                   textColor=MUTED, spaceAfter=14),
        "Classification": ParagraphStyle("Classification", parent=base, fontName=BOLD,
                                         fontSize=12, leading=16, textColor=CLASSIFICATION,
                                         spaceAfter=18),
        "Heading1": ParagraphStyle("Heading1", parent=base, fontName=BOLD, fontSize=15,
                                   leading=19, textColor=ACCENT, spaceBefore=4, spaceAfter=8,
                                   keepWithNext=1),
        "Heading2": ParagraphStyle("Heading2", parent=base, fontName=BOLD, fontSize=11.5,
                                   leading=15, textColor=INK, spaceBefore=10, spaceAfter=4,
                                   keepWithNext=1),
        "Heading3": ParagraphStyle("Heading3", parent=base, fontName=BOLD, fontSize=10,
                                   leading=13, textColor=ACCENT, spaceBefore=8, spaceAfter=3,
                                   keepWithNext=1),
        "Label": ParagraphStyle("Label", parent=base, fontName=BOLD, fontSize=8.5, leading=11,
                                textColor=MUTED, spaceAfter=0),
        "Centered": ParagraphStyle("Centered", parent=base, alignment=TA_CENTER),
        "TOC1": ParagraphStyle("TOC1", parent=base, fontSize=11, leading=18, leftIndent=0),
        "TOC2": ParagraphStyle("TOC2", parent=base, fontSize=9.5, leading=14, leftIndent=14),
    }
    return styles


@dataclass(frozen=True)
class Furniture:
    """What every page carries, already translated for the reader."""

    classification: str        # "VERTROUWELIJK"
    reference: str             # case number or conference
    printed: str               # "Afgedrukt door … op …"
    page_of: Callable[[int, int], str]  # (page, total) -> "Pagina 3 van 12"
    watermark: str             # user name and date
    title: str                 # PDF document title
    author: str
    lang: str = "nl"           # the reader's language, for screen readers (/Lang)


@dataclass
class Contents(Flowable):
    """The table of contents, laid out in a single pass.

    It reserves the rest of its page and draws a form that is only filled in when the
    whole document has been laid out and every heading's page is known. This halves the
    work of reportlab's usual two-pass ``multiBuild``.
    """

    styles: dict[str, ParagraphStyle]
    entries: list[tuple[int, str, int, str]] = field(default_factory=list)
    origin: tuple[float, float, float, float, int] | None = None  # x, y, width, height, page

    def __post_init__(self) -> None:
        Flowable.__init__(self)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, avail_height
        return avail_width, avail_height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.origin = (x, y, self.width, self.height, self.canv.getPageNumber())
        self.canv.doForm(CONTENTS_FORM)

    def lines(self) -> list[tuple[int, str, int, str, float]]:
        """The entries that fit, each with its baseline measured from the top."""
        entries = self.entries
        needed = sum(self.styles["TOC1" if e[0] == 0 else "TOC2"].leading for e in entries)
        if needed > self.height:
            # Too many partners to list: keep the sections, which always fit.
            entries = [e for e in entries if e[0] == 0]
        rows, top = [], 0.0
        for level, text, page, key in entries:
            style = self.styles["TOC1" if level == 0 else "TOC2"]
            top += style.leading
            if top > self.height:
                break
            rows.append((level, text, page, key, top))
        return rows

    def fill_form(self, canvas: Canvas) -> None:
        canvas.beginForm(CONTENTS_FORM)
        for level, text, page, _key, top in self.lines():
            style = self.styles["TOC1" if level == 0 else "TOC2"]
            y = self.height - top + (style.leading - style.fontSize) / 2
            indent = style.leftIndent
            number = str(page)
            canvas.setFont(style.fontName, style.fontSize)
            canvas.setFillColor(style.textColor)
            room = self.width - indent - canvas.stringWidth(number, style.fontName,
                                                            style.fontSize) - 24
            title = visual(text)
            while title and canvas.stringWidth(title, style.fontName, style.fontSize) > room:
                title = title[:-2] + "…"
            # Title, leader dots, page number: drawn in reading order, so a text
            # extractor reads "title . . . page".
            canvas.drawString(indent, y, title)
            start = indent + canvas.stringWidth(title + " ", style.fontName, style.fontSize)
            end = self.width - canvas.stringWidth(" " + number, style.fontName,
                                                  style.fontSize)
            dot = canvas.stringWidth(". ", style.fontName, style.fontSize)
            count = max(int((end - start) / dot), 0)
            canvas.setFillColor(MUTED)
            canvas.drawRightString(end, y, ". " * count)
            canvas.setFillColor(style.textColor)
            canvas.drawRightString(self.width, y, number)
        canvas.endForm()

    def link(self, canvas: Canvas) -> None:
        """Make each entry on the contents page a link to its heading."""
        if self.origin is None:
            return
        x, y, width, height, _page = self.origin
        for level, _text, _page_no, key, top in self.lines():
            style = self.styles["TOC1" if level == 0 else "TOC2"]
            bottom = y + height - top
            canvas.linkAbsolute("", key, Rect=(x, bottom, x + width, bottom + style.leading))


def _numbered_canvas(furniture: Furniture, contents: Contents | None) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Holds every page back until the total is known, then stamps "page X of Y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Otherwise every page would reference Helvetica, a font that is not embedded.
            kwargs["initialFontName"] = REGULAR
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            if contents is not None:
                contents.fill_form(self)
            for state in self._pages:
                self.__dict__.update(state)
                self._stamp_page_number(total)
                if contents is not None and contents.origin is not None and \
                        contents.origin[4] == self.getPageNumber():
                    contents.link(self)
                super().showPage()
            super().save()

        def _stamp_page_number(self, total: int) -> None:
            self.saveState()
            self.setFont(BOLD, 7.5)
            self.setFillColor(INK)
            self.drawRightString(PAGE_WIDTH - MARGIN_X, 12 * mm,
                                 furniture.page_of(self.getPageNumber(), total))
            self.restoreState()

    return NumberedCanvas


def _draw_page(furniture: Furniture) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        # Watermark first so the content is drawn over it; sized to stay on the page.
        canvas.setFillColor(colors.Color(0.55, 0.6, 0.68, alpha=0.12))
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(55)
        name, _sep, when = furniture.watermark.rpartition(" · ")
        for line, font, dy in ((visual(name or when), BOLD, 14), (when if name else "", REGULAR,
                                                                    -20)):
            if not line:
                continue
            size = min(30.0, WATERMARK_LENGTH / max(canvas.stringWidth(line, font, 1), 1))
            canvas.setFont(font, size)
            canvas.drawCentredString(0, dy, line)
        canvas.restoreState()

        canvas.saveState()
        top = PAGE_HEIGHT - 13 * mm
        canvas.setFont(BOLD, 9)
        canvas.setFillColor(CLASSIFICATION)
        canvas.drawString(MARGIN_X, top, furniture.classification)
        canvas.setFillColor(INK)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, top, visual(furniture.reference))
        canvas.setStrokeColor(CLASSIFICATION)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN_X, top - 3 * mm, PAGE_WIDTH - MARGIN_X, top - 3 * mm)

        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, 16 * mm, PAGE_WIDTH - MARGIN_X, 16 * mm)
        canvas.setFont(BOLD, 7.5)
        canvas.setFillColor(CLASSIFICATION)
        canvas.drawString(MARGIN_X, 12 * mm, furniture.classification)
        width = canvas.stringWidth(furniture.classification + "  ", BOLD, 7.5)
        canvas.setFont(BOLD, 7.5)
        canvas.setFillColor(INK)
        canvas.drawString(MARGIN_X + width, 12 * mm, visual(furniture.reference))
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN_X, 8.5 * mm, visual(furniture.printed))
        canvas.restoreState()

    return draw


class ConfidentialDocument(BaseDocTemplate):
    """A4 document whose level-0/1 headings feed the table of contents and bookmarks."""

    def __init__(self, buffer: io.BytesIO, furniture: Furniture) -> None:
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
                         title=furniture.title, author=furniture.author,
                         subject=furniture.classification, creator="Casusregie",
                         # Accessibility: the language a screen reader reads the text in,
                         # and the title (not the file name) in the viewer's window.
                         lang=furniture.lang, displayDocTitle=True)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame],
                                            onPage=_draw_page(furniture))])
        self.furniture = furniture
        self.contents: Contents | None = None
        self._heading_seq = 0

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 - reportlab's name
        if not isinstance(flowable, Paragraph):
            return
        level = {"Heading1": 0, "Heading2": 1}.get(flowable.style.name)
        if level is None:
            return
        text = flowable.getPlainText()
        self._heading_seq += 1
        key = f"h{self._heading_seq}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
        if self.contents is not None:
            self.contents.entries.append((level, text, self.page, key))


def table_of_contents(styles: dict[str, ParagraphStyle]) -> Contents:
    return Contents(styles)


def render(flowables: Sequence[Any], furniture: Furniture) -> tuple[bytes, int]:
    """Build the PDF in one pass; returns its bytes and the number of pages."""
    buffer = io.BytesIO()
    doc = ConfidentialDocument(buffer, furniture)
    doc.contents = next((f for f in flowables if isinstance(f, Contents)), None)
    doc.build(list(flowables), canvasmaker=_numbered_canvas(furniture, doc.contents))
    return buffer.getvalue(), doc.page
