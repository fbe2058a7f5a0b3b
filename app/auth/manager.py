"""What logging in adds to Flask-AppBuilder's security manager (``app.security``).

``auth_user_db`` is the one door of both the HTML login and ``/api/v1/security/login``:
throttling, the events and (for the API) the second factor live there, so both routes
count against the same per-account and per-address totals.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, request
from werkzeug.security import check_password_hash

from casusregie.app.auth import events, mfa
from casusregie.app.auth.sessions import end_all_sessions, session_is_current, token_is_current
from casusregie.app.auth.throttle import client_address, get_throttle

API_LOGIN_ENDPOINT = "SecurityApi.login"


class LoginProtectionMixin:
    """Mixed into ``CasusSecurityManager`` before Flask-AppBuilder's manager."""

    def auth_user_db(self, username: str, password: str) -> Any:
        guard = get_throttle()
        address = client_address()
        refusal = guard.check(username or "", address)
        if refusal is not None:
            self._refused(username, password, refusal.reason)
            return None
        user = super().auth_user_db(username, password)  # type: ignore[misc]
        if user is None:
            self._failed(username, address)
            return None
        api = request.endpoint == API_LOGIN_ENDPOINT
        if api and not self._api_second_factor(user):
            self._failed(username, address, kind=events.MFA_FAILED)
            return None
        # The form's second step clears the count only after the code: a known password
        # alone must not reset the limit on guessing codes.
        if api or not mfa.required_for(user):
            guard.succeeded(username)
        if api:
            events.record(events.LOGIN, username=user.username, user_id=user.id)
        return user

    def _refused(self, username: str, password: str, reason: str) -> None:
        # The password is still checked, so the answer takes as long as any other
        # and a wrong one still counts towards the lock.
        user = self.find_user(username=username) if username else None  # type: ignore
        stored = getattr(user, "password", None) or \
            current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"]
        if not check_password_hash(stored, password or ""):
            get_throttle().failed(username or "", client_address())
        g._casus_login_refusal = reason
        events.record(events.LOGIN_REFUSED, username=username, detail=reason)

    def _failed(self, username: str, address: str, kind: str = events.LOGIN_FAILED) -> None:
        started = get_throttle().failed(username or "", address)
        events.record(kind, username=username)
        if started == "locked":
            events.record(events.LOCKOUT, username=username)
        elif started == "backoff":
            events.record(events.BACKOFF, username=username)

    def _api_second_factor(self, user: Any) -> bool:
        """API logins of users who need a second factor send ``totp`` with the login."""
        if not mfa.required_for(user):
            return True
        if mfa.enrolment(user) is None:
            g._casus_login_refusal = "mfa_enrol"
            return False
        code = str(g.get("_casus_totp") or "")
        if code and mfa.check_second_factor(user, code):
            return True
        g._casus_login_refusal = "mfa"
        return False

    # Sessions and tokens -------------------------------------------------------------

    def load_user(self, pk: int) -> Any:
        user = super().load_user(pk)  # type: ignore[misc]
        if user is not None and has_request_context() and not session_is_current(user):
            return None
        return user

    def load_user_jwt(self, _jwt_header: dict, jwt_data: dict) -> Any:
        user = g.pop("_casus_jwt_user", None) or self.get_user_by_id(int(jwt_data["sub"]))
        if user is not None and token_is_current(user, jwt_data):
            g.user = user
            return user
        return None

    def _token_revoked(self, _jwt_header: dict, jwt_data: dict) -> bool:
        user = self.get_user_by_id(int(jwt_data["sub"]))  # type: ignore[attr-defined]
        g._casus_jwt_user = user
        # An inactive or removed account is answered by the user lookup ("not active").
        return user is not None and user.is_active and not token_is_current(user, jwt_data)

    def _token_claims(self, identity: Any) -> dict:
        user = self.get_user_by_id(int(identity))  # type: ignore[attr-defined]
        return {"sv": (user.session_version or 1) if user is not None else 0}

    def create_jwt_manager(self, app: Any) -> Any:
        jwt_manager = super().create_jwt_manager(app)  # type: ignore[misc]
        jwt_manager.token_in_blocklist_loader(self._token_revoked)
        jwt_manager.additional_claims_loader(self._token_claims)
        return jwt_manager

    def on_user_logout(self, user: Any) -> None:
        """A logout ends every session and token of the user, not only this cookie."""
        from casusregie.app.extensions import db

        fresh = self.get_user_by_id(user.id)  # type: ignore[attr-defined]
        if fresh is not None:
            end_all_sessions(fresh)
            db.session.commit()
        events.record(events.LOGOUT, username=user.username, user_id=user.id)
        super().on_user_logout(user)  # type: ignore[misc]
