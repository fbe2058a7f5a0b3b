"""Four eyes for sensitive changes: requested by one person, applied after a second.

A *kind* of sensitive change is registered once (``register``) with the function that
applies it and the function that records each step in the right log. A request stores
what is asked (kind, target, reason, who, when); nothing changes until a second person
with the ``approve`` permission on ``ApprovalRequestModelView`` approves it — never the
requester. A refusal changes nothing. Every step (requested, approved, refused) is
recorded through the kind's ``record`` function.

Kinds today: ``mfa_reset`` (``app.auth.approval_kinds``); ``destruction`` and
``signal_destruction`` (``app.retention``); ``role_access``, ``role_rights`` and
``role_member`` (``app.role_changes``). A kind may keep what exactly is asked in the
request's JSON ``payload``, and may refuse a decider (``Kind.check``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from casusregie.app.extensions import db
from casusregie.app.models import ApprovalRequest, ApprovalStatus, CasusUser
from casusregie.app.models.base import utcnow

#: The view whose permission ``approve`` (its action) makes someone an approver.
APPROVAL_VIEW = "ApprovalRequestModelView"
APPROVE_PERMISSION = "approve"

REQUESTED = "requested"
APPROVED = "approved"
REFUSED = "refused"


class ApprovalError(ValueError):
    """A decision that may not be taken."""


class OwnRequestError(ApprovalError):
    """The requester tried to decide their own request."""


class AlreadyDecidedError(ApprovalError):
    """The request was approved or refused before."""


class DeciderNotAllowedError(ApprovalError):
    """The kind refuses this decider (e.g. the change is about their own roles);
    the message is for the user."""


@dataclass(frozen=True)
class Kind:
    """A sensitive change: ``apply(request)`` makes it; ``record(request, step)`` logs."""

    name: str
    label: str
    apply: Callable[[ApprovalRequest], None]
    record: Callable[[ApprovalRequest, str], None]
    #: Raises ``DeciderNotAllowedError`` when this person may not decide this request.
    check: Callable[[ApprovalRequest, CasusUser], None] | None = None
    #: Approval only allows the change; a scheduled run makes it (destruction of cases).
    carried_out_later: bool = False


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    KINDS[kind.name] = kind


def pending(kind: str, target_id: int) -> ApprovalRequest | None:
    return (db.session.query(ApprovalRequest)
            .filter_by(kind=kind, target_id=target_id, status=ApprovalStatus.pending)
            .first())


def request_change(kind: str, target_id: int, target_label: str, requester: CasusUser,
                   reason: str = "", payload: dict | None = None) -> ApprovalRequest:
    """Ask for a change (one open request per kind and target). Commits."""
    existing = pending(kind, target_id)
    if existing is not None:
        return existing
    req = ApprovalRequest(kind=kind, target_id=target_id, target_label=target_label,
                          reason=reason[:500], payload=payload,
                          requested_by_id=requester.id,
                          requested_at=utcnow(), status=ApprovalStatus.pending)
    db.session.add(req)
    db.session.commit()
    KINDS[kind].record(req, REQUESTED)
    return req


def decide(req: ApprovalRequest, decider: CasusUser, approve: bool) -> None:
    """Approve (and apply) or refuse a pending request. Commits.

    The requester may not decide their own request: that is the second pair of eyes.
    """
    if req.requested_by_id == decider.id:
        raise OwnRequestError(req.id)
    check = KINDS[req.kind].check
    if check is not None:
        check(req, decider)
    status = ApprovalStatus.approved if approve else ApprovalStatus.refused
    now = utcnow()
    # One conditional update: of two people deciding at once, only one finds it pending.
    won = (db.session.query(ApprovalRequest)
           .filter(ApprovalRequest.id == req.id,
                   ApprovalRequest.status == ApprovalStatus.pending)
           .update({ApprovalRequest.status: status, ApprovalRequest.decided_by_id: decider.id,
                    ApprovalRequest.decided_at: now}, synchronize_session=False))
    if not won:
        db.session.rollback()
        raise AlreadyDecidedError(req.id)
    # The same values on the object too: the task hook sees the request change.
    req.status, req.decided_by_id, req.decided_at = status, decider.id, now
    if approve:
        KINDS[req.kind].apply(req)
    db.session.commit()
    KINDS[req.kind].record(req, APPROVED if approve else REFUSED)


def approvers() -> list[CasusUser]:
    """Active users whose roles hold the approve permission (requesters excluded by
    the callers, per request)."""
    sm = current_app.appbuilder.sm
    role, pv = sm.role_model, sm.permissionview_model
    role_ids = (sa.select(role.id).join(role.permissions).join(pv.permission)
                .join(pv.view_menu)
                .where(sm.permission_model.name == APPROVE_PERMISSION,
                       sm.viewmenu_model.name == APPROVAL_VIEW))
    return (db.session.query(CasusUser)
            .filter(CasusUser.active.is_(True),
                    CasusUser.roles.any(role.id.in_(role_ids)))
            .order_by(CasusUser.id).all())


def open_requests() -> list[tuple[int, int, dt.datetime]]:
    """(request id, requester id, requested at) of every pending request."""
    return [tuple(row) for row in db.session.query(
        ApprovalRequest.id, ApprovalRequest.requested_by_id,
        ApprovalRequest.requested_at).filter(
        ApprovalRequest.status == ApprovalStatus.pending).order_by(ApprovalRequest.id)]
