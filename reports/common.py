"""Shared helpers of the reports: formatting per locale, tables, visible fields."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_datetime
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Paragraph, Table, TableStyle

from casusregie.app import clock
from casusregie.app.access import Actor, can_see_field
from casusregie.app.i18n import FORMAT_LOCALES
from casusregie.app.labels import enum_label
from casusregie.reports.document import ACCENT, ACCENT_LIGHT, CELL_FONT, RULE
from casusregie.reports.flow import Table as FlowTable
from casusregie.reports.flow import paragraph
from casusregie.reports.markup import markup, visual

ZEBRA = colors.HexColor("#f5f7fa")
CELL_PADDING = 4

class Hidden:
    """Stands for a field the reader may not see."""


HIDDEN = Hidden()


@functools.lru_cache(maxsize=4096)
def _format_date(value: dt.date, pattern: str, locale: str) -> str:
    # Babel parses the locale's pattern on every call; a dossier formats the same few
    # hundred dates thousands of times.
    return format_date(value, pattern, locale=locale)


@dataclass(frozen=True)
class Formatter:
    locale: str

    @property
    def _dates(self) -> str:
        # The same conventions as the screens: English written day-month, 24-hour clock.
        return FORMAT_LOCALES.get(self.locale, self.locale)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = self._local(value).date()
        return _format_date(value, "medium", self._dates)

    def long_date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = self._local(value).date()
        return _format_date(value, "long", self._dates)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(self._local(value), "medium", locale=self._dates)

    def datetime_short(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = self._local(value)
        return f"{_format_date(local.date(), 'medium', self._dates)} {local:%H:%M}"

    def local_day(self, value: dt.datetime) -> dt.date:
        return self._local(value).date()

    @staticmethod
    def _local(value: dt.datetime) -> dt.datetime:
        return clock.to_local(value)

    def value(self, value: Any) -> str:
        """A value as the dossier prints it: dates in the reader's language, enum
        members as words, yes/no, an empty value as nothing."""
        if isinstance(value, dt.datetime):
            return self.datetime_short(value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, enum.Enum):
            return self.label(value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return "" if value is None else str(value)

    def label(self, value: object) -> str:
        key = (value, self.locale)
        found = _LABEL_CACHE.get(key)
        if found is None:
            found = _LABEL_CACHE[key] = enum_label(value) if value is not None else ""
        return found


#: (enum member, locale) → word; translations do not change while the app runs.
_LABEL_CACHE: dict[tuple[object, str], str] = {}


def visible(obj: Any, field: str, actor: Actor | None) -> Any:
    """The field's value, or ``HIDDEN`` when the access policy withholds it."""
    if not can_see_field(obj, field, actor):
        return HIDDEN
    return getattr(obj, field)


def para(value: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of stored text; a withheld field prints as such, never its value."""
    if isinstance(value, Hidden):
        return paragraph(f"<i>{markup(_('(not shown: no need to know)'))}</i>", style)
    return paragraph(markup(value), style)


def text(value: Any) -> str:
    """Plain cell text; a withheld field prints as such."""
    if isinstance(value, Hidden):
        return _("(not shown: no need to know)")
    return "" if value is None else visual(str(value))


def wrapped(value: Any, width: float, style: ParagraphStyle) -> str:
    """Plain text broken into lines that fit ``width``, for a table cell.

    Long tables would otherwise hold a Paragraph per cell, whose markup parsing and
    repeated wrapping dominate the time to print a case with a thousand interventions.
    """
    plain = text(value)
    if not plain:
        return ""
    room = width - 2 * CELL_PADDING
    lines: list[str] = []
    for line in plain.replace("\r\n", "\n").split("\n"):
        lines.extend(simpleSplit(line, style.fontName, style.fontSize, room) or [""])
    return "\n".join(lines)


def data_table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
               styles: dict[str, ParagraphStyle], *, caption: str | None = None,
               zebra: bool = True) -> Table:
    """A table whose caption and header row repeat on every page it runs over, so a
    continued page still says what it lists."""
    head = [paragraph(markup(h), styles["CellHead"]) for h in header]
    top: list[list[Any]] = []
    if caption:
        # Plain text runs on over the empty cells to its right: it looks like a spanned
        # row without the cost of recomputing spans each time a long table splits.
        top.append([visual(caption)] + [""] * (len(header) - 1))
    top.append(head)
    first = len(top)
    table = FlowTable([*top, *rows], colWidths=list(widths), repeatRows=first, hAlign="LEFT")
    cell = styles["Cell"]
    commands: list[tuple] = [
        CELL_FONT,
        ("BACKGROUND", (0, first - 1), (-1, first - 1), ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, first), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
        ("TEXTCOLOR", (0, first), (-1, -1), cell.textColor),
        ("LINEBELOW", (0, first - 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if caption:
        caption_style = styles["CellCaption"]
        commands += [("BACKGROUND", (0, 0), (-1, 0), ACCENT_LIGHT),
                     ("FONT", (0, 0), (-1, 0), caption_style.fontName, caption_style.fontSize,
                      caption_style.leading),
                     ("TEXTCOLOR", (0, 0), (-1, 0), caption_style.textColor)]
    if zebra and rows:
        commands.append(("ROWBACKGROUNDS", (0, first), (-1, -1), [colors.white, ZEBRA]))
    table.setStyle(TableStyle(commands))
    return table


def key_value_table(rows: Sequence[tuple[str, Any]], widths: Sequence[float],
                    styles: dict[str, ParagraphStyle]) -> Table:
    """Label/value pairs, as on a cover or a case summary."""
    data = [[paragraph(markup(k), styles["Label"]),
             v if not isinstance(v, str | Hidden) else para(v, styles["Cell"])]
            for k, v in rows]
    table = FlowTable(data, colWidths=list(widths), hAlign="LEFT")
    table.setStyle(TableStyle([
        CELL_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def person_name(user: Any) -> str:
    if user is None:
        return ""
    name = " ".join(p for p in (getattr(user, "first_name", ""), getattr(user, "last_name", ""))
                    if p)
    return name or getattr(user, "username", "")
