"""The sensitive changes of logging in that wait for four eyes: a second-factor reset
of a user with case roles. Registered with ``app.approvals``; logged as security events.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from casusregie.app import approvals
from casusregie.app.access.role_data import gives_case_content
from casusregie.app.auth import events, mfa
from casusregie.app.extensions import db
from casusregie.app.models import ApprovalRequest, CasusUser

MFA_RESET = "mfa_reset"


def has_case_roles(user: CasusUser) -> bool:
    """Whether one of the user's roles shows case content (a case scope or clearance)."""
    return any(gives_case_content(role) for role in user.roles)


def _apply_mfa_reset(req: ApprovalRequest) -> None:
    user = db.session.get(CasusUser, req.target_id)
    if user is not None:
        mfa.reset(user)


def _who(req: ApprovalRequest) -> str:
    requester = req.requested_by.username if req.requested_by else "?"
    decider = req.decided_by.username if req.decided_by else ""
    text = f"request #{req.id} by {requester}"
    return f"{text}, decided by {decider}" if decider else text


def _record_mfa_reset(req: ApprovalRequest, step: str) -> None:
    kind = {approvals.REQUESTED: events.MFA_RESET_REQUESTED,
            approvals.APPROVED: events.MFA_RESET,
            approvals.REFUSED: events.MFA_RESET_REFUSED}[step]
    detail = _who(req) + (f": {req.reason}" if req.reason else "")
    events.record(kind, username=req.target_label, user_id=req.target_id, detail=detail)


def register() -> None:
    approvals.register(approvals.Kind(MFA_RESET, _l("Reset second factor"),
                                      _apply_mfa_reset, _record_mfa_reset))
