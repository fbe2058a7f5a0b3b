"""Sensitive changes to roles, which wait for a second person (four eyes).

Three kinds, registered with ``app.approvals``:

- ``role_access``: a role's row scopes and field clearances become those asked;
- ``role_rights``: rights to hand out access (``app.roles.is_sensitive_right``) are
  granted to a role;
- ``role_member``: a user is given roles that show case content or hand out access.

The screens ask for these (``request_*``) instead of making the change; the flush check
(``app.access.changes``) refuses them everywhere else. Nobody asks for or decides a
change of their own roles or of a role they hold. Every step lands in the permission
change log.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.models import PermissionView, Role
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casusregie.app import approvals
from casusregie.app.access.changes import PrivilegeError, approved_change, record_step
from casusregie.app.access.role_data import clearances_of, is_sensitive_role, scopes_of, set_access
from casusregie.app.extensions import db
from casusregie.app.models import ApprovalRequest, CasusUser
from casusregie.app.roles import CLEARANCES, SCOPES, is_sensitive_right

ROLE_ACCESS = "role_access"
ROLE_RIGHTS = "role_rights"
ROLE_MEMBER = "role_member"


def _requester_check(requester: CasusUser, *, role_ids: set[int] = frozenset(),
                     user_id: int | None = None) -> None:
    own = {r.id for r in requester.roles}
    if user_id is not None and user_id == requester.id:
        raise PrivilegeError(description=_(
            "You cannot change your own roles or organisation; ask another functional "
            "administrator."))
    if own & set(role_ids):
        raise PrivilegeError(description=_(
            "You cannot change a role you hold yourself; ask another functional "
            "administrator."))


def _not_pending(kind: str, target_id: int, label: str) -> None:
    if approvals.pending(kind, target_id) is not None:
        raise PrivilegeError(description=_(
            "A change to %(name)s is already awaiting approval; it must be decided first.",
            name=label))


# --------------------------------------------------------------------------- asking

def request_role_access(role: Role, scopes: set[str], clearances: set[str],
                        requester: CasusUser) -> ApprovalRequest | None:
    """Ask that ``role`` give exactly these scopes and clearances; None if unchanged."""
    scopes, clearances = set(scopes) & set(SCOPES), set(clearances) & set(CLEARANCES)
    before_scopes, before_clearances = scopes_of([role]), clearances_of([role])
    if scopes == before_scopes and clearances == before_clearances:
        return None
    _requester_check(requester, role_ids={role.id})
    _not_pending(ROLE_ACCESS, role.id, role.name)
    return approvals.request_change(ROLE_ACCESS, role.id, role.name, requester, payload={
        "scopes": sorted(scopes), "clearances": sorted(clearances),
        "before": {"scopes": sorted(before_scopes), "clearances": sorted(before_clearances)},
    })


def request_role_rights(role: Role, pvs: list[PermissionView], requester: CasusUser
                        ) -> ApprovalRequest | None:
    """Ask that ``role`` be granted these rights to hand out access."""
    wanted = [pv for pv in pvs if pv not in role.permissions]
    if not wanted:
        return None
    _requester_check(requester, role_ids={role.id})
    _not_pending(ROLE_RIGHTS, role.id, role.name)
    return approvals.request_change(ROLE_RIGHTS, role.id, role.name, requester, payload={
        "grant": [pv.id for pv in wanted],
        "names": [[pv.permission.name, pv.view_menu.name] for pv in wanted],
    })


def request_role_member(user: CasusUser, roles: list[Role], requester: CasusUser
                        ) -> ApprovalRequest | None:
    """Ask that ``user`` be given these roles."""
    wanted = [r for r in roles if r not in user.roles]
    if not wanted:
        return None
    _requester_check(requester, user_id=user.id)
    _not_pending(ROLE_MEMBER, user.id, user.username)
    return approvals.request_change(ROLE_MEMBER, user.id, user.username, requester, payload={
        "role_ids": [r.id for r in wanted], "role_names": [r.name for r in wanted]})


def sensitive_grants(pvs: list[PermissionView]) -> list[PermissionView]:
    return [pv for pv in pvs if is_sensitive_right(pv.permission.name, pv.view_menu.name)]


def sensitive_roles(roles: list[Role]) -> list[Role]:
    return [r for r in roles if is_sensitive_role(r)]


# --------------------------------------------------------------------------- deciding

def _check_decider(req: ApprovalRequest, decider: CasusUser) -> None:
    own = {r.id for r in decider.roles}
    if req.kind == ROLE_MEMBER and req.target_id == decider.id:
        raise approvals.DeciderNotAllowedError(_(
            "You cannot decide on a change of your own roles: %(name)s", name=req.target_label))
    if req.kind in (ROLE_ACCESS, ROLE_RIGHTS) and req.target_id in own:
        raise approvals.DeciderNotAllowedError(_(
            "You cannot decide on a change of a role you hold: %(name)s",
            name=req.target_label))


def _label(req: ApprovalRequest) -> str:
    requester = req.requested_by.username if req.requested_by else "?"
    return f"request #{req.id} by {requester}"


def _apply_role_access(req: ApprovalRequest) -> None:
    role = db.session.get(Role, req.target_id)
    if role is None:
        return
    payload = req.payload or {}
    with approved_change(_label(req)):
        set_access(role, payload.get("scopes", []), payload.get("clearances", []))
        db.session.flush()


def _apply_role_rights(req: ApprovalRequest) -> None:
    role = db.session.get(Role, req.target_id)
    if role is None:
        return
    pvs = [db.session.get(PermissionView, i) for i in (req.payload or {}).get("grant", [])]
    with approved_change(_label(req)):
        role.permissions.extend(pv for pv in pvs if pv is not None and pv not in
                                role.permissions)
        db.session.flush()


def _apply_role_member(req: ApprovalRequest) -> None:
    user = db.session.get(CasusUser, req.target_id)
    if user is None:
        return
    roles = [db.session.get(Role, i) for i in (req.payload or {}).get("role_ids", [])]
    with approved_change(_label(req)):
        user.roles.extend(r for r in roles if r is not None and r not in user.roles)
        db.session.flush()


def describe(req: ApprovalRequest) -> str:
    """What is asked, in the reader's language."""
    return describe_payload(req.payload)


def describe_payload(payload: dict[str, Any] | None) -> str:
    """What a request of one of these kinds asks, from its payload alone."""
    payload = payload or {}
    if "scopes" in payload:
        return _("scopes: %(scopes)s; clearances: %(clearances)s (were: %(old_scopes)s; "
                 "%(old_clearances)s)",
                 scopes=", ".join(payload.get("scopes", [])) or "—",
                 clearances=", ".join(payload.get("clearances", [])) or "—",
                 old_scopes=", ".join(payload.get("before", {}).get("scopes", [])) or "—",
                 old_clearances=", ".join(payload.get("before", {}).get("clearances", []))
                 or "—")
    if "grant" in payload:
        return ", ".join(f"{p} ({v})" for p, v in payload.get("names", []))
    if "role_ids" in payload:
        return ", ".join(payload.get("role_names", []))
    return ""


def _record(req: ApprovalRequest, step: str) -> None:
    if step == approvals.REQUESTED:
        who = req.requested_by
    else:
        who = req.decided_by
    payload = req.payload or {}
    what = describe(req)
    if req.kind == ROLE_MEMBER:
        role, target = ", ".join(payload.get("role_names", [])), req.target_label
    else:
        role, target = req.target_label, ""
    record_step(f"{req.kind}_{step}", who.id if who else None, who.username if who else "?",
                role=role[:100], target_user=target[:100],
                detail=f"request #{req.id}: {what}")


def register() -> None:
    approvals.register(approvals.Kind(ROLE_ACCESS, _l("Change a role's scopes and "
                                                      "clearances"),
                                      _apply_role_access, _record, _check_decider))
    approvals.register(approvals.Kind(ROLE_RIGHTS, _l("Give a role rights to hand out "
                                                      "access"),
                                      _apply_role_rights, _record, _check_decider))
    approvals.register(approvals.Kind(ROLE_MEMBER, _l("Give a user a role with case "
                                                      "content or access rights"),
                                      _apply_role_member, _record, _check_decider))
