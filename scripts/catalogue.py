"""Maintenance of the translation catalogues (``make translations`` runs ``all``).

Casusregie has one catalogue for the app and the reports (``translations/``) and one per
built-in plugin (``plugins/<name>/translations/``), each in every language of
``LANGUAGES`` (Dutch, the default, and English, the language of the source).

Commands::

    python scripts/catalogue.py all       extract, update, import, fill-en, compile, report
    python scripts/catalogue.py extract   write each messages.pot from the sources
    python scripts/catalogue.py update    bring each messages.po in line with its .pot
    python scripts/catalogue.py import    take Dutch from translations/incoming/*.tsv
    python scripts/catalogue.py fill-en   English msgstr = msgid where still empty
    python scripts/catalogue.py compile   write the .mo files (``make compile-translations``)
    python scripts/catalogue.py           list what lacks a translation; exit 1 if anything

``translations/incoming/en/*.tsv`` rewords English texts we do not write ourselves
(Flask-AppBuilder's), in the same format.

``translations/incoming/<area>.tsv`` holds ``English<TAB>Dutch`` lines (``\\n`` for a line
break; for a plural message ``singular<TAB>Dutch singular<TAB>Dutch plural``). Files are
read in name order and a later file wins, so ``zz_i18n.tsv`` settles differences.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("nl", "en")
SOURCE_LOCALE = "en"
KEYWORDS = ("_", "gettext", "_l", "lazy_gettext", "ngettext:1,2", "lazy_ngettext:1,2")
MAPPING = ROOT / "babel.cfg"
INCOMING = ROOT / "translations" / "incoming"


@dataclass(frozen=True)
class Domain:
    """One catalogue: where its messages come from and where its translations live."""

    name: str
    sources: tuple[Path, ...]
    directory: Path

    @property
    def pot(self) -> Path:
        return self.directory / "messages.pot"

    def po(self, locale: str) -> Path:
        return self.directory / locale / "LC_MESSAGES" / "messages.po"


def domains() -> list[Domain]:
    core = Domain("core", (ROOT / "app", ROOT / "reports"), ROOT / "translations")
    plugins = [
        Domain(f"plugin {path.name}", (path,), path / "translations")
        for path in sorted((ROOT / "plugins").iterdir())
        if path.is_dir() and (path / "__init__.py").exists()
    ]
    return [core, *plugins]


def catalogues() -> list[Path]:
    return [d.po(loc) for d in domains() for loc in LOCALES if d.po(loc).exists()]


def _load(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _save(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False, ignore_obsolete=True)


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


# --- extract and update ----------------------------------------------------------------

def extract(domain: Domain, pot: Path) -> Catalog:
    """Extract ``domain``'s messages into ``pot`` and return them."""
    keywords = [arg for kw in KEYWORDS for arg in ("-k", kw)]
    _pybabel("extract", "-F", str(MAPPING), *keywords, "--no-location", "--sort-output",
             "--omit-header", "--ignore-dirs", "translations .* _* tests",
             "-o", str(pot), *(str(s) for s in domain.sources))
    return _load(pot)


def extract_all() -> None:
    for domain in domains():
        with tempfile.TemporaryDirectory() as tmp:
            catalog = extract(domain, Path(tmp) / "messages.pot")
            if not len(catalog) and not domain.directory.exists():
                continue  # a plugin without text needs no catalogue
            domain.directory.mkdir(exist_ok=True)
            domain.pot.write_bytes((Path(tmp) / "messages.pot").read_bytes())


def update_all() -> None:
    for domain in domains():
        if not domain.pot.exists():
            continue
        for locale in LOCALES:
            if not domain.po(locale).exists():
                _pybabel("init", "-i", str(domain.pot), "-d", str(domain.directory),
                         "-l", locale)
        _pybabel("update", "-N", "--no-fuzzy-matching", "--ignore-obsolete", "-w", "100",
                 "-i", str(domain.pot), "-d", str(domain.directory))


_VOLATILE_HEADER = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): [^"]*"\n', re.MULTILINE)


def drop_dates() -> None:
    """Remove the time stamps Babel writes into every header: without them a run that
    changes no message changes no file, and parallel work merges cleanly."""
    for domain in domains():
        for path in [domain.pot, *(domain.po(loc) for loc in LOCALES)]:
            if path.exists():
                text = path.read_bytes()
                cleaned = _VOLATILE_HEADER.sub(b"", text)
                if cleaned != text:
                    path.write_bytes(cleaned)


def compile_all() -> None:
    for domain in domains():
        if any(domain.po(loc).exists() for loc in LOCALES):
            _pybabel("compile", "-f", "-d", str(domain.directory))


# --- translations ----------------------------------------------------------------------

def read_incoming(files: Iterable[Path] | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """The Dutch of every incoming line, and warnings about lines that disagree."""
    incoming: dict[str, list[str]] = {}
    origin: dict[str, str] = {}
    warnings: list[str] = []
    for tsv in files if files is not None else sorted(INCOMING.glob("*.tsv")):
        for number, line in enumerate(tsv.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            if "\t" not in line:
                warnings.append(f"{tsv.name}:{number}: no TAB between English and Dutch")
                continue
            msgid, *strings = (part.replace("\\n", "\n") for part in line.split("\t"))
            if msgid in incoming and incoming[msgid] != strings:
                warnings.append(f"{tsv.name}:{number}: {msgid!r} is {strings[0]!r} here but "
                                f"{incoming[msgid][0]!r} in {origin[msgid]}; using this one")
            incoming[msgid] = strings
            origin[msgid] = tsv.name
    return incoming, warnings


def import_incoming() -> None:
    incoming, warnings = read_incoming()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for domain in domains():
        path = domain.po("nl")
        if not path.exists():
            continue
        catalog = _load(path)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            strings = incoming.get(key)
            if not strings:
                continue
            if isinstance(message.id, tuple):
                if len(strings) < 2:
                    strings = [strings[0], strings[0]]
                message.string = tuple(strings[:2])
            else:
                message.string = strings[0]
            message.flags.discard("fuzzy")
        _save(path, catalog)


def fill_en() -> None:
    """English is the source: msgstr = msgid, except where ``incoming/en/*.tsv`` rewords
    a text we do not write ourselves (Flask-AppBuilder's "List Users" reads "Users")."""
    overrides, warnings = read_incoming(sorted((INCOMING / SOURCE_LOCALE).glob("*.tsv")))
    for warning in warnings:
        print(f"warning: en/{warning}", file=sys.stderr)
    for domain in domains():
        path = domain.po(SOURCE_LOCALE)
        if not path.exists():
            continue
        catalog = _load(path)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, str) and message.id in overrides:
                message.string = overrides[message.id][0]
            elif isinstance(message.id, tuple):
                if not all(message.string):
                    message.string = message.id
            elif not message.string:
                message.string = message.id
            message.flags.discard("fuzzy")
        _save(path, catalog)


def missing() -> dict[str, list[str]]:
    """Per catalogue, the messages without a (non-fuzzy) translation."""
    result: dict[str, list[str]] = {}
    for path in catalogues():
        catalog = _load(path)
        gaps = [str(m.id) for m in catalog if m.id and (
            not (all(m.string) if isinstance(m.string, tuple) else m.string)
            or "fuzzy" in m.flags)]
        if gaps:
            result[str(path.relative_to(ROOT))] = gaps
    return result


def report() -> int:
    gaps = missing()
    for path, ids in gaps.items():
        print(f"{path}: {len(ids)} untranslated")
        for msgid in ids:
            print(f"    {msgid}")
    if gaps:
        print("Add the Dutch of the messages above to translations/incoming/<area>.tsv "
              "and run `make translations` again.")
    return 1 if gaps else 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "report"
    steps = {
        "extract": [extract_all],
        "update": [update_all],
        "import": [import_incoming],
        "fill-en": [fill_en],
        "compile": [compile_all],
        "all": [extract_all, update_all, import_incoming, fill_en, drop_dates, compile_all],
        "report": [],
    }
    if command not in steps:
        print(__doc__, file=sys.stderr)
        return 2
    for step in steps[command]:
        step()
    if command == "all":
        report()  # gaps are listed, not fatal: the test suite is where they fail
        return 0
    return report() if command == "report" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
