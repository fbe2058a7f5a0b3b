"""Maintenance helper for the translation catalogues.

``python scripts/catalogue.py import`` merges the Dutch translations kept as
``msgid<TAB>msgstr`` lines in ``translations/incoming/*.tsv`` into the Dutch catalogue
(handy when several people add screens at once); ``fill-en`` copies each untranslated
English msgid into its msgstr (English is the language of the source); without arguments
it lists what lacks a translation in either language. ``make translations`` runs all.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]


def catalogues() -> list[Path]:
    dirs = [ROOT / "translations"] + sorted(p for p in (ROOT / "plugins").glob("*/translations"))
    return [p for d in dirs for p in d.glob("*/LC_MESSAGES/messages.po")]


def _load(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _save(path: Path, catalog) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False)


def fill_en() -> None:
    for path in catalogues():
        if path.parts[-3] != "en":
            continue
        catalog = _load(path)
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                if not any(message.string):
                    message.string = message.id
            elif not message.string:
                message.string = message.id
            message.flags.discard("fuzzy")
        _save(path, catalog)


def import_incoming() -> None:
    incoming: dict[str, str] = {}
    for tsv in sorted((ROOT / "translations" / "incoming").glob("*.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            msgid, msgstr = line.split("\t", 1)
            incoming[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")
    path = ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    catalog = _load(path)
    for message in catalog:
        if isinstance(message.id, str) and message.id in incoming:
            message.string = incoming[message.id]
            message.flags.discard("fuzzy")
    _save(path, catalog)


def missing() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for path in catalogues():
        catalog = _load(path)
        gaps = [str(m.id) for m in catalog if m.id and (
            not (all(m.string) if isinstance(m.string, tuple) else m.string)
            or "fuzzy" in m.flags)]
        if gaps:
            result[str(path.relative_to(ROOT))] = gaps
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["import"]:
        import_incoming()
        return 0
    if argv[:1] == ["fill-en"]:
        fill_en()
        return 0
    gaps = missing()
    for path, ids in gaps.items():
        print(f"{path}: {len(ids)} untranslated")
        for msgid in ids:
            print(f"    {msgid}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
