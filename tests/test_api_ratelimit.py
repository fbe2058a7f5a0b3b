"""The API login and the HTML login count against the same per-account total.

The shared test app runs without throttling; this test builds its own app with it on.
"""

from __future__ import annotations

import pytest

from tests.login_support import api_login, cheapen_passwords, html_login, throttled_app

# The login throttle and the security events write on connections of their own.
pytestmark = pytest.mark.fresh_db

LOGIN = "/api/v1/security/login"


def test_api_and_form_failures_add_up_for_one_account(app, test_database) -> None:
    limited = throttled_app(test_database.work_url, CASUS_LOGIN_FREE_FAILURES=5)
    cheapen_passwords(limited, "ggd")
    client = limited.test_client()
    for attempt in range(3):
        assert api_login(client, "ggd", f"guess-{attempt}").status_code == 401
    for attempt in range(2):
        html_login(client, "ggd", f"form-guess-{attempt}")

    refused = api_login(client, "ggd")
    assert refused.status_code == 429
    assert refused.json["message"] == (
        "Te veel mislukte inlogpogingen voor dit account. Wacht een paar minuten en "
        "probeer het opnieuw.")
    assert "access_token" not in refused.text
    # Another account from the same address is not affected.
    assert api_login(client, "coordinator").status_code == 200


def test_the_shared_test_app_runs_without_the_limit(app) -> None:
    client = app.test_client()
    for attempt in range(12):
        resp = client.post(LOGIN, json={"username": "ggd", "password": f"guess-{attempt}",
                                        "provider": "db"})
        assert resp.status_code == 401
