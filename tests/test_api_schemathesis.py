"""The contract holds: schemathesis generates requests from ``/api/v1/_openapi`` for every
operation the caller may use and checks each answer against the contract (no server
error, a documented status code, the documented content type, a body matching its
schema), as a coordinator, a GGD API key and a partner user.

Bounded (``EXAMPLES`` per operation and caller) to keep the run near half a minute; the
fuzz test (``tests/test_fuzz.py``) covers the hand-picked hostile inputs.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz_crawler import TELLTALES, api_token
from tests.partner_api_support import issue_test_key

EXAMPLES = 6
CALLERS = ("coordinator", "ggd-key", "ggd")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _credential(app, caller: str) -> str:
    if caller.endswith("-key"):
        return issue_test_key(app, caller.removesuffix("-key").upper())
    return api_token(app, caller)


def _operations(app, headers):
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("caller", CALLERS)
def test_generated_api_requests_keep_the_contract(app, caller) -> None:
    headers = {"Authorization": f"Bearer {_credential(app, caller)}"}
    operations = _operations(app, headers)
    assert len(operations) >= 7, [op.label for op in operations]
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
            if TELLTALES.search(response.text or ""):
                failures.append(f"{case.method} {case.formatted_path}: telltale")
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # all reported at the end
                for failure in getattr(exc, "exceptions", [exc]):
                    detail = " ".join(str(failure).split())[:300]
                    failures.append(f"{case.method} {case.formatted_path} "
                                    f"{case.query or ''} {str(case.body)[:80]} -> "
                                    f"{response.status_code}: {detail}")

        run()
    assert calls >= len(operations)
    assert failures == [], "\n".join(sorted(set(failures))[:40])
