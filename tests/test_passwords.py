"""Issue 13: password rules (OWASP ASVS 5 §6.2) on every way a password is set."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import CasusUser, Organisation
from casusregie.app.passwords import password_problem
from tests.support import DEMO_PASSWORD, Browser, csrf_token

GOOD = "vier woorden op een rij"


@pytest.mark.parametrize("password", ["kort", "elf tekens!", "qwerty123456",
                                      "Password12345", "aaaaaaaaaaaaaaa", "x" * 129])
def test_short_common_and_guessable_passwords_are_refused(app: Flask, password) -> None:
    with app.test_request_context():
        assert password_problem(password) is not None


@pytest.mark.parametrize("password", [DEMO_PASSWORD, GOOD, "zonder-hoofdletters-of-cijfers",
                                      "ÉÉN lange zin met spaties", "k9#Lm2@pQ7!z"])
def test_long_uncommon_passwords_pass_without_composition_rules(app: Flask, password) -> None:
    with app.test_request_context():
        assert password_problem(password) is None


def _ids(app: Flask) -> tuple[str, str]:
    with app.app_context(), system_access("test ids"):
        role = db.session.execute(sa.text("SELECT id FROM ab_role WHERE name = 'Ketenpartner'"))
        org = db.session.scalar(sa.select(Organisation.id).order_by(Organisation.id))
        return str(role.scalar()), str(org)


def _add_user(browser: Browser, password: str):
    role, org = _ids(browser.app)
    return browser.submit("/users/add", {
        "first_name": "Nieuwe", "last_name": "Collega", "username": "nieuwecollega",
        "email": "nieuw@example.org", "organisation": org, "active": "y", "roles": role,
        "password": password, "conf_password": password})


def _user_exists(app: Flask, username: str) -> bool:
    with app.app_context(), system_access("test"):
        return db.session.scalar(sa.select(CasusUser.id).filter_by(username=username)) \
            is not None


@pytest.mark.parametrize("password, message", [
    ("a", "minstens 12 tekens"), ("qwerty123456", "te vaak gebruikt")])
def test_an_administrator_cannot_give_a_new_user_a_weak_password(app, browser, password,
                                                                  message) -> None:
    browser.login("beheerder")
    resp = _add_user(browser, password)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in text
    assert 'value="nieuw@example.org"' in text  # the input is kept
    assert not _user_exists(app, "nieuwecollega")


def test_an_administrator_creates_a_user_with_a_good_password(app, browser) -> None:
    browser.login("beheerder")
    resp = _add_user(browser, GOOD)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert _user_exists(app, "nieuwecollega")
    Browser(app).login("nieuwecollega", GOOD)


def test_changing_your_own_password_asks_for_the_current_one(app, browser) -> None:
    browser.login("ggd")
    form = browser.get("/resetmypassword/form")
    assert 'name="current_password"' in form.get_data(as_text=True)
    wrong = browser.submit("/resetmypassword/form", {
        "current_password": "niet mijn wachtwoord", "password": GOOD,
        "conf_password": GOOD})
    assert "niet uw huidige wachtwoord" in wrong.get_data(as_text=True)
    Browser(app).login("ggd")  # unchanged
    weak = browser.submit("/resetmypassword/form", {
        "current_password": DEMO_PASSWORD, "password": "kort", "conf_password": "kort"})
    assert "minstens 12 tekens" in weak.get_data(as_text=True)
    done = browser.submit("/resetmypassword/form", {
        "current_password": DEMO_PASSWORD, "password": GOOD, "conf_password": GOOD})
    assert done.status_code == 302
    Browser(app).login("ggd", GOOD)
    with pytest.raises(AssertionError):
        Browser(app).login("ggd", DEMO_PASSWORD)


def test_the_user_api_applies_the_rules(app: Flask) -> None:
    """Flask-AppBuilder's user API validates passwords through the same hook."""
    from flask_appbuilder.security.sqla.apis.user.validator import PasswordComplexityValidator
    from marshmallow import ValidationError

    with app.test_request_context(headers={"Accept-Language": "nl"}):
        with pytest.raises(ValidationError, match="minstens 12 tekens"):
            PasswordComplexityValidator()("kort")
        assert PasswordComplexityValidator()(GOOD) == GOOD


def test_the_cli_applies_the_rules(app: Flask) -> None:
    from flask_appbuilder.cli import create_user, reset_password

    runner = app.test_cli_runner()
    weak = runner.invoke(create_user, args=["--role", "Ketenpartner",
                               "--username", "clinieuw", "--firstname", "Cli",
                               "--lastname", "Nieuw", "--email", "cli@example.org",
                               "--password", "kort1234"])
    assert weak.exit_code != 0
    assert "12" in weak.output
    assert not _user_exists(app, "clinieuw")
    reset = runner.invoke(reset_password, args=["--username", "ggd",
                                "--password", "qwerty123456"])
    assert reset.exit_code != 0
    Browser(app).login("ggd")
    good = runner.invoke(reset_password, args=["--username", "ggd", "--password", GOOD])
    assert good.exit_code == 0, good.output
    Browser(app).login("ggd", GOOD)


def test_the_login_page_still_lets_demo_users_in(app: Flask) -> None:
    assert csrf_token
    Browser(app).login("beheerder", DEMO_PASSWORD)
