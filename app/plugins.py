"""The plugin authors' toolkit: everything a Casusregie plugin needs, in one import.

``from casusregie.app.plugins import hookimpl, InterventionKind, InterventionKindView, ...`` — this
module only gathers names from where they live (the contract in ``app.hookspecs``, the
access policy, the screen and dossier building blocks). The core never imports it, so a
plugin can rely on it without tying the core to plugin code. docs/plugins.md is the
guide.
"""

from __future__ import annotations

from casusregie.app.access import Actor, can_see_field, current_actor
from casusregie.app.hookspecs import (
    CatalogueEntry,
    DossierContext,
    DossierSection,
    FieldRule,
    InterventionKind,
    MigrationSpec,
    Notice,
    PluginError,
    RoleGrant,
    ViewSpec,
    hookimpl,
)
from casusregie.app.i18n import format_date
from casusregie.app.plugin_manager import plugins_of
from casusregie.app.retention.destroy import destroy_rows
from casusregie.app.validators import NotBefore as DateNotBefore
from casusregie.app.validators import NotInFuture, RequiredWhen
from casusregie.app.views.plugin_kinds import (
    INTERVENTION_LABELS,
    InterventionKindView,
    VisibleInterventionFilter,
    intervention_child_filter,
)
from casusregie.reports.sections import empty_section, section_rows


class DateNotInFuture(NotInFuture):
    """A date of something that happened cannot lie after today; ``message`` is shown."""

    def __init__(self, message: object) -> None:
        super().__init__(message=message)


__all__ = [
    "INTERVENTION_LABELS",
    "Actor",
    "CatalogueEntry",
    "DateNotBefore",
    "DateNotInFuture",
    "DossierContext",
    "DossierSection",
    "FieldRule",
    "InterventionKind",
    "InterventionKindView",
    "MigrationSpec",
    "Notice",
    "PluginError",
    "RequiredWhen",
    "RoleGrant",
    "ViewSpec",
    "VisibleInterventionFilter",
    "can_see_field",
    "current_actor",
    "destroy_rows",
    "empty_section",
    "format_date",
    "hookimpl",
    "intervention_child_filter",
    "plugins_of",
    "section_rows",
]
