"""The security event log: logins, failures, lockouts, second-factor changes, logouts.

Written in its own short transaction, so that an event is kept even when the request's
own work is rolled back (a refused login changes nothing else). The audit trail of the
privacy work takes these over once it exists.
"""

from __future__ import annotations

import logging

from flask import g, has_request_context, request

from casusregie.app import audit
from casusregie.app.auth.models import SecurityEvent, utcnow

log = logging.getLogger(__name__)

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_REFUSED = "login_refused"
LOCKOUT = "lockout"
BACKOFF = "backoff"
UNLOCK = "unlock"
MFA_ENROLLED = "mfa_enrolled"
MFA_FAILED = "mfa_failed"
MFA_RECOVERY_USED = "mfa_recovery_used"
MFA_RESET = "mfa_reset"
MFA_RESET_REQUESTED = "mfa_reset_requested"
MFA_RESET_REFUSED = "mfa_reset_refused"
LOGOUT = "logout"
SESSION_EXPIRED = "session_expired"
SESSIONS_ENDED = "sessions_ended"

#: The events the audit trail records too, as its actions.
AUDITED = {LOGIN: "login", LOGIN_FAILED: "login_failed", LOGIN_REFUSED: "login_failed",
           LOCKOUT: "login_failed", MFA_FAILED: "login_failed", LOGOUT: "logout",
           SESSION_EXPIRED: "logout"}

KINDS = (LOGIN, LOGIN_FAILED, LOGIN_REFUSED, LOCKOUT, BACKOFF, UNLOCK, MFA_ENROLLED,
         MFA_FAILED, MFA_RECOVERY_USED, MFA_RESET, MFA_RESET_REQUESTED, MFA_RESET_REFUSED,
         LOGOUT, SESSION_EXPIRED, SESSIONS_ENDED)


def _channel() -> str | None:
    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "web"


def _actor() -> str | None:
    user = getattr(g, "user", None) if has_request_context() else None
    return getattr(user, "username", None) if getattr(user, "is_authenticated", False) \
        else None


def record(kind: str, *, username: str | None = None, user_id: int | None = None,
           detail: str | None = None) -> None:
    """Append one event (never raises: a failing log must not open or break a login)."""
    from casusregie.app.extensions import db

    values = {"at": utcnow(), "kind": kind, "username": (username or "")[:256] or None,
              "user_id": user_id, "actor": _actor(), "channel": _channel(),
              "address": request.remote_addr if has_request_context() else None,
              "detail": (detail or "")[:500] or None}
    try:
        with db.engine.begin() as conn:
            conn.execute(SecurityEvent.__table__.insert().values(**values))
    except Exception:  # pragma: no cover - logged, the login itself goes on
        log.exception("could not record security event %s", kind)
    action = AUDITED.get(kind)
    if action is not None:
        try:
            audit.record_apart(action, object_type="user", object_id=user_id,
                               user=values["username"] or values["actor"] or "",
                               detail={"event": kind, "detail": values["detail"]})
        except Exception:  # pragma: no cover - logged, as above
            log.exception("could not record %s in the audit trail", kind)
