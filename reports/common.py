"""Shared helpers of the reports: formatting per locale, tables, visible fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from app.access import Actor, can_see_field
from reports.document import ACCENT, CELL_FONT, RULE
from reports.labels import label
from reports.text import markup, visual

ZEBRA = colors.HexColor("#f5f7fa")

#: Stored times are UTC; readers work in Dutch local time.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


class Hidden:
    """Stands for a field the reader may not see."""


HIDDEN = Hidden()


@dataclass(frozen=True)
class Formatter:
    locale: str

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = self._local(value).date()
        return format_date(value, "medium", locale=self.locale)

    def long_date(self, value: dt.date | None) -> str:
        return "" if value is None else format_date(value, "long", locale=self.locale)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(self._local(value), "medium", locale=self.locale)

    def datetime_short(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = self._local(value)
        return (f"{format_date(local.date(), 'medium', locale=self.locale)} "
                f"{local:%H:%M}")

    @staticmethod
    def _local(value: dt.datetime) -> dt.datetime:
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(LOCAL_ZONE)

    @staticmethod
    def label(value: object) -> str:
        return label(value)


def visible(obj: Any, field: str, actor: Actor | None) -> Any:
    """The field's value, or ``HIDDEN`` when the access policy withholds it."""
    if not can_see_field(obj, field, actor):
        return HIDDEN
    return getattr(obj, field)


def para(value: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of stored text; a withheld field prints as such, never its value."""
    if isinstance(value, Hidden):
        return Paragraph(f"<i>{markup(_('(not shown: no need to know)'))}</i>", style)
    return Paragraph(markup(value), style)


def text(value: Any) -> str:
    """Plain cell text; a withheld field prints as such."""
    if isinstance(value, Hidden):
        return _("(not shown: no need to know)")
    return "" if value is None else visual(str(value))


def data_table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float],
               styles: dict[str, ParagraphStyle], *, zebra: bool = True) -> Table:
    """A table whose header row repeats on every page it runs over."""
    head = [Paragraph(markup(h), styles["CellHead"]) for h in header]
    table = Table([head, *rows], colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    commands: list[tuple] = [
        CELL_FONT,
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 1), (-1, -1), styles["Cell"].fontName, styles["Cell"].fontSize,
         styles["Cell"].leading),
        ("TEXTCOLOR", (0, 1), (-1, -1), styles["Cell"].textColor),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if zebra and rows:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
    table.setStyle(TableStyle(commands))
    return table


def key_value_table(rows: Sequence[tuple[str, Any]], widths: Sequence[float],
                    styles: dict[str, ParagraphStyle]) -> Table:
    """Label/value pairs, as on a cover or a case summary."""
    data = [[Paragraph(markup(k), styles["Label"]),
             v if not isinstance(v, str | Hidden) else para(v, styles["Cell"])]
            for k, v in rows]
    table = Table(data, colWidths=list(widths), hAlign="LEFT")
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
