"""The plugin contract: the hooks a Casusregie plugin may implement and what they return.

This module imports nothing of the application (only the standard library, pluggy and
click), so a plugin author can read it on its own and the core can import it from
anywhere without a circle. The plugin manager (``app.plugin_manager``) loads plugins and
checks what the hooks return against these types; the authors' toolkit
(``app.plugins``) re-exports them with the building blocks for screens and dossier
sections. docs/plugins.md is the guide; docs/design.md describes the contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pluggy

if TYPE_CHECKING:  # annotations only: importing them would tie the contract to the app
    import sqlalchemy as sa

    from casusregie.app.access import Actor
    from casusregie.app.models.base import InterventionDomain, OrganisationKind

PROJECT = "casusregie"
ENTRY_POINT_GROUP = "casusregie.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class PluginError(RuntimeError):
    """A plugin named in ``PLUGINS`` is missing or broken; the message names it."""


# --------------------------------------------------------------------------------------
# What hooks return
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewSpec:
    """A Flask-AppBuilder view or API to register.

    ``name`` is the menu entry (and the ``menu_access`` permission); APIs
    (``BaseApi`` subclasses) get no menu entry.
    """

    view: type
    name: str = ""
    label: Any = None
    category: str | None = "Casuswerk"
    category_label: Any = None
    icon: str = ""


@dataclass(frozen=True)
class CatalogueEntry:
    """An entry of the intervention catalogue, created by ``casus init`` when missing.

    ``organisation_kind`` links the entry to the first active organisation of that kind.
    """

    name: str
    domain: InterventionDomain
    description: str = ""
    organisation_kind: OrganisationKind | None = None
    #: The name shown to users who work in English ("" = ``name``).
    name_en: str = ""


@dataclass(frozen=True)
class InterventionKind:
    """An intervention type with its own model, form and screen.

    ``model`` extends ``app.models.Intervention`` through joined-table inheritance with
    ``polymorphic_identity == kind``. ``organisation_kinds`` says which organisations may
    register it (empty: every organisation whose role grants the add permission).
    """

    kind: str
    model: type
    label: Any
    view: ViewSpec
    catalogue: tuple[CatalogueEntry, ...] = ()
    organisation_kinds: frozenset[OrganisationKind] = frozenset()
    api: ViewSpec | None = None


@dataclass(frozen=True)
class RoleGrant:
    """Permissions a role receives: ``(permission, view)`` pairs, ``*`` = all of a view."""

    role: str
    grants: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MigrationSpec:
    """A plugin's own Alembic script directory, metadata and version table."""

    script_location: Path
    metadata: sa.MetaData
    version_table: str = ""


def _nobody(_actor: Actor | None) -> bool:
    return False


@dataclass(frozen=True)
class FieldRule:
    """Fields of ``model`` that only actors for whom ``allows(obj, actor)`` holds may see.

    ``may_see_some(actor)`` answers for the model as a whole (form fields of a new row,
    list and show columns, filters): whether the actor can be allowed on some row. Values
    are still hidden row by row with ``allows``.
    """

    model: type
    fields: frozenset[str]
    allows: Callable[[Any, Actor | None], bool]
    may_see_some: Callable[[Actor | None], bool] = _nobody


@dataclass(frozen=True)
class Notice:
    """A message shown to a user on the start page."""

    message: str
    category: str = "warning"


@dataclass
class DossierContext:
    """What a dossier section needs to render: the case, who prints, in which language,
    and the dossier's own formatting, so plugin sections read like the core's."""

    case: Any
    actor: Any
    locale: str
    styles: dict[str, Any]
    gettext: Callable[[str], str]
    #: The dossier's date formatter ("5 jan. 2026" in Dutch), the same for every section.
    format_date: Callable[[dt.date | dt.datetime | None], str] = field(
        default=lambda value: value.isoformat() if value else "")
    #: A value as the dossier prints it (enum members as words, dates formatted).
    display_value: Callable[[Any], str] = field(
        default=lambda value: "" if value is None else str(value))
    #: The core's own section data (loaded once per dossier); plugins need not use it.
    data: Any = None


@dataclass(frozen=True)
class DossierSection:
    """One section of the case dossier.

    ``render`` returns reportlab flowables; it reads data through the normal ORM session
    (so the row rules apply) and asks ``app.access.can_see_field`` for every field it
    prints (which includes the plugins' field rules).
    """

    key: str
    title: str
    render: Callable[[DossierContext], list[Any]]
    order: int = 500


# --------------------------------------------------------------------------------------
# Hook specifications: every hook is documented here and in docs/plugins.md
# --------------------------------------------------------------------------------------


class HookSpecs:
    """The hooks a Casusregie plugin may implement. All are optional."""

    @hookspec
    def intervention_kinds(self) -> list[InterventionKind]:
        """Intervention types the plugin adds: model, catalogue entries, screen and API.

        Called once at start-up. The model must subclass ``Intervention`` (joined-table
        inheritance) so that the access policy guards it like every core intervention.
        """

    @hookspec
    def views(self) -> list[ViewSpec]:
        """Further Flask-AppBuilder views or APIs (for example a log kept per intervention).

        Views must build on ``CasusModelView`` (``AccessPolicyViewMixin``); models that are
        not interventions must be filtered through their intervention with
        ``intervention_child_filter``.
        """

    @hookspec
    def role_grants(self) -> list[RoleGrant]:
        """Which roles get which of the plugin's permissions; applied by ``casus init``.

        Grants are only ever added, never removed, like the core roles.
        """

    @hookspec
    def dossier_sections(self) -> list[DossierSection]:
        """Sections the plugin adds to the case dossier (``DossierSection``).

        ``render`` reads through the normal session (so the access policy applies) and
        hides fields the printing actor may not see.
        """

    @hookspec
    def translations_dir(self) -> Path | None:
        """A directory with ``<lang>/LC_MESSAGES/messages.mo`` catalogues (nl and en).

        Added to ``BABEL_TRANSLATION_DIRECTORIES`` after the core's; a plugin's entry
        overrides the core's for the same English text, so translate your own strings only.
        """

    @hookspec
    def templates_dir(self) -> Path | None:
        """A directory of Jinja templates, searched after the application's own."""

    @hookspec
    def migrations(self) -> MigrationSpec | None:
        """The plugin's Alembic script directory, metadata and version table.

        Run by ``flask casus plugins-upgrade``; the version table defaults to
        ``alembic_version_<plugin>``. Plugin tables never live in the core metadata.
        """

    @hookspec
    def cli_commands(self) -> list[click.Command]:
        """Click commands added to ``flask --app casusregie.app ...`` (prefix names with
        the plugin)."""

    @hookspec
    def field_rules(self) -> list[FieldRule]:
        """Field-level rules for sensitive fields of the plugin's models."""

    @hookspec
    def destroy_case_records(self, case_id: int, intervention_ids: list[int],
                             apply: bool) -> dict[str, int]:
        """Remove the plugin's own records of a case whose retention has ended.

        Called by ``flask casus retention`` before the core removes the case's
        interventions (``intervention_ids``, the plugin's subclass rows among them).
        With ``apply`` false only count. Delete with plain SQL (``table.delete()``), child
        rows first: SQLite does not cascade. Return ``{table name: rows}``.
        """

    @hookspec
    def start_notices(self, actor: Actor) -> list[Notice]:
        """Messages for ``actor`` on the start page (e.g. a measure about to expire).

        Called on every visit of the start page: keep it to one query.
        """


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name, value in vars(HookSpecs).items() if callable(value) and not
    name.startswith("_")
)

#: The type every item of a list-returning hook must have.
EXPECTED: dict[str, type | tuple[type, ...]] = {
    "intervention_kinds": InterventionKind,
    "views": ViewSpec,
    "role_grants": RoleGrant,
    "dossier_sections": DossierSection,
    "cli_commands": click.Command,
    "field_rules": FieldRule,
    "start_notices": Notice,
}
