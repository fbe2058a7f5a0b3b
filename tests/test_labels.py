"""One label table per enumeration: every value has a word, and only one module says it.

Two tables for the same enumeration drift apart (the close reason read "Inclusion
unjustified" on one screen and "Inclusion turned out unjustified" on another); a value
without a word shows the stored English value to a Dutch reader.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
from collections import defaultdict
from typing import Any

import casusregie.app.models.base as model_enums
from casusregie import app, plugins, reports
from casusregie.app.labels import ENUM_LABELS, enum_label


def _is_lazy(value: Any) -> bool:
    return type(value).__name__ == "LazyString"


def _modules() -> list[Any]:
    found = []
    for package in (app, reports, plugins):
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if ".migrations" in info.name or info.name.endswith(".hookspecs"):
                continue
            found.append(importlib.import_module(info.name))
    return found


def _label_tables(value: Any) -> list[dict[Any, Any]]:
    """Dicts (also nested one level) mapping enum members to translatable words."""
    if not isinstance(value, dict):
        return []
    if value and all(isinstance(k, enum.Enum) for k in value) \
            and all(_is_lazy(v) for v in value.values()):
        return [value]
    return [t for v in value.values() for t in _label_tables(v) if isinstance(v, dict)]


def _who_labels() -> dict[type[enum.Enum], set[str]]:
    owners: dict[type[enum.Enum], set[str]] = defaultdict(set)
    for module in _modules():
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            for table in _label_tables(value):
                for cls in {type(k) for k in table}:
                    # A table imported from another module is that module's table.
                    owners[cls].add(_origin(module, name, table))
    return owners


def _origin(module: Any, name: str, table: dict) -> str:
    for other in (importlib.import_module("casusregie.app.labels"),):
        if any(table is t for v in vars(other).values() for t in _label_tables(v)):
            return other.__name__
    return module.__name__


def test_every_core_enumeration_value_has_a_label() -> None:
    enums = [cls for _, cls in inspect.getmembers(model_enums, inspect.isclass)
             if issubclass(cls, enum.Enum) and cls.__module__ == model_enums.__name__]
    assert enums
    missing = [f"{cls.__name__}.{member.name}" for cls in enums for member in cls
               if member not in ENUM_LABELS.get(cls, {})]
    assert not missing, f"enumeration values without a label in app/labels.py: {missing}"


def test_labels_follow_the_language() -> None:
    from flask import Flask
    from flask_babel import Babel, force_locale

    flask_app = Flask(__name__)
    Babel(flask_app)
    with flask_app.app_context(), force_locale("en"):
        assert enum_label(model_enums.CloseReason.unjustified) == "Inclusion unjustified"


def test_each_enumeration_is_labelled_in_one_module_only() -> None:
    owners = _who_labels()
    assert model_enums.CloseReason in owners
    twice = {cls.__name__: sorted(mods) for cls, mods in owners.items() if len(mods) > 1}
    assert not twice, f"enumerations labelled in more than one module: {twice}"
    core_elsewhere = {cls.__name__: sorted(mods) for cls, mods in owners.items()
                      if cls.__module__ == model_enums.__name__
                      and mods != {"casusregie.app.labels"}}
    assert not core_elsewhere, f"core enumerations labelled outside app/labels.py: " \
                               f"{core_elsewhere}"


def test_the_check_finds_a_second_table(monkeypatch) -> None:
    """The check bites: a copy of a table in another module is reported."""
    from flask_babel import lazy_gettext as _l

    import casusregie.app.workflow as workflow

    monkeypatch.setattr(workflow, "CLOSE_REASON_LABELS",
                        {model_enums.CloseReason.unjustified: _l("Inclusion unjustified")},
                        raising=False)
    owners = _who_labels()
    assert owners[model_enums.CloseReason] == {"casusregie.app.labels", "casusregie.app.workflow"}
