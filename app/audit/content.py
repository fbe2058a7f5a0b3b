"""Reads of case content: one record per object shown, one per list naming its rows.

Used by the screens (``CasusModelView``, the case page) and the API
(``CasusModelRestApi``), so both paths write the same records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from casusregie.app.access import system_access
from casusregie.app.access.rows import guarded_model
from casusregie.app.audit import enabled, record
from casusregie.app.audit.capture import _case_id
from casusregie.app.models import Case

#: Request arguments that only page or sort a list: not what was searched for.
PAGING = ("_flt", "psize", "page", "order")


def is_case_content(model: type) -> bool:
    return guarded_model(model) is not None


def _case_number(case_id: int | None) -> str | None:
    if case_id is None:
        return None
    from casusregie.app.extensions import db

    table = Case.__table__
    with system_access("audit trail: case number"):
        return db.session.execute(
            sa.select(table.c.number).where(table.c.id == case_id)).scalar()


def read(item: Any, *, detail: dict | None = None) -> None:
    """One read of ``item`` (a row of case content) shown to the current user."""
    if not enabled() or not is_case_content(type(item)):
        return
    case_id = _case_id(item)
    number = item.number if isinstance(item, Case) else _case_number(case_id)
    record("read", object_type=item.__tablename__, object_id=item.id, case_id=case_id,
           case_number=number, detail=detail)


def read_by_id(model: type, pk: Any) -> None:
    """As ``read``, from the model and id alone (the API's answer holds no object)."""
    if not enabled() or not is_case_content(model):
        return
    from casusregie.app.extensions import db

    table = model.__table__
    # A route's id arrives as text; PostgreSQL does not compare text with an integer.
    pk = int(pk)
    case_id = None
    if model is Case or guarded_model(model) is Case:
        case_id = pk
    elif "case_id" in table.c:
        with system_access("audit trail: case of a row"):
            case_id = db.session.execute(
                sa.select(table.c.case_id).where(table.c.id == pk)).scalar()
    record("read", object_type=table.name, object_id=pk, case_id=case_id,
           case_number=_case_number(case_id))


def listed(model: type, ids: Iterable[Any]) -> None:
    """One record for a list or search that returned rows of case content."""
    if not enabled() or not is_case_content(model):
        return
    ids = [int(pk) for pk in ids if pk is not None]
    if not ids:
        return
    detail: dict[str, Any] = {"ids": ids}
    if has_request_context():
        searched = {key: value for key, value in request.args.items()
                    if not key.startswith(PAGING)}
        if searched:
            detail["query"] = searched
    case_id = ids[0] if guarded_model(model) is Case and len(ids) == 1 else None
    record("search", object_type=model.__tablename__, case_id=case_id, detail=detail)
