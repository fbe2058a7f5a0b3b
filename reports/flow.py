"""Paragraphs that cost less to make and to lay out, and print exactly as reportlab's.

A dossier holds a few hundred small paragraphs, most of them table cells. reportlab
parses each one's markup with an HTML parser and breaks its lines again every time a
table measures, splits or draws it. Here:

- the markup is parsed once per *shape* (tags and entities, with every run of text
  replaced by a placeholder) and style, and each paragraph gets fresh copies of those
  fragments with its own text: the same fragments the parser would have made;
- a paragraph remembers its line breaking for the width it was last wrapped to (its
  height does not depend on the height offered), and a table its row heights once it
  has measured all its rows at a width.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph as _Paragraph
from reportlab.platypus import Table as _Table
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser

#: Stands for one run of text in a shape; a private-use character no text of ours holds.
_HOLE = "\ue000"
_TOKENS = re.compile(r"(<[^<>&]*>|&#?\w+;)|([^<&]+)")


class Paragraph(_Paragraph):
    """A reportlab Paragraph that breaks its lines once per width."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        # Paragraph.wrap ignores the height; split() deletes blPara when it re-flows.
        if self.__dict__.get("_wrapped_for") == availWidth and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_for = availWidth
        return size


class Table(_Table):
    """A reportlab Table that measures its rows once per width.

    A table is measured when a heading kept with it is, again when it is placed and again
    when it is split. Once every row is measured at a width, the result no longer
    depends on the height offered (that only lets a long table stop measuring early).
    """

    def _calc(self, availWidth: float, availHeight: float) -> None:  # noqa: N803
        if (self.__dict__.get("_measured_for") == availWidth
                and self.__dict__.get("_hmax") == len(self._argH)):
            return
        self._measured_for = None
        super()._calc(availWidth, availHeight)
        self._measured_for = availWidth


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """``Paragraph(text, style)`` for markup made by ``reports.markup.markup`` and the
    reports' own tags, without running the markup parser for every paragraph."""
    text = cleanBlockQuotedText(text)
    runs: list[str] = []
    shape: list[str] = []
    end = 0
    for match in _TOKENS.finditer(text):
        if match.start() != end:
            break
        end = match.end()
        tag, run = match.groups()
        if run is None:
            shape.append(tag)
        else:
            runs.append(run)
            shape.append(_HOLE)
    if end != len(text) or _HOLE in text or not runs:
        return Paragraph(text, style)
    parsed = _parse_shape("".join(shape), style)
    if parsed is None:
        return Paragraph(text, style)
    parsed_style, template, holes = parsed
    if len(holes) != len(runs):
        return Paragraph(text, style)
    frags = [f.clone() for f in template]
    for index, run in zip(holes, runs, strict=True):
        frags[index].text = run
    return Paragraph(text, parsed_style, frags=frags)


@functools.lru_cache(maxsize=2048)
def _parse_shape(shape: str, style: ParagraphStyle) -> tuple[Any, list[Any], list[int]] | None:
    """What Paragraph's own set-up makes of ``shape``: its style, its fragments and the
    positions of the fragments that hold a run of text."""
    if getattr(style, "textTransform", None):
        return None
    parser = ParaParser()
    parser.caseSensitive = 1
    parsed_style, frags, bullet = parser.parse(shape, style)
    if frags is None or bullet:
        return None
    textTransformFrags(frags, parsed_style)
    holes = [n for n, f in enumerate(frags) if getattr(f, "text", None) == _HOLE]
    if any(_HOLE in getattr(f, "text", "") for n, f in enumerate(frags) if n not in holes):
        return None
    return parsed_style, frags, holes
