"""Single sign-on with OpenID Connect, against a stand-in provider on loopback.

The whole redirect dance runs for real: Casusregie (Flask test client) sends the user to
the provider, the provider (a live server) sends them back with a code, and Casusregie
exchanges the code for a signed ID token over HTTP and checks it against the provider's
keys.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import requests

from casusregie.app.access.models import PermissionChange
from casusregie.app.auth.sessions import SV
from casusregie.app.extensions import db
from casusregie.app.models.organisation import CasusUser
from casusregie.app.roles import ROLE_ADMIN, ROLE_CASE_DIRECTOR, ROLE_PRIVACY
from casusregie.config import ConfigError, oidc_settings
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, StandInProvider
from tests.support import make_app

# A second app (single sign-on settings) over the work database: a fresh copy.
pytestmark = pytest.mark.fresh_db

OOV = "Gemeente Amsterdam – OOV"


@pytest.fixture(scope="module")
def provider():
    stand_in = StandInProvider().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture()
def sso_app(app, provider, test_database):
    """An app configured for single sign-on only by settings, on the fresh test copy."""
    settings = oidc_settings({
        "CASUS_AUTH": "oidc", "CASUS_OIDC_METADATA_URL": provider.metadata_url,
        "CASUS_OIDC_CLIENT_ID": CLIENT_ID, "CASUS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "CASUS_OIDC_LABEL": "Stad-ID",
        "CASUS_OIDC_ROLE_MAP": json.dumps({"casus-regisseurs": ROLE_CASE_DIRECTOR,
                                           "casus-privacy": [ROLE_PRIVACY],
                                           "casus-beheer": ROLE_ADMIN}),
        "CASUS_OIDC_ORGANISATION_MAP": json.dumps({"org-oov": OOV}),
    })
    sso = make_app(test_database.work_url, **settings)
    yield sso
    with sso.app_context():
        db.session.remove()
        db.engine.dispose()


def _identity(username: str, *groups: str, mfa: bool = True) -> dict:
    return {"sub": f"sub-{username}", "preferred_username": username,
            "email": f"{username}@amsterdam.example", "given_name": "Sam",
            "family_name": "Stad", "groups": list(groups),
            "amr": ["pwd", "mfa"] if mfa else ["pwd"]}


def _sso_login(client, provider: StandInProvider, identity: dict):
    """Log in through the provider; returns the final answer of Casusregie."""
    provider.identity = identity
    start = client.get("/login/oidc?next=/tasks/")
    assert start.status_code == 302
    assert start.location.startswith(f"{provider.issuer}/authorize?")
    at_provider = requests.get(start.location, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def _user(sso_app, username: str) -> CasusUser | None:
    with sso_app.app_context():
        user = db.session.query(CasusUser).filter_by(username=username).one_or_none()
        if user is not None:
            _ = [r.name for r in user.roles], user.organisation
        return user


def test_login_page_offers_the_provider_in_dutch(sso_app):
    page = sso_app.test_client().get("/login/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Inloggen met Stad-ID" in html
    assert 'name="password"' not in html


def test_first_login_creates_the_user_with_mapped_role_and_organisation(sso_app, provider):
    client = sso_app.test_client()
    answer = _sso_login(client, provider, _identity("s.stad", "casus-regisseurs", "org-oov",
                                                    "some-other-group"))
    assert answer.status_code == 302 and answer.location.endswith("/tasks/")
    user = _user(sso_app, "s.stad")
    assert user is not None and user.active
    assert [r.name for r in user.roles] == [ROLE_CASE_DIRECTOR]
    assert user.organisation.name == OOV
    assert user.email == "s.stad@amsterdam.example"
    # The session rules apply: the session carries the user's session version.
    with client.session_transaction() as session:
        assert session[SV] == user.session_version
    assert client.get("/tasks/").status_code == 200


def test_group_change_changes_roles_at_next_login_and_is_recorded(sso_app, provider):
    client = sso_app.test_client()
    _sso_login(client, provider, _identity("s.stad", "casus-regisseurs", "org-oov"))
    first_version = _user(sso_app, "s.stad").session_version
    client.get("/logout/")
    _sso_login(client, provider, _identity("s.stad", "casus-privacy", "org-oov"))
    user = _user(sso_app, "s.stad")
    assert [r.name for r in user.roles] == [ROLE_PRIVACY]
    # The role change ended every earlier session of the user (logout did too).
    assert user.session_version > first_version
    with sso_app.app_context():
        changes = {(c.kind, c.role) for c in db.session.query(PermissionChange)
                   .filter_by(target_user="s.stad")}
    assert ("user_role_added", ROLE_CASE_DIRECTOR) in changes
    assert ("user_role_removed", ROLE_CASE_DIRECTOR) in changes
    assert ("user_role_added", ROLE_PRIVACY) in changes


@pytest.mark.parametrize(("groups", "mfa", "message"), [
    (("org-oov", "unknown-group"), True, "geen van uw groepen"),
    (("casus-regisseurs",), True, "niet precies één organisatie"),
    (("casus-regisseurs", "org-oov"), False, "tweede factor"),
])
def test_unmapped_user_is_refused_in_dutch(sso_app, provider, groups, mfa, message):
    client = sso_app.test_client()
    answer = _sso_login(client, provider, _identity("n.iemand", *groups, mfa=mfa))
    assert answer.status_code == 302 and "/login/" in answer.location
    page = client.get(answer.location).get_data(as_text=True)
    assert message in page
    assert _user(sso_app, "n.iemand") is None
    assert client.get("/tasks/").status_code in (302, 401, 403)


def test_user_screens_under_sso_have_no_passwords(sso_app, provider):
    client = sso_app.test_client()
    _sso_login(client, provider, _identity("beheerder", "casus-beheer", "org-oov"))
    listing = client.get("/users/list/")
    assert listing.status_code == 200 and "beheerder" in listing.get_data(as_text=True)
    form = client.get("/users/add")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert 'name="organisation"' in html and 'name="password"' not in html


def test_password_login_is_off_under_sso_also_for_the_api(sso_app):
    from tests.support import DEMO_PASSWORD

    client = sso_app.test_client()
    login = {"username": "beheerder", "password": DEMO_PASSWORD}
    # Flask-AppBuilder refuses the "db" provider under OAuth; without a provider the
    # password check itself refuses (a demo account still has its password hash).
    assert client.post("/api/v1/security/login",
                       json={**login, "provider": "db"}).status_code == 400
    answer = client.post("/api/v1/security/login", json=login)
    assert answer.status_code == 401, answer.get_data(as_text=True)


def test_own_profile_page_works_under_sso(sso_app, provider):
    client = sso_app.test_client()
    _sso_login(client, provider, _identity("s.stad", "casus-regisseurs", "org-oov"))
    page = client.get("/users/userinfo/")
    assert page.status_code == 200 and "s.stad" in page.get_data(as_text=True)


@pytest.mark.parametrize("env", [
    {"CASUS_AUTH": "oidc"},
    {"CASUS_AUTH": "oidc", "CASUS_OIDC_METADATA_URL": "https://idp/.well-known/x",
     "CASUS_OIDC_CLIENT_ID": "c", "CASUS_OIDC_CLIENT_SECRET": "s",
     "CASUS_OIDC_ROLE_MAP": "{not json", "CASUS_OIDC_ORGANISATION_MAP": "{}"},
    {"CASUS_AUTH": "oidc", "CASUS_OIDC_METADATA_URL": "https://idp/.well-known/x",
     "CASUS_OIDC_CLIENT_ID": "c", "CASUS_OIDC_CLIENT_SECRET": "s",
     "CASUS_OIDC_ROLE_MAP": '{"g": "Casusregisseur"}'},
])
def test_incomplete_sso_settings_refuse_to_start(env):
    with pytest.raises(ConfigError):
        oidc_settings(env)


def test_password_login_stays_without_the_setting():
    assert oidc_settings({}) == {}


def test_email_of_another_account_is_refused_not_an_error(sso_app, provider):
    with sso_app.app_context():
        taken = db.session.query(CasusUser).filter_by(username="politie").one().email
    client = sso_app.test_client()
    identity = {**_identity("p.dubbel", "casus-regisseurs", "org-oov"), "email": taken}
    answer = _sso_login(client, provider, identity)
    assert answer.status_code == 302 and "/login/" in answer.location
    assert _user(sso_app, "p.dubbel") is None
