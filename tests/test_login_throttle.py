"""Per-account lockout and per-address limits, counted across apps and both login routes.

Two apps over one database stand for two gunicorn workers: the counters live in the
shared store (the database here), so what one worker counts the other sees.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.login_support import (
    api_login,
    cheapen_passwords,
    html_login,
    html_login_ok,
    throttled_app,
)
from tests.support import Browser, csrf_token

# Second apps over the work database stand for other workers: a fresh copy.
pytestmark = pytest.mark.fresh_db

ADDRESSES = [f"10.20.0.{n}" for n in range(1, 21)]
LOCKED_NL = "Dit account is geblokkeerd na te veel mislukte inlogpogingen"


@pytest.fixture()
def workers(app, test_database):
    first = throttled_app(test_database.work_url)
    second = throttled_app(test_database.work_url)
    cheapen_passwords(first, "om", "ggd", "politie")
    return first, second


def _hammer(workers, username: str, attempts: int) -> None:
    clients = [w.test_client() for w in workers]
    for n in range(attempts):
        client = clients[n % 2]
        address = ADDRESSES[n % len(ADDRESSES)]
        if n % 3:
            resp = api_login(client, username, f"wrong-{n}", address)
            assert resp.status_code in (401, 429), resp.status_code
        else:
            assert not html_login_ok(html_login(client, username, f"wrong-{n}", address))


def test_one_hundred_wrong_passwords_from_twenty_addresses_lock_the_account(workers) -> None:
    first, second = workers
    _hammer(workers, "om", 100)

    # The right password is refused on both workers and both routes, from a fresh address.
    resp = html_login(first.test_client(), "om", address="10.99.0.1", follow=True)
    assert LOCKED_NL in resp.text
    refused = api_login(second.test_client(), "om", address="10.99.0.2")
    assert refused.status_code == 429
    assert refused.json["message"].startswith(LOCKED_NL)
    assert "access_token" not in refused.text

    # Another account from the same addresses still logs in.
    for address in ADDRESSES[:3]:
        assert api_login(second.test_client(), "ggd", address=address).status_code == 200
        assert html_login_ok(html_login(first.test_client(), "ggd", address=address))


def test_an_administrator_unlocks_the_account(workers) -> None:
    first, second = workers
    _hammer(workers, "om", 40)
    assert api_login(first.test_client(), "om").status_code == 429
    api_login(first.test_client(), "ggd", "one-typo")  # counted, not held back

    admin = Browser(second).login("beheerder")
    page = admin.get("/loginblockmodelview/list/")
    assert page.status_code == 200 and ">om<" in page.text
    assert ">ggd<" not in page.text
    from casusregie.app.auth.models import LoginThrottle
    from casusregie.app.extensions import db

    with second.app_context():
        key = db.session.execute(sa.select(LoginThrottle.key).where(
            LoginThrottle.subject == "om")).scalar_one()
    resp = admin.post("/loginblockmodelview/action_post", data={
        "action": "unlock", "rowid": key, "csrf_token": csrf_token(page.text)})
    assert resp.status_code == 302
    assert api_login(first.test_client(), "om").status_code == 200


def test_the_back_off_ends_by_itself(app, test_database) -> None:
    worker = throttled_app(test_database.work_url, CASUS_LOGIN_FREE_FAILURES=3,
                           CASUS_LOGIN_BACKOFF_SECONDS=1)
    cheapen_passwords(worker, "politie")
    client = worker.test_client()
    for n in range(3):
        assert api_login(client, "politie", f"wrong-{n}").status_code == 401
    waiting = api_login(client, "politie")
    assert waiting.status_code == 429
    assert "Wacht een paar minuten" in waiting.json["message"]
    time.sleep(1.2)
    assert api_login(client, "politie").status_code == 200


def test_thirty_successful_logins_from_one_address_are_never_throttled(workers) -> None:
    first, second = workers
    for worker in (first, second):
        worker.config["CASUS_LOGIN_ADDRESS_FAILURES"] = 10
    for n in range(30):
        client = (first, second)[n % 2].test_client()
        if n % 2:
            assert api_login(client, "ggd", address="10.30.0.1").status_code == 200, n
        else:
            assert html_login_ok(html_login(client, "ggd", address="10.30.0.1")), n


def test_failures_from_one_address_are_limited_for_that_address_only(workers) -> None:
    first, second = workers
    for worker in (first, second):
        worker.config["CASUS_LOGIN_ADDRESS_FAILURES"] = 12
    for n in range(12):  # different accounts: only the address limit can stop this
        api_login((first, second)[n % 2].test_client(), f"nobody-{n}", "x", "10.40.0.1")
    refused = api_login(first.test_client(), "ggd", address="10.40.0.1")
    assert refused.status_code == 429
    assert "vanaf uw netwerk" in refused.json["message"]
    assert api_login(first.test_client(), "ggd", address="10.40.0.2").status_code == 200


def test_unknown_and_existing_accounts_are_answered_alike(workers) -> None:
    first, _second = workers
    client = first.test_client()
    answers = {}
    for username in ("om", "no-such-user"):
        for n in range(25):
            last = api_login(client, username, f"wrong-{n}", ADDRESSES[n % 20])
        answers[username] = (last.status_code, last.json["message"])
    assert answers["om"] == answers["no-such-user"]
    assert answers["om"][0] == 429 and answers["om"][1].startswith(LOCKED_NL)
    html = {u: html_login(client, u, "wrong", "10.50.0.1", follow=True).text
            for u in ("om", "no-such-user")}
    assert LOCKED_NL in html["om"] and LOCKED_NL in html["no-such-user"]


def test_lockout_page_is_english_in_english(workers) -> None:
    first, _second = workers
    _hammer(workers, "om", 25)
    client = first.test_client()
    client.get("/lang/en")
    resp = html_login(client, "om", address="10.60.0.1", follow=True)
    assert "This account is blocked after too many failed logins" in resp.text
    assert 'class="casus-navbar' in resp.text or "casus-navbar" in resp.text
    assert LOCKED_NL not in resp.text


def test_a_redis_store_is_shared_as_well(app, test_database) -> None:
    """Two apps on one Redis: the lock one counts holds for the other; the CLI lifts it."""
    import uuid

    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings = {"CASUS_LOGIN_THROTTLE_STORE": url, "CASUS_LOGIN_LOCK_AFTER": 6}
    first = throttled_app(test_database.work_url, **settings)
    second = throttled_app(test_database.work_url, **settings)
    cheapen_passwords(first, "politie")
    name = f"politie-{uuid.uuid4().hex[:6]}"  # parallel runs share the Redis server
    try:
        for n in range(6):
            api_login((first, second)[n % 2].test_client(), name, "wrong", ADDRESSES[n])
        assert first.extensions["casus_login_throttle"].store.read(
            f"account:{name}").locked_at is not None
        for n in range(6):
            api_login((first, second)[n % 2].test_client(), "politie", "wrong", ADDRESSES[n])
        assert api_login(second.test_client(), "politie").status_code == 429
        result = first.test_cli_runner().invoke(args=["casus", "unlock", "politie"])
        assert "unlocked" in result.output
        assert api_login(second.test_client(), "politie").status_code == 200
    finally:
        store = first.extensions["casus_login_throttle"].store
        for key in (f"account:{name}", "account:politie",
                    *(f"address:{a}" for a in ADDRESSES)):
            store.clear(key)
