"""Set-up shared by the partner-API tests: keys of an organisation, issued as the
functional administrator's screen issues them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask

from casusregie.app.access import system_access
from casusregie.app.auth.api_keys import SCOPES, issue_key
from casusregie.app.models import Organisation


def issue_test_key(app: Flask, org_prefix: str, scopes: Iterable[str] = tuple(SCOPES),
                   expires_on: dt.datetime | None = None, name: str = "Registratiesysteem"
                   ) -> str:
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test set-up"):
        try:
            organisation = db.session.scalars(sa.select(Organisation).where(
                Organisation.name.startswith(org_prefix))).one()
            _key, raw = issue_key(db.session, organisation, name, scopes, expires_on)
            db.session.commit()
            return raw
        finally:
            db.session.remove()


def key_headers(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def system_username(app: Flask, org_prefix: str) -> str:
    """The user name of an organisation's system user (made when its first key is)."""
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test set-up"):
        try:
            org_id = db.session.scalars(sa.select(Organisation.id).where(
                Organisation.name.startswith(org_prefix))).one()
            return f"systeem-{org_id}"
        finally:
            db.session.remove()
