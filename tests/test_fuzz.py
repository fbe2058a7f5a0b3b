"""Issue 13: crafted input never gets a server error or a database message.

Every registered route and API endpoint is sent the input classes of
``tests/fuzz_crawler.py`` as users of different organisations and roles.
"""

from __future__ import annotations

import pytest

from tests.fuzz_crawler import fuzz, login_probes

FUZZ_USERS = ("beheerder", "politie", "ggd")


def _report(findings) -> str:
    return "\n".join(f"{f.request} [{f.status}]: {f.problem}" for f in findings[:60])


@pytest.mark.parametrize("username", FUZZ_USERS)
def test_crafted_input_gets_no_server_error_and_no_database_message(app, username):
    with app.app_context():
        sent, findings = fuzz(app, username)
    assert sent > 500, f"only {sent} probes: the walk tests too little"
    assert findings == [], f"{len(findings)} findings:\n" + _report(findings)


def test_login_with_nul_bytes_is_refused_plainly(app):
    with app.app_context():
        findings = login_probes(app)
    assert findings == [], _report(findings)
