"""Idempotent set-up of permissions, roles and reference data (``flask casus init``)."""

from __future__ import annotations

from flask import current_app

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


def _grant(spec: RoleSpec) -> int:
    sm = current_app.appbuilder.sm
    role = sm.find_role(spec.name)
    if role is None:
        role = sm.add_role(spec.name)
        # A seeded role starts with its declared scopes and clearances; afterwards they
        # are the role's data (an existing role, renamed or not, keeps what it has).
        set_access(role, spec.scopes, spec.clearances)
    added = 0
    existing = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
    for perm_name, view_name in (*spec.grants, *SELF_SERVICE):
        view = sm.find_view_menu(view_name)
        if view is None:
            continue
        if perm_name == "*":
            pvs = [pv for pv in sm.find_permissions_view_menu(view)]
        else:
            pv = sm.find_permission_view_menu(perm_name, view_name)
            pvs = [pv] if pv else []
        for pv in pvs:
            key = (pv.permission.name, pv.view_menu.name)
            if key not in existing:
                role.permissions.append(pv)
                existing.add(key)
                added += 1
    return added


def sync_roles() -> dict[str, int]:
    """Create the seeded roles and add any grant they lack; never remove a grant."""
    sm = current_app.appbuilder.sm
    if not sm.find_role(current_app.config["AUTH_ROLE_PUBLIC"]):
        sm.add_role(current_app.config["AUTH_ROLE_PUBLIC"])
    result = {spec.name: _grant(spec) for spec in ROLES}
    for grant in role_grants(current_app):  # enabled plugins' grants, added the same way
        result[grant.role] = result.get(grant.role, 0) + _grant(
            RoleSpec(grant.role, "", grants=grant.grants))
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
