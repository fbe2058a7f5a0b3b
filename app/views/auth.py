"""Login, second-factor and session views, and the lists of events and blocked logins."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from casusregie.app.auth import events, mfa
from casusregie.app.auth.messages import refusal_message
from casusregie.app.auth.models import LoginThrottle, SecurityEvent, utcnow
from casusregie.app.auth.sessions import session_status
from casusregie.app.auth.throttle import ACCOUNT, client_address, get_throttle
from casusregie.app.views.base import CasusModelView

PENDING_USER = "_casus_mfa_user"
PENDING_AT = "_casus_mfa_at"
PENDING_NEXT = "_casus_mfa_next"
PENDING_SECRET = "_casus_mfa_secret"
#: Seconds between a correct password and the second factor.
PENDING_SECONDS = 300


def complete_login(user, next_url: str):
    """Log in for real: session, event, and on to where the user was going."""
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT, PENDING_SECRET):
        session.pop(key, None)
    login_user(user, remember=False)
    events.record(events.LOGIN, username=user.username, user_id=user.id)
    return redirect(next_url)


class CasusAuthDBView(AuthDBView):
    """Flask-AppBuilder's login form, with the throttle's reasons and the second factor."""

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if not form.validate_on_submit():
            return self.render_template(self.login_template, title=self.title, form=form,
                                        appbuilder=self.appbuilder)
        next_url = get_safe_redirect(request.args.get("next", ""))
        user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
        if not user:
            reason = getattr(g, "_casus_login_refusal", None)
            flash(refusal_message(reason) or str(self.invalid_login_message), "warning")
            return redirect(self.appbuilder.get_url_for_login_with(next_url))
        if mfa.required_for(user) and mfa.device_remembered(user):
            get_throttle().succeeded(user.username)
        elif mfa.required_for(user):
            session[PENDING_USER] = user.id
            session[PENDING_AT] = time.time()
            session[PENDING_NEXT] = next_url
            return redirect(url_for("MfaView.verify"))
        return complete_login(user, next_url)


class MfaView(BaseView):
    """The second step of logging in: enrol an authenticator app, or give its code."""

    route_base = "/mfa"
    default_view = "verify"

    def _pending_user(self):
        user_id, at = session.get(PENDING_USER), session.get(PENDING_AT, 0)
        if user_id is None or time.time() - at > PENDING_SECONDS:
            return None
        user = self.appbuilder.sm.get_user_by_id(user_id)
        return user if user is not None and user.is_active else None

    @expose("/", methods=["GET", "POST"])
    def verify(self):
        user = self._pending_user()
        if user is None:
            flash(_("Log in again."), "info")
            return redirect(self.appbuilder.get_url_for_login)
        if mfa.enrolment(user) is None:
            return self._enrol(user)
        error = None
        if request.method == "POST":
            response = self._check(user)
            if response is not None:
                return response
            error = getattr(g, "_casus_mfa_error", None)
        return self.render_template("auth/mfa_verify.html", title=_("Second factor"),
                                    error=error, appbuilder=self.appbuilder)

    def _check(self, user):
        guard = get_throttle()
        refusal = guard.check(user.username, client_address())
        if refusal is not None:
            g._casus_mfa_error = refusal_message(refusal.reason)
            return None
        used = mfa.check_second_factor(user, request.form.get("code", ""))
        if used is None:
            started = guard.failed(user.username, client_address())
            events.record(events.MFA_FAILED, username=user.username, user_id=user.id)
            if started == "locked":
                events.record(events.LOCKOUT, username=user.username, user_id=user.id)
            g._casus_mfa_error = _("The code is not correct.")
            return None
        guard.succeeded(user.username)
        if used == "recovery":
            events.record(events.MFA_RECOVERY_USED, username=user.username, user_id=user.id)
        response = complete_login(user, session.get(PENDING_NEXT) or "/")
        if request.form.get("remember"):
            hours = min(current_app.config["CASUS_MFA_REMEMBER_HOURS"], 12)
            response.set_cookie(mfa.DEVICE_COOKIE, mfa.remember_device_value(user),
                                max_age=hours * 3600, httponly=True, samesite="Lax",
                                secure=bool(current_app.config.get(
                                    "SESSION_COOKIE_SECURE")))
        return response

    def _enrol(self, user):
        secret = session.get(PENDING_SECRET) or mfa.new_secret()
        session[PENDING_SECRET] = secret
        error = None
        if request.method == "POST":
            step = mfa.verify_code(secret, request.form.get("code", ""))
            if step is not None:
                codes = mfa.enrol(user, secret, step)
                events.record(events.MFA_ENROLLED, username=user.username, user_id=user.id)
                next_url = session.get(PENDING_NEXT) or "/"
                complete_login(user, next_url)
                # Shown once, on this page: only their hashes are stored.
                return self.render_template("auth/mfa_codes.html", codes=codes,
                                            next_url=next_url, title=_("Recovery codes"),
                                            appbuilder=self.appbuilder)
            error = _("The code is not correct.")
        uri = mfa.provisioning_uri(secret, user.username)
        return self.render_template("auth/mfa_enrol.html", title=_("Set up your second factor"),
                                    qr=mfa.qr_svg(uri), secret=secret, error=error,
                                    appbuilder=self.appbuilder)


class SessionView(BaseView):
    """What the page's idle warning asks, and the button that keeps the session going."""

    route_base = "/session"
    default_view = "status"

    @expose("/status")
    def status(self):
        return session_status()

    @expose("/extend", methods=["POST"])
    def extend(self):
        # Any request counts as activity (app.auth.sessions); this one only answers.
        return session_status()


EVENT_LABELS = {
    events.LOGIN: _l("Logged in"),
    events.LOGIN_FAILED: _l("Failed login"),
    events.LOGIN_REFUSED: _l("Login refused (throttled)"),
    events.BACKOFF: _l("Waiting time started"),
    events.LOCKOUT: _l("Account locked"),
    events.UNLOCK: _l("Account unlocked"),
    events.MFA_ENROLLED: _l("Second factor set up"),
    events.MFA_FAILED: _l("Wrong second-factor code"),
    events.MFA_RECOVERY_USED: _l("Recovery code used"),
    events.MFA_RESET: _l("Second factor reset"),
    events.MFA_RESET_REQUESTED: _l("Second factor reset requested"),
    events.MFA_RESET_REFUSED: _l("Second factor reset refused"),
    events.LOGOUT: _l("Logged out"),
    events.SESSION_EXPIRED: _l("Session expired"),
    events.SESSIONS_ENDED: _l("All sessions ended"),
}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


class SecurityEventModelView(CasusModelView):
    """Logins, failures, lockouts, second-factor changes, logouts: for the privacy officer."""

    datamodel = SQLAInterface(SecurityEvent)
    list_title = _l("Security events")
    show_title = _l("Security event")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["at", "kind", "username", "channel", "address", "actor", "detail"]
    show_columns = list_columns
    search_columns = ["kind", "username", "address", "at"]
    order_columns = ["at", "kind", "username"]
    base_order = ("at", "desc")
    formatters_columns = {"kind": event_label}
    label_columns = {"at": _l("When"), "kind": _l("Event"), "username": _l("User name"),
                     "channel": _l("Channel"), "address": _l("Address"),
                     "actor": _l("By"), "detail": _l("Detail")}


class FilterHeldBack(BaseFilter):
    """Accounts that are locked or still waiting; plain counts of failures are not shown."""

    name = "held back"
    arg_name = "heldback"

    def apply(self, query, value):
        return query.filter(sa.or_(LoginThrottle.locked_at.isnot(None),
                                   LoginThrottle.blocked_until > utcnow()))


class LoginBlockModelView(CasusModelView):
    """Accounts whose logins are held back; an administrator unlocks them here."""

    datamodel = SQLAInterface(LoginThrottle)
    list_title = _l("Blocked logins")
    show_title = _l("Blocked login")
    base_permissions = ["can_list", "can_show"]
    base_filters = [["kind", FilterEqual, ACCOUNT], ["blocked_until", FilterHeldBack, None]]
    list_columns = ["subject", "failures", "last_failure", "blocked_until", "locked_at"]
    show_columns = list_columns
    search_columns = ["subject"]
    order_columns = ["subject", "last_failure", "locked_at"]
    base_order = ("last_failure", "desc")
    label_columns = {"subject": _l("User name"), "failures": _l("Failed logins"),
                     "last_failure": _l("Last failure"),
                     "blocked_until": _l("Waiting until"), "locked_at": _l("Locked since")}

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock",
            single=False)
    def unlock(self, items):
        items = items if isinstance(items, list) else [items]
        guard = get_throttle()
        for item in items:
            guard.unlock(item.subject)
            events.record(events.UNLOCK, username=item.subject)
        flash(_("Unlocked: %(names)s", names=", ".join(i.subject for i in items)), "info")
        return redirect(url_for(".list"))


class UserSecurityActionsMixin:
    """Actions on the user list: reset a second factor (ends every session as well)."""

    @action("reset_mfa", _l("Reset second factor"),
            _l("Reset the second factor of the selected users? They set it up again at "
               "their next login, and all their sessions end."), "fa-key")
    def reset_mfa(self, items):
        from casusregie.app import approvals
        from casusregie.app.auth.approval_kinds import MFA_RESET, has_case_roles
        from casusregie.app.extensions import db

        items = items if isinstance(items, list) else [items]
        # Four eyes where the user has case roles: the reset waits for approval.
        asked = [u for u in items if has_case_roles(u)]
        direct = [u for u in items if u not in asked]
        for user in direct:
            mfa.reset(user)
        db.session.commit()
        for user in direct:
            events.record(events.MFA_RESET, username=user.username, user_id=user.id)
        for user in asked:
            approvals.request_change(MFA_RESET, user.id, user.username, g.user)
        if direct:
            flash(_("Second factor reset for: %(names)s",
                    names=", ".join(u.username for u in direct)), "info")
        if asked:
            flash(_("These users have case roles: the reset waits for a second person's "
                    "approval (Changes to review): %(names)s",
                    names=", ".join(u.username for u in asked)), "warning")
        return redirect(url_for(".list"))


def register(appbuilder: AppBuilder) -> None:
    from casusregie.app.auth import approval_kinds

    approval_kinds.register()
    appbuilder.add_view_no_menu(MfaView)
    appbuilder.add_view_no_menu(SessionView)
    appbuilder.add_view(SecurityEventModelView, "Security events",
                        label=_l("Security events"), category="Security")
    appbuilder.add_view(LoginBlockModelView, "Blocked logins", label=_l("Blocked logins"),
                        category="Security")

