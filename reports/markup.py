"""Turning stored text into safe paragraph markup, right-to-left scripts included."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_display

# Hebrew, Arabic, Syriac, Thaana, N'Ko and the Arabic presentation forms.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def visual(text: str) -> str:
    """Shape Arabic letters and put right-to-left runs in display order.

    reportlab draws characters left to right as given; without this an Arabic name
    would appear as separate letters in reverse order. Text extractors read the
    display order back into reading order.
    """
    if not _RTL.search(text):
        return text
    return get_display(arabic_reshaper.reshape(text))


def markup(value: object) -> str:
    """Escape ``value`` for a Paragraph, keeping its line breaks."""
    if value is None:
        return ""
    lines = str(value).replace("\r\n", "\n").split("\n")
    return "<br/>".join(escape(visual(line)) for line in lines)
