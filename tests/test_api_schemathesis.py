"""Issue 13: schemathesis generates requests from ``/api/v1/_openapi`` for every operation
and sends them as two users of different organisations; none may get a server error.

Bounded (``EXAMPLES`` per operation and user) to keep the run near half a minute; the
fuzz test (``tests/test_fuzz.py``) covers the hand-picked hostile inputs.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.fuzz_crawler import TELLTALES, api_token

EXAMPLES = 8
USERS = ("ggd", "coordinator")


def _operations(app, headers):
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("username", USERS)
def test_generated_api_requests_get_no_server_error(app, username) -> None:
    headers = {"Authorization": f"Bearer {api_token(app, username)}"}
    operations = _operations(app, headers)
    assert len(operations) >= 10, [op.label for op in operations]
    failures: list[str] = []
    calls = 0
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(headers=headers)
            if response.status_code >= 500 or TELLTALES.search(response.text or ""):
                failures.append(f"{case.method} {case.formatted_path} "
                                f"{case.query or ''} {str(case.body)[:120]} -> "
                                f"{response.status_code} {response.text[:160]}")

        run()
    assert calls >= len(operations)
    assert failures == [], "\n".join(failures[:30])
