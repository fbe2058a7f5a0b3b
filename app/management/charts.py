"""Charts drawn on the server with reportlab.graphics: SVG on the page, the same
drawing in the PDF. No scripts, fonts or CDNs reach the browser.

Colours are the Okabe–Ito palette, distinguishable with every common colour-vision
deficiency; every chart has its title in the drawing and its figures in a table beside
it (the table is the accessible view; suppressed cells are drawn as empty bars).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from casusregie.app.management.figures import TOTAL, Figure
from casusregie.reports.fonts import BOLD, REGULAR, register_fonts

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
WIDTH = 460
INK = colors.HexColor("#1f2933")


def _series(figure: Figure) -> list[tuple[Any, str]]:
    return [(c, label) for c, label in figure.columns if c != TOTAL] or [(TOTAL, "")]


def _data(figure: Figure) -> list[list[int]]:
    return [[figure.cell(r, c).value or 0 for r, _ in figure.rows]
            for c, _ in _series(figure)]


def _style(chart: Any, figure: Figure) -> None:
    for i in range(len(_series(figure))):
        chart.bars[i].fillColor = colors.HexColor(OKABE_ITO[i % len(OKABE_ITO)])
        chart.bars[i].strokeColor = None
    chart.categoryAxis.categoryNames = [label[:28] for _, label in figure.rows]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = REGULAR
        axis.labels.fontSize = 7
        axis.labels.fillColor = INK
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    chart.valueAxis.labelTextFormat = "%d"
    top = max([sum(col) for col in zip(*_data(figure), strict=False)] or [0])
    chart.valueAxis.valueMax = max(top, 4)
    chart.valueAxis.valueStep = max(1, round(max(top, 4) / 4))


def _legend(figure: Figure, drawing: Drawing, y: float) -> None:
    series = _series(figure)
    if len(series) < 2:
        return
    legend = Legend()
    legend.fontName, legend.fontSize = REGULAR, 7
    legend.x, legend.y, legend.alignment = 10, y, "right"
    # Three columns of entries fit the width whatever the labels' length.
    legend.columnMaximum = max(1, -(-len(series) // 3))
    legend.dx, legend.dy, legend.deltay = 7, 7, 10
    legend.deltax, legend.autoXPadding = (WIDTH - 20) / 3, 0
    legend.colorNamePairs = [(colors.HexColor(OKABE_ITO[i % len(OKABE_ITO)]), label)
                             for i, (_, label) in enumerate(series)]
    drawing.add(legend)


def drawing_for(figure: Figure) -> Drawing:
    """The chart of ``figure``: stacked bars per month, horizontal bars otherwise."""
    register_fonts()
    rows = len(figure.rows)
    monthly = figure.key in ("signals", "discussed")
    height = 200 if monthly else max(90, 24 + rows * 16)
    legend_room = 12 + 10 * -(-len(_series(figure)) // 3) if len(_series(figure)) > 1 else 0
    drawing = Drawing(WIDTH, height + 24 + legend_room)
    chart: Any = VerticalBarChart() if monthly else HorizontalBarChart()
    chart.x, chart.y = (30, 24 + legend_room) if monthly else (150, 10 + legend_room)
    chart.width = WIDTH - chart.x - 10
    chart.height = height - 30
    chart.data = _data(figure)
    if len(chart.data) > 1:
        chart.categoryAxis.style = "stacked"
    _style(chart, figure)
    if not monthly:
        chart.categoryAxis.reverseDirection = True
    drawing.add(chart)
    _legend(figure, drawing, legend_room - 4)
    drawing.add(String(0, drawing.height - 12, str(figure.title), fontName=BOLD,
                       fontSize=10, fillColor=INK))
    return drawing


_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


def svg_for(figure: Figure) -> str:
    """Inline SVG markup (no XML prolog) with the chart's title as its accessible name.

    Drawing ten charts took most of the page's time; a chart is remembered by exactly
    what it shows (labels and values), so it is drawn again only when those change."""
    cells = tuple(sorted(((repr(k), c.value) for k, c in figure.cells.items())))
    key = (figure.key, str(figure.title), tuple(figure.rows), tuple(figure.columns), cells)
    svg = _SVG_CACHE.get(key)
    if svg is None:
        if len(_SVG_CACHE) >= SVG_CACHE_SIZE:
            _SVG_CACHE.clear()
        svg = _SVG_CACHE[key] = _svg(figure)
    return svg


SVG_CACHE_SIZE = 512
_SVG_CACHE: dict[tuple, str] = {}


def _svg(figure: Figure) -> str:
    svg = renderSVG.drawToString(drawing_for(figure))
    svg = _PROLOG.sub("", svg, count=1)
    svg = svg.replace("<title>...</title>", f"<title>{escape(str(figure.title))}</title>", 1)
    svg = svg.replace("<desc>...</desc>", "", 1)
    # The PDF embeds its font; the page uses the browser's own sans-serif (no web fonts).
    svg = svg.replace("font-family: CasusSans-Bold", "font-family: sans-serif; font-weight: bold")
    svg = svg.replace("font-family: CasusSans", "font-family: sans-serif")
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)
