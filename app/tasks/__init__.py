"""Tasks, reminders and notifications: nobody misses their turn.

- ``sources`` — one function per kind of task, derived from the state of the cases;
- ``sync`` — opens and closes tasks and notifies the users the access policy allows;
- ``mail`` — the outbox and SMTP delivery (no case content in any e-mail);
- ``daily`` — the daily run (``flask casus daily``).

``install(app)`` hooks the session: whatever changes a case, an admission, an
intervention, an agenda item, a signal or a request for approval — screen, REST API or
command — its tasks are brought up to date in the same transaction, so the task closes
when the action happens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from casusregie.app.models import (
    AgendaItem,
    ApprovalRequest,
    Case,
    CaseAdmission,
    CaseConference,
    Intervention,
    Signal,
    Weighing,
)

_PENDING = "casus_task_objects"


def _touched_ids(objects: list[Any]) -> tuple[set[int], set[int]]:
    """Case ids and signal ids whose tasks may have changed."""
    cases: set[int] = set()
    signals: set[int] = set()
    for obj in objects:
        if isinstance(obj, Case):
            cases.add(obj.id)
        elif isinstance(obj, CaseAdmission | Intervention | AgendaItem):
            cases.add(obj.case_id)
        elif isinstance(obj, CaseConference):
            cases.update(item.case_id for item in obj.agenda_items)
        elif isinstance(obj, Signal):
            signals.add(obj.id)
            cases.add(obj.case_id)
        elif isinstance(obj, Weighing):
            signals.add(obj.signal_id)
    return cases - {None}, signals - {None}


_WATCHED = (Case, CaseAdmission, Intervention, AgendaItem, CaseConference, Signal, Weighing,
            ApprovalRequest)


def _collect(session: Session, _context, _instances) -> None:
    touched = [o for o in (*session.new, *session.dirty, *session.deleted)
               if isinstance(o, _WATCHED)]
    if touched:
        session.info.setdefault(_PENDING, []).extend(touched)


def _before_commit(session: Session) -> None:
    _collect(session, None, None)  # what this commit's own flush will write
    if not session.info.get(_PENDING):
        return
    from casusregie.app.access import system_access
    from casusregie.app.access.clock import today
    from casusregie.app.tasks.sources import Scope
    from casusregie.app.tasks.sync import sync

    # The user's own changes are flushed as the user, so the access guard checks them;
    # only the derived tasks are written as the system.
    session.flush()
    with system_access("tasks follow the cases"):
        touched = session.info.pop(_PENDING, [])
        cases, signals = _touched_ids(touched)
        # A sensitive change asked or decided opens or closes its approval tasks.
        asked = any(isinstance(obj, ApprovalRequest) for obj in touched)
        if cases or signals or asked:
            sync(Scope(frozenset(cases), frozenset(signals), today(), approvals=asked))
            session.flush()
    session.info.pop(_PENDING, None)


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def install(app: Any) -> None:
    """Keep tasks in step with every commit of this app's session (idempotent)."""
    from casusregie.app.extensions import db

    for name, fn in (("before_flush", _collect), ("before_commit", _before_commit),
                     ("after_rollback", _forget)):
        if not event.contains(db.session, name, fn):
            event.listen(db.session, name, fn)
    app.config.setdefault("CASUS_BASE_URL", "http://127.0.0.1:8080")
