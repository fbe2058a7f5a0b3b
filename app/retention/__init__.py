"""Retention: what is past its retention date, legal holds, and destruction proposals.

A case is kept until its ``retention_until`` (set at closure, ``app.workflow``); a signal
that was weighed and not included until its own ``retention_until``
(``CASUS_RETENTION_SIGNAL_DAYS`` after the weighing). After that day it appears on the
retention list. The privacy officer proposes its destruction; a second person with the
approve permission of "Changes to review" approves it (four eyes, ``app.approvals``,
kinds ``destruction`` and ``signal_destruction``); ``flask casus retention --apply``
then destroys it (``app.retention.destroy``). A legal hold with a reason and an end
date blocks both the proposal and the destruction until the day after its end date.

The privacy officer sees no case content, so the retention list is read as a system
job and shows only what retention needs: the number, the dates and the hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from casusregie.app import approvals, clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    ApprovalRequest,
    ApprovalStatus,
    Case,
    CasusUser,
    DestructionRecord,
    Signal,
    SignalStatus,
)
from casusregie.app.retention import trail

CASE = "case"
SIGNAL = "signal"
#: The four-eyes kinds (``app.approvals``), per kind of object.
KIND = {CASE: "destruction", SIGNAL: "signal_destruction"}
MODEL: dict[str, Any] = {CASE: Case, SIGNAL: Signal}


class RetentionError(ValueError):
    """A retention step that may not be taken; ``message`` is for the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@contextmanager
def _system(reason: str) -> Iterator[None]:
    with system_access(reason):
        yield


def reference(obj: Case | Signal) -> str:
    """The case number, or ``#id`` for a signal (its concern is personal data)."""
    return obj.number if isinstance(obj, Case) else f"#{obj.id}"


def on_hold(obj: Case | Signal, today: dt.date) -> bool:
    """A legal hold blocks destruction up to and including its end date."""
    return bool(obj.legal_hold) and (obj.legal_hold_until is None
                                     or obj.legal_hold_until >= today)


@dataclass(frozen=True)
class Due:
    """One row of the retention list."""

    object_type: str
    object_id: int
    reference: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    retention_until: dt.date
    on_hold: bool
    hold_reason: str
    hold_until: dt.date | None
    request_id: int | None
    request_status: str | None      # "pending" or "approved" (not yet carried out)
    requested_by: str


def _requests(kind: str, ids: list[int]) -> dict[int, ApprovalRequest]:
    """The open or approved-but-not-executed request per target."""
    if not ids:
        return {}
    done = db.session.query(DestructionRecord.approval_request_id)
    rows = (db.session.query(ApprovalRequest)
            .filter(ApprovalRequest.kind == kind, ApprovalRequest.target_id.in_(ids),
                    ApprovalRequest.status.in_([ApprovalStatus.pending,
                                                ApprovalStatus.approved]),
                    ApprovalRequest.id.not_in(done))
            .order_by(ApprovalRequest.id).all())
    return {r.target_id: r for r in rows}


def _due_cases(today: dt.date) -> list[Case]:
    return (db.session.query(Case).filter(Case.retention_until < today)
            .order_by(Case.retention_until, Case.id).all())


def _due_signals(today: dt.date) -> list[Signal]:
    return (db.session.query(Signal)
            .filter(Signal.status == SignalStatus.weighed, Signal.case_id.is_(None),
                    Signal.retention_until < today)
            .order_by(Signal.retention_until, Signal.id).all())


def local_day(instant: dt.datetime | None) -> dt.date | None:
    return clock.to_local(instant).date() if instant else None


def retention_list(today: dt.date) -> list[Due]:
    """Cases and signals past their retention date, oldest first."""
    with _system("retention list"):
        rows: list[Due] = []
        for object_type, objects in ((CASE, _due_cases(today)), (SIGNAL, _due_signals(today))):
            requests = _requests(KIND[object_type], [o.id for o in objects])
            for obj in objects:
                req = requests.get(obj.id)
                opened = obj.opened_at if isinstance(obj, Case) else obj.received_at
                closed = obj.closed_at if isinstance(obj, Case) else None
                rows.append(Due(
                    object_type, obj.id, reference(obj),
                    local_day(opened), local_day(closed),
                    obj.retention_until, on_hold(obj, today), obj.legal_hold_reason or "",
                    obj.legal_hold_until, req.id if req else None,
                    req.status.value if req else None,
                    req.requested_by.username if req else ""))
        return rows


def find(object_type: str, object_id: int) -> Case | Signal | None:
    model = MODEL.get(object_type)
    if model is None:
        return None
    with _system("retention"):
        return db.session.get(model, object_id)


def set_hold(object_type: str, object_id: int, *, reason: str, until: dt.date,
             today: dt.date) -> None:
    """Put a legal hold on a case or signal (reason and end date required). Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise RetentionError(_l("Give the reason for the legal hold."))
    if until is None or until < today:
        raise RetentionError(_l("The end date of a legal hold cannot lie in the past."))
    with _system("legal hold"):
        obj = db.session.get(MODEL[object_type], object_id)
        if obj is None:
            raise RetentionError(_l("This case or signal no longer exists."))
        # The audit trail's flush hook records the change with its old and new values.
        obj.legal_hold, obj.legal_hold_reason, obj.legal_hold_until = True, reason[:500], until
        db.session.commit()


def lift_hold(object_type: str, object_id: int) -> None:
    """End a legal hold now. Commits."""
    with _system("legal hold"):
        obj = db.session.get(MODEL[object_type], object_id)
        if obj is None:
            raise RetentionError(_l("This case or signal no longer exists."))
        obj.legal_hold, obj.legal_hold_reason, obj.legal_hold_until = False, None, None
        db.session.commit()


def propose(object_type: str, object_id: int, *, user: CasusUser, reason: str,
            today: dt.date) -> ApprovalRequest:
    """Propose destroying a case or signal past its retention date (four eyes). Commits."""
    with _system("destruction proposal"):
        obj = db.session.get(MODEL[object_type], object_id)
        if obj is None:
            raise RetentionError(_l("This case or signal no longer exists."))
        if obj.retention_until is None or obj.retention_until >= today:
            raise RetentionError(_l("%(ref)s is not past its retention date.",
                                    ref=reference(obj)))
        if on_hold(obj, today):
            raise RetentionError(_l("%(ref)s is under a legal hold until %(until)s.",
                                    ref=reference(obj), until=obj.legal_hold_until))
        existing = _requests(KIND[object_type], [object_id]).get(object_id)
        if existing is not None:
            return existing
        return approvals.request_change(KIND[object_type], object_id, reference(obj), user,
                                        reason or "")


def _record_step(req: ApprovalRequest, step: str) -> None:
    """Each four-eyes step of a destruction goes into the audit trail."""
    object_type = CASE if req.kind == KIND[CASE] else SIGNAL
    with _system("destruction proposal"):
        trail.record("destruction", object_type=object_type, object_id=req.target_id,
                     case_id=req.target_id if object_type == CASE else None,
                     case_number=req.target_label if object_type == CASE else None,
                     detail={"step": step, "request": req.id},
                     user=req.decided_by if step != approvals.REQUESTED else req.requested_by)
        db.session.commit()


def _approved(_req: ApprovalRequest) -> None:
    """Approval alone destroys nothing: ``casus retention --apply`` carries it out, so
    that a legal hold placed in between still stops it."""


def register() -> None:
    """The four-eyes kinds and ``flask casus retention`` (called once at start-up)."""
    from casusregie.app.retention.cli import register_cli

    register_cli()
    approvals.register(approvals.Kind(KIND[CASE], _l("Destroy case"), _approved,
                                      _record_step, carried_out_later=True))
    approvals.register(approvals.Kind(KIND[SIGNAL], _l("Destroy signal"), _approved,
                                      _record_step, carried_out_later=True))
