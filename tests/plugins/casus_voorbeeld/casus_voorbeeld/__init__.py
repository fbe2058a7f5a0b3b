"""Casusregie plugin "voorbeeld": buddy trajectories.

Registered through the entry point ``voorbeeld`` in the group ``casusregie.plugins``;
enabled with ``CASUS_PLUGINS=voorbeeld``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casus_voorbeeld.models import KIND, BuddyTrajectory, metadata
from casus_voorbeeld.views import BuddyTrajectoryModelView
from casusregie.app.models.base import InterventionDomain, OrganisationKind
from casusregie.app.plugins import (
    CatalogueEntry,
    InterventionKind,
    MigrationSpec,
    RoleGrant,
    ViewSpec,
    empty_section,
    hookimpl,
    section_rows,
)
from casusregie.app.roles import READ, ROLE_CASE_DIRECTOR, ROLE_PARTNER, WRITE
from casusregie.reports.api import DossierContext, DossierSection

HERE = Path(__file__).resolve().parent
VIEW = "BuddyTrajectoryModelView"
MENU = "Buddy trajectories"


@hookimpl
def intervention_kinds() -> list[InterventionKind]:
    return [InterventionKind(
        kind=KIND,
        model=BuddyTrajectory,
        label=_l("buddy trajectory"),
        view=ViewSpec(BuddyTrajectoryModelView, MENU, label=_l("Buddy trajectories"),
                      category_label=_l("Case work")),
        catalogue=(CatalogueEntry("Buddytraject", InterventionDomain.social,
                                  "Een vrijwillige buddy als vast aanspreekpunt.",
                                  OrganisationKind.youth_work),),
        organisation_kinds=frozenset({OrganisationKind.youth_work, OrganisationKind.welfare}),
    )]


@hookimpl
def role_grants() -> list[RoleGrant]:
    return [
        RoleGrant(ROLE_PARTNER, (*((p, VIEW) for p in READ + WRITE), ("menu_access", MENU))),
        RoleGrant(ROLE_CASE_DIRECTOR, (*((p, VIEW) for p in READ), ("menu_access", MENU))),
    ]


def render_buddies(ctx: DossierContext) -> list[Any]:
    from casusregie.app.extensions import db

    # Through the normal session: the access policy decides which rows the reader gets.
    items = db.session.query(BuddyTrajectory).filter(
        BuddyTrajectory.case_id == ctx.case.id).order_by(BuddyTrajectory.id).all()
    if not items:
        return empty_section(ctx, _("No buddy trajectories."))
    flowables: list[Any] = []
    for item in items:
        flowables += section_rows(ctx, str(item.type), [
            (_("Buddy"), item.buddy_name),
            (_("Contacts per month"), item.contacts_per_month),
            (_("Organisation"), item.organisation),
        ])
    return flowables


@hookimpl
def dossier_sections() -> list[DossierSection]:
    return [DossierSection("voorbeeld.buddies", _("Buddy trajectories"), render_buddies,
                           order=650)]


@hookimpl
def migrations() -> MigrationSpec:
    return MigrationSpec(HERE / "migrations", metadata)


@hookimpl
def translations_dir() -> Path:
    return HERE / "translations"


@hookimpl
def templates_dir() -> Path:
    return HERE / "templates"


@click.command("voorbeeld-count")
def count_command() -> None:
    """Print how many buddy trajectories are registered."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db

    with system_access("voorbeeld-count"):
        click.echo(f"{db.session.query(BuddyTrajectory).count()} buddy trajectories")


@hookimpl
def cli_commands() -> list[click.Command]:
    return [count_command]
