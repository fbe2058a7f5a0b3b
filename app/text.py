"""Text helpers shared by models, search and the duplicate check."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z\u0600-\u06ff\u0400-\u04ff ]+")
_SPACES = re.compile(r"\s+")
# Common transliteration variants that make the same person look like two.
_VARIANTS = (
    ("mohammed", "mohamed"),
    ("muhammad", "mohamed"),
    ("mohammad", "mohamed"),
    ("muhammed", "mohamed"),
)


def fold(text: str) -> str:
    """Lower-case and strip diacritics (``Ağca`` → ``agca``, ``Ødegård`` → ``odegard``)."""
    text = text.replace("ø", "o").replace("Ø", "O").replace("ß", "ss").replace("ı", "i")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def normalise_name(name: str) -> str:
    """A key under which spelling variants of one name coincide.

    ``Mohammed El Amrani`` and ``Mohamed el-Amrani`` both become ``mohamed elamrani``:
    hyphens and particles are joined to the surname so word splits do not matter.
    """
    folded = fold(name or "")
    folded = folded.replace("-", "").replace("'", "")
    folded = _NON_ALNUM.sub(" ", folded)
    words = _SPACES.sub(" ", folded).strip().split(" ")
    out: list[str] = []
    for word in words:
        for variant, canonical in _VARIANTS:
            if word == variant:
                word = canonical
        out.append(word)
    if len(out) > 1:
        # Particles such as "el", "van", "de" belong to the surname.
        return out[0] + " " + "".join(out[1:])
    return "".join(out)


def is_valid_bsn(value: str) -> bool:
    """The Dutch citizen service number's eleven test (elfproef).

    Nine digits (eight are padded with a leading zero); the weighted sum with weights
    9…2 and -1 for the last digit is a non-zero multiple of 11.
    """
    digits = (value or "").strip()
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return total != 0 and total % 11 == 0
