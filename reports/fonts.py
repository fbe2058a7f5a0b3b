"""The embedded Unicode fonts of every report.

DejaVu Sans ships with the application (``reports/fonts``, Bitstream Vera licence) so a
report looks the same on every server and names in Latin, Turkish, Nordic and Arabic
script render; the 14 standard PDF fonts cover none of the latter.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

REGULAR = "CasusSans"
BOLD = "CasusSans-Bold"
ITALIC = "CasusSans-Oblique"
BOLD_ITALIC = "CasusSans-BoldOblique"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}


def register_fonts() -> None:
    """Register the family once per process (reportlab keeps a global registry)."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    # <b> and <i> in paragraph markup pick the right face through these mappings.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD_ITALIC)
