"""Single sign-on with OpenID Connect: who the provider says the user is, and what follows.

Flask-AppBuilder's ``AUTH_OAUTH`` does the redirects and the token exchange (authlib,
ID token checked against the provider's keys); ``config.oidc_settings`` configures it.
This module turns the provider's claims into a Casusregie user:

- the roles are those of the user's groups (``AUTH_ROLES_MAPPING``), set at every login;
  nobody gets a role, let alone one with case content, that the mapping does not give;
- the organisation comes from the groups as well (``CASUS_OIDC_ORGANISATION_MAP``);
- without a mapped role, without exactly one mapped organisation, or without the second
  factor at the provider (``amr``) the login is refused with a reason;
- every role or organisation change is made as a system change, so the permission
  change log (``app.access.changes``) records it and the user's sessions end.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_appbuilder.const import AUTH_OAUTH
from flask_appbuilder.security.views import AuthOAuthView
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from casusregie.app.access.actor import system_access
from casusregie.app.auth import events

PROVIDER = "oidc"

NO_ROLE = _l("Your account has no access to Casusregie: none of your groups at the "
             "identity provider is linked to a role. Ask your functional administrator.")
NO_ORGANISATION = _l("Your account has no access to Casusregie: your groups at the "
                     "identity provider do not name exactly one organisation. Ask your "
                     "functional administrator.")
NO_MFA = _l("Log in at the identity provider with a second factor (multi-factor "
            "authentication) to use Casusregie.")
INVALID = _l("Logging in through the identity provider did not succeed. Try again.")


def _groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get(current_app.config.get("CASUS_OIDC_GROUPS_CLAIM", "groups"), [])
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _organisation_for(groups: list[str]) -> Any:
    from casusregie.app.extensions import db
    from casusregie.app.models.organisation import Organisation

    mapping = current_app.config.get("CASUS_OIDC_ORGANISATION_MAP") or {}
    names = {mapping[group] for group in groups if group in mapping}
    if len(names) != 1:
        return None
    org = db.session.query(Organisation).filter_by(name=names.pop()).one_or_none()
    return org if org is not None and org.active else None


def _has_second_factor(claims: dict[str, Any]) -> bool:
    wanted = set(current_app.config.get("CASUS_OIDC_MFA_AMR") or [])
    return not wanted or bool(wanted & set(claims.get("amr") or []))


class OidcLoginMixin:
    """Mixed into ``CasusSecurityManager``; only used when ``AUTH_TYPE`` is OAuth."""

    def auth_user_db(self, username: str, password: str) -> Any:
        """No passwords under single sign-on, also not through the REST API login.

        Accounts made before the switch keep their password hash; it must not become a
        way around the provider (and its second factor).
        """
        if current_app.config.get("AUTH_TYPE") == AUTH_OAUTH:
            events.record(events.LOGIN_REFUSED, username=username,
                          detail="sso: password login is off")
            return None
        return super().auth_user_db(username, password)  # type: ignore[misc]

    def get_oauth_user_info(self, provider: str, resp: dict[str, Any]) -> dict[str, Any]:
        if provider != PROVIDER:
            return super().get_oauth_user_info(provider, resp)  # type: ignore[misc]
        claims = dict(resp.get("userinfo") or {})  # the checked ID token
        if current_app.config.get("CASUS_OIDC_GROUPS_CLAIM", "groups") not in claims:
            # Some providers put groups in the userinfo answer only.
            claims.update(self.oauth_remotes[provider].userinfo(token=resp))  # type: ignore[attr-defined]
        name_claim = current_app.config.get("CASUS_OIDC_USERNAME_CLAIM",
                                            "preferred_username")
        return {"username": str(claims.get(name_claim) or ""),
                "email": claims.get("email") or "",
                "first_name": claims.get("given_name") or "",
                "last_name": claims.get("family_name") or "",
                "role_keys": _groups(claims), "amr": claims.get("amr") or []}

    def auth_user_oauth(self, userinfo: dict[str, Any]) -> Any:
        username = userinfo.get("username") or ""
        refusal = self._oidc_refusal(userinfo)
        if refusal is not None:
            code, g._casus_sso_refusal = refusal
            events.record(events.LOGIN_REFUSED, username=username, detail=f"sso: {code}")
            return None
        user = self.find_user(username=username)  # type: ignore[attr-defined]
        if user is not None and not user.is_active:
            events.record(events.LOGIN_REFUSED, username=username, detail="sso: inactive")
            return None
        try:
            with system_access("single sign-on"):
                user = self._oidc_apply(user, userinfo)
        except IntegrityError:
            # Another account already has this e-mail address: refuse, not a 500.
            from casusregie.app.extensions import db

            db.session.rollback()
            g._casus_sso_refusal = INVALID
            events.record(events.LOGIN_REFUSED, username=username,
                          detail="sso: e-mail address of another account")
            return None
        self.update_user_auth_stat(user)  # type: ignore[attr-defined]
        events.record(events.LOGIN, username=user.username, user_id=user.id, detail="sso")
        return user

    def _oidc_refusal(self, userinfo: dict[str, Any]) -> tuple[str, Any] | None:
        """(code for the event log, message for the user), or None to go on."""
        if not userinfo.get("username"):
            return "no username", INVALID
        if not _has_second_factor(userinfo):
            return "no second factor", NO_MFA
        if not self.get_roles_from_keys(userinfo["role_keys"]):  # type: ignore[attr-defined]
            return "no mapped role", NO_ROLE
        if _organisation_for(userinfo["role_keys"]) is None:
            return "no mapped organisation", NO_ORGANISATION
        return None

    def _oidc_apply(self, user: Any, userinfo: dict[str, Any]) -> Any:
        """Create the user or bring roles and organisation in line with the groups."""
        from casusregie.app.extensions import db

        roles = sorted(self.get_roles_from_keys(userinfo["role_keys"]),  # type: ignore[attr-defined]
                       key=lambda r: r.name)
        org = _organisation_for(userinfo["role_keys"])
        if user is None:
            user = self.user_model()  # type: ignore[attr-defined]
            user.username = userinfo["username"]
            user.active = True
            db.session.add(user)
        user.first_name = userinfo.get("first_name") or user.first_name or "-"
        user.last_name = userinfo.get("last_name") or user.last_name or "-"
        user.email = userinfo.get("email") or user.email or f"{user.username}@sso.invalid"
        if {r.id for r in user.roles} != {r.id for r in roles}:
            user.roles = roles
        if user.organisation_id != org.id:
            user.organisation = org
        db.session.commit()
        return user


class CasusAuthOAuthView(AuthOAuthView):
    """Flask-AppBuilder's OAuth login: "Log in with <provider>" and refusals with a reason."""

    login_template = "auth/login_oidc.html"

    @property
    def invalid_login_message(self) -> Any:  # type: ignore[override]
        return g.get("_casus_sso_refusal") or INVALID
