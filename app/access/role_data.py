"""What a role gives beyond its permissions, read from the role's own rows.

Row scopes and field clearances are stored per role id (``RoleAccess``); these helpers
answer the questions the policy and the four-eyes rules ask of a role.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casusregie.app.access.models import CLEARANCE, SCOPE, RoleAccess
from casusregie.app.roles import CASE_CONTENT_SCOPES, is_sensitive_right


def _values(roles: Iterable[Any], kind: str) -> frozenset[str]:
    return frozenset(a.value for role in roles for a in role.casus_access if a.kind == kind)


def scopes_of(roles: Iterable[Any]) -> frozenset[str]:
    """The row scopes a set of roles gives."""
    return _values(roles, SCOPE)


def clearances_of(roles: Iterable[Any]) -> frozenset[str]:
    """The field clearances a set of roles gives."""
    return _values(roles, CLEARANCE)


def holds_scope(scope: str) -> Any:
    """SQL criterion on users: holding a role that gives row scope ``scope`` (by the
    role's stored rows, so a rename changes nothing)."""
    from flask_appbuilder.security.sqla.models import Role

    from casusregie.app.models import CasusUser

    return CasusUser.roles.any(Role.casus_access.any(
        (RoleAccess.kind == SCOPE) & (RoleAccess.value == scope)))


def gives_case_content(role: Any) -> bool:
    """Whether holding ``role`` shows case content: a case scope or a clearance."""
    return bool(scopes_of([role]) & CASE_CONTENT_SCOPES or clearances_of([role]))


def sensitive_rights(role: Any) -> list[tuple[str, str]]:
    """The (permission, view) pairs of ``role`` that hand out access."""
    return [(pv.permission.name, pv.view_menu.name) for pv in role.permissions
            if is_sensitive_right(pv.permission.name, pv.view_menu.name)]


def is_sensitive_role(role: Any) -> bool:
    """Whether giving somebody ``role`` takes four eyes."""
    return gives_case_content(role) or bool(sensitive_rights(role))


def set_access(role: Any, scopes: Iterable[str], clearances: Iterable[str]) -> None:
    """Make ``role`` give exactly these scopes and clearances (the flush check decides
    whether the change may be made, and logs it)."""
    wanted = {(SCOPE, s) for s in scopes} | {(CLEARANCE, c) for c in clearances}
    keep = [a for a in role.casus_access if (a.kind, a.value) in wanted]
    have = {(a.kind, a.value) for a in keep}
    role.casus_access = keep + [RoleAccess(kind=k, value=v)
                                for k, v in sorted(wanted - have)]
