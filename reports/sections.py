"""Building blocks for the dossier sections plugins add: an item's title with label and
value rows, and the line shown when a section has nothing to print.

Values are printed as given: format dates with ``ctx.format_date`` and other values with
``ctx.display_value`` so a plugin section reads like the core's.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, Spacer, Table

from app.hookspecs import DossierContext


def section_rows(ctx: DossierContext, title: str,
                 rows: list[tuple[str, Any]]) -> list[Any]:
    """Flowables for one item of a section: a bold title and label/value rows."""
    sample = getSampleStyleSheet()
    heading = ctx.styles.get("Heading3") or sample["Heading3"]
    label = ctx.styles.get("Label") or sample["BodyText"]
    cell = ctx.styles.get("Cell") or sample["BodyText"]
    data = [[Paragraph(escape(str(k)), label),
             Paragraph(escape("" if v is None else str(v)), cell)] for k, v in rows]
    flowables: list[Any] = [Paragraph(escape(title), heading)]
    if data:
        flowables.append(Table(data, colWidths=["35%", "65%"], hAlign="LEFT"))
    flowables.append(Spacer(1, 6))
    return flowables


def empty_section(ctx: DossierContext, message: str) -> list[Any]:
    return [Paragraph(message, ctx.styles.get("Body") or getSampleStyleSheet()["BodyText"])]
