"""API keys of partner organisations' systems (Flask-AppBuilder's ``ab_api_key``).

A key belongs to its organisation's *system user*: an account of that organisation with
the role ``Partnersysteem``, no usable password and no screens. The access policy treats
a call with the key exactly as a call by that user (``app.access.actor`` resolves it like
any other user), so a key of GGD sees what GGD is admitted to and nothing else.

On top of the role, each key carries *scopes* that narrow what it may call:

- ``cases:read`` — the cases the organisation is admitted to, the catalogue, the feed of
  changes;
- ``interventions:write`` — read, register and update the organisation's own
  interventions;
- ``plugin_types`` — the APIs of enabled plugins' intervention types.

The key is shown once, when it is issued; the database keeps only its hashes. Every use
is recorded in the audit trail (``record_key_use``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from flask import current_app, g, request
from flask_appbuilder.security.sqla.models import ApiKey
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from casusregie.app.access import system_access
from casusregie.app.models import CasusUser, Organisation
from casusregie.app.passwords import secret_hash
from casusregie.app.roles import ROLE_SYSTEM

SCOPE_CASES_READ = "cases:read"
SCOPE_INTERVENTIONS_WRITE = "interventions:write"
SCOPE_PLUGIN_TYPES = "plugin_types"

SCOPES: dict[str, Any] = {
    SCOPE_CASES_READ: _l("Read the cases the organisation is admitted to, the catalogue "
                         "and the changes feed"),
    SCOPE_INTERVENTIONS_WRITE: _l("Register and update the organisation's own "
                                  "interventions"),
    SCOPE_PLUGIN_TYPES: _l("Interventions of plugin types"),
}

#: What every key may read whatever its scopes: the contract and the catalogue.
_ALWAYS = frozenset({("can_get", "OpenApi"), ("can_get", "InterventionTypeApi")})
_SCOPE_GRANTS: dict[str, frozenset[tuple[str, str]]] = {
    SCOPE_CASES_READ: frozenset({("can_get", "CaseApi"), ("can_get", "ChangesApi"),
                                 ("can_get", "InterventionApi")}),
    SCOPE_INTERVENTIONS_WRITE: frozenset({("can_get", "InterventionApi"),
                                          ("can_post", "InterventionApi"),
                                          ("can_put", "InterventionApi")}),
}

#: A key replaced by rotation keeps working this long, so the partner can switch over.
ROTATION_GRACE = dt.timedelta(days=7)


def now() -> dt.datetime:
    # Flask-AppBuilder compares a key's expiry and revocation with the naive local clock.
    return dt.datetime.now()


def parse_scopes(text: str | None) -> frozenset[str]:
    return frozenset(s.strip() for s in (text or "").split(",") if s.strip() in SCOPES)


def plugin_api_names() -> frozenset[str]:
    from casusregie.app.plugin_manager import plugins_of

    registry = plugins_of(current_app)
    return frozenset(kind.api.view.__name__ for _, kind in registry.kinds if kind.api)


def key_allows(scopes: Iterable[str], permission: str, view: str) -> bool:
    """Whether a key with ``scopes`` may use ``permission`` on ``view`` (the role decides
    the rest: a scope never grants what the system user's role does not)."""
    if (permission, view) in _ALWAYS:
        return True
    scopes = frozenset(scopes)
    if any((permission, view) in _SCOPE_GRANTS.get(scope, ()) for scope in scopes):
        return True
    return SCOPE_PLUGIN_TYPES in scopes and view in plugin_api_names()


def key_rate_key() -> str:
    """The rate-limit bucket of a request made with a key (a hash of the key, so a
    guesser is limited too); empty for any other request, which the limit exempts."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    prefixes = current_app.config.get("FAB_API_KEY_PREFIXES") or []
    if not any(token.startswith(p) for p in prefixes):
        return ""
    return "api-key:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def limit_keys(appbuilder: Any, blueprints: Iterable[Any]) -> None:
    """One rate limit per key over all ``blueprints`` together (Flask-AppBuilder's
    Flask-Limiter, ``CASUS_API_KEY_RATE_LIMIT``): one partner system cannot slow the API
    down for everybody. A limit in an API's ``limits`` would count per API."""
    limiter = getattr(appbuilder.sm, "limiter", None)
    if limiter is None:
        return
    shared = limiter.shared_limit(
        lambda: current_app.config["CASUS_API_KEY_RATE_LIMIT"], scope="api-key",
        key_func=key_rate_key, exempt_when=lambda: key_rate_key() == "")
    for blueprint in blueprints:
        shared(blueprint)


def current_key() -> ApiKey | None:
    """The key of this request, if it came with one."""
    return g.get("_casus_api_key") if g.get("_api_key_user") else None


# --------------------------------------------------------------------------- issuing


def system_user(session: Any, organisation: Organisation) -> CasusUser:
    """The organisation's system user, created with the ``Partnersysteem`` role on first
    use. Its password is random and never shown: nobody logs in as it; no e-mail goes to
    it (its address is a placeholder)."""
    username = f"systeem-{organisation.id}"
    user = session.query(CasusUser).filter(CasusUser.username == username).one_or_none()
    if user is not None:
        return user
    sm = current_app.appbuilder.sm
    # The system role reaches only what the organisation is admitted to, and no person
    # holds it or can log in as its user: set up by the system, not a grant to a person
    # (which would take a second person's approval), and logged as such.
    with system_access("the organisation's system user for API keys"):
        user = CasusUser(
            username=username, first_name=str(_l("System")),
            last_name=organisation.name[:64],
            email=f"{username}@systeem.casusregie.invalid", active=True,
            organisation_id=organisation.id, email_notifications="never",
            password=secret_hash(secrets.token_urlsafe(32)),
            roles=[sm.find_role(ROLE_SYSTEM)])
        session.add(user)
        session.flush()
    return user


def issue_key(session: Any, organisation: Organisation, name: str, scopes: Iterable[str],
              expires_on: dt.datetime | None) -> tuple[ApiKey, str]:
    """A new key of ``organisation``; returns the row and the key itself (shown once)."""
    user = system_user(session, organisation)
    prefix = current_app.config["FAB_API_KEY_PREFIXES"][0]
    raw = prefix + secrets.token_urlsafe(32)
    sm = current_app.appbuilder.sm
    key = ApiKey(
        name=name, user_id=user.id, key_prefix=raw[: len(prefix) + 6],
        key_hash=generate_password_hash(raw, method=current_app.config[
            "FAB_API_KEY_HASH_METHOD"]),
        lookup_hash=sm._compute_lookup_hash(raw),
        scopes=",".join(sorted(set(scopes) & set(SCOPES))), active=True,
        created_on=now(), expires_on=expires_on)
    session.add(key)
    session.flush()
    return key, raw


def rotate_key(session: Any, key: ApiKey) -> tuple[ApiKey, str]:
    """A successor with the same name, scopes and expiry; the old key ends after
    ``ROTATION_GRACE`` (or its own expiry, if sooner)."""
    organisation = session.get(CasusUser, key.user_id).organisation
    successor, raw = issue_key(session, organisation, key.name, parse_scopes(key.scopes),
                               key.expires_on)
    grace = now() + ROTATION_GRACE
    if key.expires_on is None or key.expires_on > grace:
        key.expires_on = grace
    return successor, raw


def revoke_key(key: ApiKey) -> None:
    if key.revoked_on is None:
        key.revoked_on = now()
    key.active = False


# --------------------------------------------------------------------------- using


def record_key_use(key: ApiKey, user: CasusUser) -> None:
    """Every use of a key goes into the audit trail: the key, its organisation's system
    user and the call made (committed with the key's last use)."""
    from casusregie.app.audit import record

    record("api_key_use", object_type="api_key", object_id=key.id,
           detail={"key": key.name, "key_prefix": key.key_prefix,
                   "method": request.method, "path": request.path},
           user=user, organisation_id=user.organisation_id)


class ApiKeyMixin:
    """Mixed into ``CasusSecurityManager``: keys in UTC-independent checks, scopes, and
    a record of every use."""

    def validate_api_key(self, api_key_string: str) -> Any:
        from werkzeug.security import check_password_hash

        lookup = self._compute_lookup_hash(api_key_string)  # type: ignore[attr-defined]
        session = self.session  # type: ignore[attr-defined]
        key = session.query(ApiKey).filter(ApiKey.lookup_hash == lookup).one_or_none()
        if key is None or not check_password_hash(key.key_hash, api_key_string):
            return None
        user = session.get(CasusUser, key.user_id)
        if not key.is_active or user is None or not user.is_active:
            g._casus_api_key_refused = True
            return None
        key.last_used_on = now()
        g.user = user
        g._api_key_user = True
        g._casus_api_key = key
        record_key_use(key, user)
        session.commit()
        return user

    def has_access(self, permission_name: str, view_name: str) -> bool:
        allowed = super().has_access(permission_name, view_name)  # type: ignore[misc]
        key = current_key()
        if allowed and key is not None:
            return key_allows(parse_scopes(key.scopes), permission_name, view_name)
        return allowed
