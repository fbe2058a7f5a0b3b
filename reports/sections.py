"""Building blocks for the dossier sections plugins add: an item's title with label and
value rows, and the line shown when a section has nothing to print.

Values are printed as given: format dates with ``ctx.format_date`` and other values with
``ctx.display_value`` so a plugin section reads like the core's.
"""

from __future__ import annotations

import functools
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.platypus import Spacer

from casusregie.app.hookspecs import DossierContext
from casusregie.reports.flow import Table, paragraph


@functools.cache
def _sample() -> StyleSheet1:
    # reportlab builds a new style sheet on every call; the fallbacks never change.
    return getSampleStyleSheet()


def section_rows(ctx: DossierContext, title: str,
                 rows: list[tuple[str, Any]]) -> list[Any]:
    """Flowables for one item of a section: a bold title and label/value rows.

    Made like the core sections: paragraphs parsed once per shape, the table measured
    once per width (``reports.flow``).
    """
    heading = ctx.styles.get("Heading3") or _sample()["Heading3"]
    label = ctx.styles.get("Label") or _sample()["BodyText"]
    cell = ctx.styles.get("Cell") or _sample()["BodyText"]
    data = [[paragraph(escape(str(k)), label),
             paragraph(escape("" if v is None else str(v)), cell)] for k, v in rows]
    flowables: list[Any] = [paragraph(escape(title), heading)]
    if data:
        flowables.append(Table(data, colWidths=["35%", "65%"], hAlign="LEFT"))
    flowables.append(Spacer(1, 6))
    return flowables


def empty_section(ctx: DossierContext, message: str) -> list[Any]:
    return [paragraph(message, ctx.styles.get("Body") or _sample()["BodyText"])]
