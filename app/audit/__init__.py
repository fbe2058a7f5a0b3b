"""The audit trail (NEN 7513 style): who saw and changed which case content.

One append-only ``AuditRecord`` per read of case content, write, export, print, login,
failed login, permission or role change, admission, destruction, subject access report
and API key use. ``record()`` is the one way in; see ``docs/privacy.md`` for what is
logged and how to verify it.

Transactions. ``record()`` adds the row to the current session and does not commit: a
write's record commits or rolls back with the write. Reads inside a request are kept
aside and written at the end of a successful request in one short transaction (so the
chain-head lock is held for milliseconds, not for the whole page).

Tamper evidence. Every record carries ``seq``, ``prev_hash`` and ``hash`` (sha256 over a
canonical JSON of its columns and the previous hash, ``app.audit.chain``); the chain head
(``audit_chain_head``, one row) moves in the same transaction as the records: a write's
records update it first, so its row lock serialises them; a page's reads move it on
condition that it is unchanged since they read it (``chain.append_rows``).
``flask --app casusregie.app casus audit-verify`` recomputes the chain. On PostgreSQL a trigger
refuses UPDATE, DELETE and TRUNCATE of ``audit_record``, even by the table's owner; the
ORM refuses them on every database.

Removing personal details (retention). The personal details of a record (changed fields
with old and new values, sections, the ids of a list) live in ``audit_detail`` (one row
per record, ``record_id``); the record keeps only ``detail_digest``, the sha256 of that
content, which the hash covers. Deleting the ``audit_detail`` rows therefore leaves the
chain intact (``audit-verify`` counts them as "details removed"). On PostgreSQL a trigger
allows that DELETE only once the object is gone: the record's case (``case_id``) no longer
exists in ``case``, or, for records of a person without a case, the ``subject`` row
(``object_type = 'subject'``) no longer exists, or, for records of a signal, weighing or
decision outside a case (``STRIPPABLE``), that row no longer exists. So destroy the
content first and then, in the same transaction::

    from casusregie.app.audit import strip_details
    strip_details(case_ids=[...], subject_ids=[...], objects={"signal": [...]})

The record itself (action, time, user, organisation, case number, object type and id)
stays: it holds no content of the case.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy.orm import Session

from casusregie.app.audit import capture
from casusregie.app.audit.chain import append, append_rows, canonical_json, digest
from casusregie.app.audit.models import AuditChainHead, AuditDetail, AuditRecord
from casusregie.app.models.base import utcnow

__all__ = ["ACTIONS", "AuditChainHead", "AuditDetail", "AuditRecord", "init_audit",
           "record", "record_apart", "strip_details"]

log = logging.getLogger(__name__)

ACTIONS = frozenset({
    "read", "create", "update", "delete", "export", "print", "login", "login_failed",
    "logout", "permission_change", "role_change", "admission", "destruction",
    "subject_access", "api_key_use", "search",
})

#: Field names whose values are never written to the trail (only that they changed).
SECRET_MARKERS = ("password", "secret", "token", "otp", "totp", "api_key", "key_hash")
HIDDEN = "(hidden)"

#: Rows outside a case whose records' details retention removes once the row is gone
#: (besides a case's records and a person's): a signal not included and what hangs on it.
#: The PostgreSQL trigger on ``audit_detail`` names the same tables.
STRIPPABLE = frozenset({"signal", "weighing", "decision"})

#: Actions written at the end of a successful request rather than with its work.
DEFERRED = frozenset({"read", "search"})

_order = itertools.count()

#: The columns of who and from where, for a record made by no one in particular.
_NO_ONE = dict.fromkeys(("user_id", "username", "organisation_id", "organisation", "roles",
                         "address", "channel"))

#: Session info key: the session flushed work of its own that is not committed yet.
_UNCOMMITTED = "audit_uncommitted_work"


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    enum_value = getattr(value, "value", None)
    if enum_value is not None and isinstance(enum_value, str | int):
        return enum_value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def _who(user) -> dict:
    if user is None and has_request_context():
        user = getattr(g, "user", None)
        if not getattr(user, "is_authenticated", False):
            user = None
    if isinstance(user, str):
        return {"username": user[:256]}
    if user is None:
        return {}
    cached = getattr(user, "_audit_who", None)
    if cached is None:
        organisation = getattr(user, "organisation", None)
        cached = {
            "user_id": getattr(user, "id", None),
            "username": (getattr(user, "username", None) or "")[:256] or None,
            "organisation_id": getattr(user, "organisation_id", None),
            "organisation": getattr(organisation, "name", None),
            "roles": ", ".join(sorted(_role_names(user)))[:500] or None,
        }
        try:
            user._audit_who = cached
        except AttributeError:  # pragma: no cover - objects without a __dict__
            pass
    return dict(cached)


def _role_names(user) -> Iterable[str]:
    # The access policy resolved the request's user once already; reading ``user.roles``
    # again would cost a query on every page.
    if has_request_context():
        from casusregie.app.access.actor import current_actor

        actor = current_actor()
        if actor is not None and actor.user_id == getattr(user, "id", None):
            return actor.role_names
    return (r.name for r in getattr(user, "roles", ()) or ())


def _where() -> dict:
    if not has_request_context():
        return {"channel": "cli"}
    return {"address": (request.remote_addr or "")[:64] or None,
            "channel": "api" if request.path.startswith("/api/") else "web"}


def enabled() -> bool:
    return not has_app_context() or current_app.config.get("CASUS_AUDIT", True)


def record(action: str, *, object_type: str, object_id: int | None = None,
           case_id: int | None = None, case_number: str | None = None,
           fields: dict[str, tuple[object, object]] | None = None,
           purpose: str | None = None, detail: dict | None = None,
           user=None, organisation_id: int | None = None) -> None:
    """Add one audit record to the current session (it does not commit).

    ``fields`` maps a changed field's name to its (old, new) values; values of secrets
    (passwords, keys, tokens) are never written. ``detail`` holds further personal
    details (sections printed, ids listed). Both go to ``audit_detail``.
    """
    if not enabled():
        return
    kwargs = dict(object_type=object_type, object_id=object_id, case_id=case_id,
                  case_number=case_number, fields=fields, purpose=purpose, detail=detail,
                  user=user, organisation_id=organisation_id)
    if action in DEFERRED and has_request_context():
        # Reads are written at the end of the request (``_write_reads``), as plain rows.
        g.setdefault("_audit_reads", []).append(build_row(action, **kwargs))
        return
    from casusregie.app.extensions import db

    db.session.add(build_record(action, **kwargs))


def record_apart(action: str, **kwargs) -> None:
    """As ``record``, but written at once in a transaction of its own: for events that
    must stay when the request's own work is rolled back (a refused login)."""
    if not enabled():
        return
    from casusregie.app.extensions import db

    with db.session.session_factory() as session:
        session.add(build_record(action, **kwargs))
        session.commit()


def build_row(action: str, *, object_type: str, object_id: int | None = None,
              case_id: int | None = None, case_number: str | None = None,
              fields: dict[str, tuple[object, object]] | None = None,
              purpose: str | None = None, detail: dict | None = None,
              user=None, organisation_id: int | None = None) -> dict:
    """One record's columns (without its place in the chain) and ``content``, the
    canonical JSON of its personal details or ``None``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = {**_NO_ONE, **_who(user), **_where(), "action": action,
           "object_type": object_type[:64], "object_id": object_id, "case_id": case_id,
           "case_number": case_number, "at": utcnow(), "purpose": (purpose or "")[:500] or None,
           "detail_digest": None, "content": None}
    if organisation_id is not None:
        row["organisation_id"] = organisation_id
    content: dict = {}
    if fields:
        content["fields"] = {
            name: [HIDDEN, HIDDEN] if _is_secret(name) else [_plain(old), _plain(new)]
            for name, (old, new) in fields.items()}
    if detail:
        content["detail"] = _plain(detail)
    if content:
        row["content"] = text = canonical_json(content)
        row["detail_digest"] = digest(text)
    return row


def build_record(action: str, **kwargs) -> AuditRecord:
    """As ``build_row``, as an ORM object for the session of the work it records."""
    row = build_row(action, **kwargs)
    content = row.pop("content")
    rec = AuditRecord(**row)
    if content is not None:
        rec.details = AuditDetail(content=content)
    rec._audit_order = next(_order)
    return rec


def strip_details(*, case_ids: Iterable[int] = (), subject_ids: Iterable[int] = (),
                  objects: dict[str, Iterable[int]] | None = None) -> int:
    """Remove the personal details of the records of destroyed cases and persons, and of
    destroyed rows outside a case (``objects``: ``{"signal": [ids], "weighing": …}``,
    the types ``STRIPPABLE`` names).

    The records and the chain stay valid. Returns the number of details removed.
    """
    from casusregie.app.extensions import db

    case_ids, subject_ids = list(case_ids), list(subject_ids)
    conditions = []
    if case_ids:
        conditions.append(AuditRecord.case_id.in_(case_ids))
    if subject_ids:
        conditions.append(sa.and_(AuditRecord.object_type == "subject",
                                  AuditRecord.object_id.in_(subject_ids)))
    for object_type, ids in (objects or {}).items():
        if object_type not in STRIPPABLE:
            raise ValueError(f"audit details of {object_type!r} rows are not removable")
        ids = list(ids)
        if ids:
            conditions.append(sa.and_(AuditRecord.case_id.is_(None),
                                      AuditRecord.object_type == object_type,
                                      AuditRecord.object_id.in_(ids)))
    if not conditions:
        return 0
    db.session.flush()
    ids = sa.select(AuditRecord.id).where(sa.or_(*conditions)).scalar_subquery()
    result = db.session.execute(
        sa.delete(AuditDetail).where(AuditDetail.record_id.in_(ids)),
        execution_options={"synchronize_session": False})
    return result.rowcount or 0


def _before_flush(session: Session, _context, _instances) -> None:
    if any(not isinstance(obj, AuditRecord | AuditDetail)
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_UNCOMMITTED] = True
    if not enabled():
        return
    capture.before_flush(session)
    pending = [obj for obj in session.new if isinstance(obj, AuditRecord) and obj.hash is None]
    if pending:
        pending.sort(key=lambda rec: getattr(rec, "_audit_order", 0))
        append(session, pending)


def _transaction_ended(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)


def _after_flush(session: Session, _context) -> None:
    if enabled():
        capture.after_flush(session, lambda action, **kw: session.add(build_record(action, **kw)))


def _write_reads(response):
    reads = g.pop("_audit_reads", None)
    if not reads or response.status_code >= 400:
        return response
    from casusregie.app.extensions import db

    session = own = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(_UNCOMMITTED):
        # The request's session holds work that is not ours to commit: a session of its own.
        session = db.session.session_factory()
    try:
        append_rows(session.connection(), reads)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not write %d audit records", len(reads))
        raise
    finally:
        if session is not own:
            session.close()
    return response


def init_audit(app: Flask) -> None:
    app.config.setdefault("CASUS_AUDIT", True)
    if not sa.event.contains(Session, "before_flush", _before_flush):
        sa.event.listen(Session, "before_flush", _before_flush)
        sa.event.listen(Session, "after_flush_postexec", _after_flush)
        sa.event.listen(Session, "after_commit", _transaction_ended)
        sa.event.listen(Session, "after_soft_rollback", lambda s, _t: _transaction_ended(s))
    app.after_request(_write_reads)
