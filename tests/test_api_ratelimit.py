"""The API login and the HTML login count against the same per-account total; an API
key has its own rate limit.

The shared test app runs without throttling or rate limits; these tests build their own
app with them on.
"""

from __future__ import annotations

import pytest

from tests.login_support import api_login, cheapen_passwords, html_login, throttled_app
from tests.support import build_seeded_app

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


def test_a_key_over_its_rate_limit_gets_429_in_json(app, test_database) -> None:
    from tests.partner_api_support import issue_test_key, key_headers

    limited = build_seeded_app(test_database.work_url, RATELIMIT_ENABLED=True,
                               CASUS_API_KEY_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    headers = key_headers(issue_test_key(limited, "GGD"))
    answers = [client.get("/api/v1/intervention_type/", headers=headers).status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/case/", headers=headers)
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.json == {"message": "Te veel verzoeken; probeer het later opnieuw."}
    # Another key, and people with a token, are not counted against this key's limit.
    other = key_headers(issue_test_key(limited, "Jongerenwerk"))
    assert client.get("/api/v1/case/", headers=other).status_code == 200
    assert api_login(client, "ggd").status_code == 200
