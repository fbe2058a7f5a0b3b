"""Sessions that really end.

Every browser session and every JWT carries the user's ``session_version`` from the
moment it was issued. Logout, a password change, deactivation, a role or organisation
change and a second-factor reset raise the version, so every cookie and token issued
before (saved copies included) is refused from then on. Flask keeps its session in a
signed cookie; the version is what makes that cookie revocable on the server.

A browser session also ends after ``CASUS_SESSION_IDLE_MINUTES`` without a request and
at the latest ``CASUS_SESSION_MAX_HOURS`` after login; the page warns
``CASUS_SESSION_WARNING_MINUTES`` before the idle end (``static/casus_session.js``).
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    has_app_context,
    jsonify,
    redirect,
    request,
    session,
)
from flask_babel import gettext as _
from flask_login import logout_user, user_logged_in

from casusregie.app.auth import events
from casusregie.app.models.organisation import CasusUser

SV = "_casus_sv"
AUTH_AT = "_casus_auth_at"
SEEN_AT = "_casus_seen_at"
#: Requests that must not count as activity (the page's own session check).
PASSIVE_ENDPOINTS = frozenset({"SessionView.status", "static", "appbuilder.static"})


def end_all_sessions(user: CasusUser) -> None:
    """Raise the user's version in the current transaction (the caller commits)."""
    user.session_version = (user.session_version or 1) + 1


def session_is_current(user: CasusUser) -> bool:
    return session.get(SV) == (user.session_version or 1)


def token_is_current(user: CasusUser | None, payload: dict) -> bool:
    return user is not None and user.is_active and \
        payload.get("sv") == (user.session_version or 1)


def _expired_reason(now: float) -> str | None:
    cfg = current_app.config
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if auth_at is None or seen_at is None:
        return "no start"
    if now - auth_at > cfg["CASUS_SESSION_MAX_HOURS"] * 3600:
        return "absolute"
    if now - seen_at > cfg["CASUS_SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    return None


def _check_session() -> Response | None:
    if "_user_id" not in session or request.path.startswith("/api/"):
        return None
    now = time.time()
    reason = _expired_reason(now)
    if reason is None:
        if request.endpoint not in PASSIVE_ENDPOINTS:
            session[SEEN_AT] = now
        return None
    user_id = session.get("_user_id")
    logout_user()
    session.clear()
    events.record(events.SESSION_EXPIRED, user_id=int(user_id) if user_id else None,
                  detail=reason)
    flash(_("Your session has ended. Log in again."), "info")
    login = current_app.appbuilder.get_url_for_login  # type: ignore[attr-defined]
    return redirect(current_app.appbuilder.get_url_for_login_with(request.full_path)  # type: ignore[attr-defined]
                    if request.method == "GET" else login)


def _on_login(_app: Flask, user: CasusUser) -> None:
    now = time.time()
    session[SV] = user.session_version or 1
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session.permanent = True


def _bump_on_change(db_session, _flush_context, _instances) -> None:
    """Password, activation, roles or organisation changed: end the user's sessions."""
    for obj in list(db_session.dirty):
        if not isinstance(obj, CasusUser):
            continue
        state = sa.inspect(obj)
        changed = [name for name in ("password", "active", "roles", "organisation_id")
                   if state.attrs[name].history.has_changes()]
        if changed and not state.attrs.session_version.history.has_changes():
            end_all_sessions(obj)
            if has_app_context():
                g.setdefault("_casus_ended_sessions", []).append(
                    (obj.id, obj.username, changed))


def install_sessions(app: Flask, db) -> None:
    # Before every other hook, so an ended session never reaches a view.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_session)
    user_logged_in.connect(_on_login, app)
    # One listener for the shared session, however many apps are built (tests build many).
    if not sa.event.contains(db.session, "before_flush", _bump_on_change):
        sa.event.listen(db.session, "before_flush", _bump_on_change)

    @app.teardown_request
    def _log_ended(_exc: BaseException | None) -> None:
        for user_id, username, changed in g.pop("_casus_ended_sessions", []):
            if _exc is None:
                events.record(events.SESSIONS_ENDED, user_id=user_id, username=username,
                              detail=", ".join(changed))


def session_status() -> Response:
    """Seconds left before the idle and absolute end (for the page's warning)."""
    cfg = current_app.config
    now = time.time()
    idle = cfg["CASUS_SESSION_IDLE_MINUTES"] * 60 - (now - session.get(SEEN_AT, now))
    absolute = cfg["CASUS_SESSION_MAX_HOURS"] * 3600 - (now - session.get(AUTH_AT, now))
    return jsonify(seconds_left=max(0, int(min(idle, absolute))),
                   warn_seconds=cfg["CASUS_SESSION_WARNING_MINUTES"] * 60,
                   logged_in=bool(getattr(g, "user", None)
                                  and g.user.is_authenticated))
