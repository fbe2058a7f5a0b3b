"""The contract between the dossier and the sections plugins add to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DossierContext:
    """What a section needs to render: the case, who prints, in which language."""

    case: Any
    actor: Any
    locale: str
    styles: dict[str, Any]
    gettext: Callable[[str], str]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DossierSection:
    """One section of the case dossier.

    ``render`` returns reportlab flowables; it must read data through the normal ORM
    session so the access policy applies, and ask ``app.access.can_see_field`` for
    sensitive fields.
    """

    key: str
    title: str
    render: Callable[[DossierContext], list[Any]]
    order: int = 500
