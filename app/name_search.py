"""Search keys for finding a person by name, served by an index on every database.

A subject stores two keys, both lower-case, without diacritics or punctuation:

- ``name_key`` (``app.text.normalise_name``): the full name, first word first, the rest
  joined — ``Mohammed El Amrani`` → ``mohamed elamrani``. The duplicate check compares
  it whole; a search matches it by prefix, so "Moham" or "Mohamed el-A" find him.
- ``surname_key`` (``surname_key()`` below): the last name with its leading particles
  left out and its words joined — ``El Amrani``, ``el-Amrani`` and ``Amrani`` all
  become ``amrani``, ``van den Berg`` becomes ``berg``. Dutch users look a name up
  without its tussenvoegsel ("Jong" for "de Jong"), and the particle is the part most
  often spelled differently.

A search term is normalised the same two ways and matched as a prefix of either key
(``name_key LIKE 'p%' OR surname_key LIKE 's%'``), which a B-tree serves: on PostgreSQL
with ``varchar_pattern_ops`` (any collation), on SQLite as ``GLOB 'p*'`` on the plain
index (SQLite's ``LIKE`` ignores case and so cannot use a binary index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casusregie.app.text import fold, normalise_name

#: Name particles (tussenvoegsels and their Arabic, Turkish and Romance counterparts)
#: that a surname may start with.
PARTICLES = frozenset({
    "de", "den", "der", "des", "het", "t", "te", "ten", "ter", "van", "von", "vande",
    "vanden", "vander", "op", "in", "aan", "uit", "bij", "onder", "voor", "over",
    "el", "al", "ul", "ait", "ben", "bin", "bint", "ibn", "abu", "ou",
    "da", "di", "do", "dos", "das", "du", "la", "le", "les", "lo", "del", "della", "y",
    "zu", "zum", "zur", "mac", "mc", "o",
})

_WORDS = re.compile(r"[^0-9a-z\u0600-\u06ff\u0400-\u04ff]+")


def _words(text: str) -> list[str]:
    # Hyphens and apostrophes separate words here ("el-Amrani", "'t Hart"), unlike in
    # normalise_name, so that a hyphenated particle is recognised as one.
    words = [w for w in _WORDS.split(fold(text or "")) if w]
    # Transliteration variants (Mohammed → mohamed) as the duplicate check has them.
    return [normalise_name(w) for w in words]


def surname_key(last_name: str | None) -> str:
    """The last name without leading particles, words joined: ``van den Berg`` → ``berg``.

    A name made only of particles ("Van", "El") keeps them.
    """
    words = _words(last_name or "")
    start = 0
    while start < len(words) - 1 and words[start] in PARTICLES:
        start += 1
    return "".join(words[start:])


@dataclass(frozen=True)
class NameSearch:
    """A search term as prefixes of the two keys; empty if the term has no letters."""

    name_prefix: str
    surname_prefix: str

    def __bool__(self) -> bool:
        return bool(self.name_prefix or self.surname_prefix)


def name_search(term: str | None) -> NameSearch:
    """``Mohamed el-Amrani`` → name_key prefix ``mohamed elamrani``, surname ``mohamedelamrani``;
    ``el-Amrani`` → ``elamrani`` / ``amrani``; ``de Jong`` → ``de jong`` / ``jong``."""
    return NameSearch(normalise_name(term or ""), surname_key(term))
