"""One mechanism for every write: a flush hook that records what changed.

Screens, the API, plugins and jobs all change case content through the ORM session, so
the hook sees every write whichever path made it. Before the flush it takes each changed
object's old and new values (the history is gone afterwards); after the flush, when new
rows have their ids, it adds the records, which the next flush of the same transaction
writes (``Session.commit`` flushes until nothing is pending).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from casusregie.app.access.rows import guarded_model
from casusregie.app.models import Case, CaseAdmission

#: Bookkeeping columns, not content: set on every flush, never typed by anyone.
SKIPPED = frozenset({"version", "created_by_id", "updated_by_id", "name_key", "surname_key"})

#: Logs kept by other parts of the application whose rows the trail takes over.
LOGS = frozenset({"print_log", "export_log", "permission_change"})

#: Derived from the cases by the application itself (app.tasks), not written by anyone.
DERIVED = frozenset({"task", "notification"})

ROLE_KINDS = frozenset({"user_role_added", "user_role_removed"})

_PENDING = "audit_pending_writes"


def _columns(obj: Any) -> list[sa.orm.ColumnProperty]:
    return [prop for prop in sa.inspect(type(obj)).column_attrs if prop.key not in SKIPPED]


def _changes(obj: Any, created: bool) -> dict[str, tuple[object, object]]:
    state = sa.inspect(obj)
    changed: dict[str, tuple[object, object]] = {}
    for prop in _columns(obj):
        if created:
            value = getattr(obj, prop.key, None)
            if value is not None and prop.key != "id":
                changed[prop.key] = (None, value)
            continue
        history = state.attrs[prop.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changed[prop.key] = (old, new)
    return changed


def _case_id(obj: Any) -> int | None:
    if isinstance(obj, Case):
        return obj.id
    case_id = getattr(obj, "case_id", None)
    if case_id is None:
        plan = getattr(obj, "action_plan", None)  # goals belong to a case through the plan
        case_id = getattr(plan, "case_id", None)
    return case_id


def before_flush(session: Session) -> None:
    """Take the changes of case content and of the logs the trail takes over."""
    pending = session.info.setdefault(_PENDING, [])
    for objects, kind in ((session.new, "create"), (session.dirty, "update"),
                          (session.deleted, "delete")):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table in LOGS and kind == "create":
                pending.append((obj, kind, {}))
            elif table not in DERIVED and guarded_model(type(obj)) is not None:
                if kind == "update" and not session.is_modified(obj, include_collections=False):
                    continue
                changes = {} if kind == "delete" else _changes(obj, kind == "create")
                if changes or kind == "delete":
                    pending.append((obj, kind, changes))


def after_flush(session: Session, record: Any) -> None:
    """Add the records of the changes taken before the flush (ids are known now)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    case_ids = {_case_id(obj) for obj, _kind, _changes in pending} - {None}
    numbers = {}
    if case_ids:
        table = Case.__table__
        numbers = dict(session.connection().execute(
            sa.select(table.c.id, table.c.number).where(table.c.id.in_(case_ids))).all())
    for obj, kind, changes in pending:
        table = obj.__tablename__
        if table == "print_log":
            record("print", object_type=obj.document, object_id=obj.case_id or obj.conference_id,
                   case_id=obj.case_id, case_number=obj.reference if obj.case_id else None,
                   purpose=obj.purpose,
                   detail={"sections": [s for s in obj.sections.split(",") if s],
                           "recipient": obj.recipient, "pages": obj.pages,
                           "reference": obj.reference})
        elif table == "export_log":
            record("export", object_type=obj.list_name, purpose=obj.purpose,
                   detail={"format": obj.file_format, "filters": obj.filters,
                           "columns": obj.columns, "rows": obj.row_count})
        elif table == "permission_change":
            record("role_change" if obj.kind in ROLE_KINDS else "permission_change",
                   object_type="role", detail={
                       "kind": obj.kind, "role": obj.role, "permission": obj.permission,
                       "view_menu": obj.view_menu, "user": obj.target_user})
        else:
            case_id = _case_id(obj)
            action = "admission" if isinstance(obj, CaseAdmission) else kind
            record(action, object_type=table, object_id=getattr(obj, "id", None),
                   case_id=case_id, case_number=numbers.get(case_id),
                   fields=changes or None,
                   detail={"change": kind} if action == "admission" else None)
