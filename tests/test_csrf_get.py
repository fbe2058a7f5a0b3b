"""A plain GET, or a POST without a CSRF token, changes nothing."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.support import Browser

# Snapshots every table through a connection of its own: a fresh copy.
pytestmark = pytest.mark.fresh_db

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# Columns a login itself updates; everything else must stay byte-for-byte equal.
_VOLATILE = {"ab_user": {"last_login", "login_count", "fail_login_count", "changed_on"}}
# The audit trail records every read of case content by design (app/audit).
_WRITTEN_BY_READING = {"audit_record", "audit_detail", "audit_chain_head"}


def snapshot(app: Flask) -> dict[str, str]:
    from casusregie.app.extensions import db

    digest: dict[str, str] = {}
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            for table in meta.sorted_tables:
                if table.name in _WRITTEN_BY_READING:
                    continue
                skip = _VOLATILE.get(table.name, set())
                cols = [c for c in table.columns if c.name not in skip]
                rows = conn.execute(sa.select(*cols).order_by(*cols[:1])).fetchall()
                digest[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        db.session.remove()
    return digest


def concrete_urls(app: Flask, method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if "logout" in rule.rule:
            continue
        urls.append(_PARAM.sub("1", rule.rule))
    return sorted(set(urls))


@pytest.mark.parametrize("username", ["coordinator", "beheerder"])
def test_get_requests_change_nothing(app: Flask, username: str) -> None:
    browser = Browser(app).login(username)
    before = snapshot(app)
    urls = concrete_urls(app, "GET")
    assert len(urls) > 50, "route enumeration found suspiciously few routes"
    for url in urls:
        browser.get(url)
    assert snapshot(app) == before


@pytest.mark.parametrize("username", ["coordinator", "beheerder"])
def test_posts_without_csrf_token_are_refused(app: Flask, username: str) -> None:
    browser = Browser(app).login(username)
    before = snapshot(app)
    for url in concrete_urls(app, "POST"):
        if url.startswith("/api/"):
            continue  # the REST API uses bearer tokens, tested separately
        resp = browser.post(url, data={"name": "x", "first_name": "x", "last_name": "x"})
        assert resp.status_code in (400, 404, 405), (url, resp.status_code)
    assert snapshot(app) == before
