"""Idempotent set-up of permissions, roles and reference data (``flask casus init``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_appbuilder.security.sqla.models import PermissionView
from sqlalchemy.orm import joinedload

from casusregie.app.access.role_data import set_access
from casusregie.app.extensions import db
from casusregie.app.models import RiskGroup
from casusregie.app.plugin_manager import role_grants, sync_catalogue
from casusregie.app.roles import ROLES, SELF_SERVICE, RoleSpec

#: The five risk groups of the approach (source document), Dutch and English labels.
RISK_GROUPS: tuple[tuple[int, str, str], ...] = (
    (1, "(Potentiële) terroristen en (getraumatiseerde) terugkeerders",
     "(Potential) terrorists and (traumatised) returnees"),
    (2, "Ronselaars voor extremistische en terroristische organisaties en netwerken en/of "
        "gewapende strijd in conflictgebieden",
     "Recruiters for extremist and terrorist organisations and networks and/or armed "
     "struggle in conflict zones"),
    (3, "(Potentiële en verijdelde) uitreizigers",
     "(Potential and prevented) travellers"),
    (4, "Individuen en groepen die radicaliseren of het radicale gedachtegoed reeds aanhangen",
     "Individuals and groups radicalising or already adhering to radical ideas"),
    (5, "Familie van (potentiële en verijdelde) uitreizigers en terugkeerders, waaronder "
        "broertjes en zusjes",
     "Family of (potential and prevented) travellers and returnees, including siblings"),
)


def sync_permissions() -> None:
    """Register the permissions of every view, like ``FAB_UPDATE_PERMS`` would at start-up."""
    current_app.appbuilder.add_permissions(update_perms=True)


class _Grants:
    """Every permission on every view, read once: ``casus init`` grants hundreds of pairs,
    and reading each pair (and its names) on its own made it the slowest step of setting
    up a database."""

    def __init__(self) -> None:
        rows = db.session.query(PermissionView).options(
            joinedload(PermissionView.permission), joinedload(PermissionView.view_menu)).all()
        self.pairs: dict[tuple[str, str], PermissionView] = {}
        self.per_view: dict[str, list[tuple[str, str]]] = {}
        for pv in rows:
            if pv.permission is None or pv.view_menu is None:
                continue
            key = (pv.permission.name, pv.view_menu.name)
            self.pairs[key] = pv
            self.per_view.setdefault(key[1], []).append(key)

    def of(self, perm_name: str, view_name: str) -> list[tuple[str, str]]:
        if perm_name == "*":
            return self.per_view.get(view_name, [])
        return [(perm_name, view_name)] if (perm_name, view_name) in self.pairs else []


def _grant(spec: RoleSpec, grants: _Grants) -> int:
    sm = current_app.appbuilder.sm
    role = sm.find_role(spec.name)
    if role is None:
        role = sm.add_role(spec.name)
        # A seeded role starts with its declared scopes and clearances; afterwards they
        # are the role's data (an existing role, renamed or not, keeps what it has).
        set_access(role, spec.scopes, spec.clearances)
    added = 0
    # By identity, so that nothing is read again (each read would flush what was added).
    existing = {sa.inspect(pv).identity for pv in role.permissions}
    with db.session.no_autoflush:
        for perm_name, view_name in (*spec.grants, *SELF_SERVICE):
            for key in grants.of(perm_name, view_name):
                pv = grants.pairs[key]
                identity = sa.inspect(pv).identity
                if identity not in existing:
                    role.permissions.append(pv)
                    existing.add(identity)
                    added += 1
    return added


def sync_roles() -> dict[str, int]:
    """Create the seeded roles and add any grant they lack; never remove a grant."""
    sm = current_app.appbuilder.sm
    if not sm.find_role(current_app.config["AUTH_ROLE_PUBLIC"]):
        sm.add_role(current_app.config["AUTH_ROLE_PUBLIC"])
    grants = _Grants()
    result = {spec.name: _grant(spec, grants) for spec in ROLES}
    for grant in role_grants(current_app):  # enabled plugins' grants, added the same way
        result[grant.role] = result.get(grant.role, 0) + _grant(
            RoleSpec(grant.role, "", grants=grant.grants), grants)
    db.session.commit()
    return result


def sync_risk_groups() -> None:
    present = {rg.number for rg in db.session.query(RiskGroup)}
    for number, name, name_en in RISK_GROUPS:
        if number not in present:
            db.session.add(RiskGroup(number=number, name=name, name_en=name_en))
    db.session.commit()


def init_all() -> dict[str, int]:
    sync_permissions()
    granted = sync_roles()
    sync_risk_groups()
    sync_catalogue()
    ensure_figure_counts()
    return granted


def ensure_figure_counts() -> None:
    """Count the dashboard's figures over every case into ``figure_count`` when they were
    never counted (a new or upgraded database); afterwards every change keeps them."""
    from casusregie.app.management import summary

    connection = db.session.connection()
    if not summary.built(connection.execute):
        summary.rebuild(connection)
    db.session.commit()
