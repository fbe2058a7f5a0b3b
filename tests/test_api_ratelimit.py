"""The API login is throttled like the HTML login: 10 attempts per 5 minutes per address.

The shared test app runs without rate limits; this test builds its own app with them on.
"""

from __future__ import annotations

from tests.support import DEMO_PASSWORD, build_seeded_app

LOGIN = "/api/v1/security/login"


def test_the_eleventh_api_login_within_five_minutes_is_refused(app, test_database) -> None:
    limited = build_seeded_app(test_database.work_url, RATELIMIT_ENABLED=True)
    assert limited.config["AUTH_RATE_LIMIT"] == "10 per 5 minute"
    client = limited.test_client()
    for attempt in range(10):
        resp = client.post(LOGIN, json={"username": "ggd", "password": f"guess-{attempt}",
                                        "provider": "db"})
        assert resp.status_code == 401, (attempt, resp.status_code)

    refused = client.post(LOGIN, json={"username": "ggd", "password": DEMO_PASSWORD,
                                       "provider": "db"})
    assert refused.status_code == 429
    assert refused.json["message"] == (
        "Te veel inlogpogingen. Wacht een paar minuten en probeer het opnieuw.")
    assert "access_token" not in refused.text

    # Another address is not affected.
    other = client.post(LOGIN, json={"username": "ggd", "password": DEMO_PASSWORD,
                                     "provider": "db"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
    assert other.json["access_token"]


def test_the_shared_test_app_runs_without_the_limit(app) -> None:
    client = app.test_client()
    for attempt in range(12):
        resp = client.post(LOGIN, json={"username": "ggd", "password": f"guess-{attempt}",
                                        "provider": "db"})
        assert resp.status_code == 401
