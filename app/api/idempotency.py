"""Safe retries of ``POST``: the ``Idempotency-Key`` header.

A partner system that does not know whether its ``POST`` arrived (a timeout, a dropped
connection) sends it again with the same ``Idempotency-Key``; it gets the first answer
again (with ``Idempotent-Replayed: true``) instead of a second intervention. The answer
is kept per caller (a user, or an organisation's system user behind its keys) and key
for ``TTL``; the same key with another body is refused with 422, the mistake of a client
that reuses keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import gettext as _

from casusregie.app.access import current_actor
from casusregie.app.models import IdempotentRequest
from casusregie.app.models.base import utcnow

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
TTL = dt.timedelta(hours=24)


def _key() -> str | None:
    return request.headers.get(HEADER)


def _body_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.path}\n{canonical}".encode()).hexdigest()


def _answer(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _session() -> Any:
    from casusregie.app.extensions import db

    return db.session


def lookup(payload: dict[str, Any]) -> Response | None:
    """The answer for a repeated request, a refusal of a bad key, or ``None`` to go on."""
    key = _key()
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_LENGTH or not key.isprintable():
        return _answer(400, {"message": _(
            "Idempotency-Key must be 1 to %(max)s printable characters, e.g. a UUID.",
            max=MAX_LENGTH)})
    actor = current_actor()
    if actor is None or actor.user_id is None:
        return None
    stored = _session().scalars(sa.select(IdempotentRequest).where(
        IdempotentRequest.user_id == actor.user_id, IdempotentRequest.key == key,
        IdempotentRequest.expires_at > utcnow())).first()
    if stored is None:
        return None
    if stored.body_hash != _body_hash(payload):
        return _answer(422, {"message": _(
            "This Idempotency-Key was used before with other data; use a new key for a "
            "new request.")})
    response = _answer(stored.status, json.loads(stored.response))
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(payload: dict[str, Any], status: int, body: dict[str, Any]) -> None:
    """Keep the answer in the current transaction (committed with the record itself)."""
    key = _key()
    actor = current_actor()
    if key is None or actor is None or actor.user_id is None:
        return
    session = _session()
    now = utcnow()
    # Expired answers of this caller make room; the key may be used afresh.
    session.execute(sa.delete(IdempotentRequest).where(
        IdempotentRequest.user_id == actor.user_id, IdempotentRequest.expires_at <= now))
    session.add(IdempotentRequest(
        user_id=actor.user_id, key=key, path=request.path[:255],
        body_hash=_body_hash(payload), status=status,
        response=json.dumps(body, default=str), created_at=now, expires_at=now + TTL))
    session.flush()
