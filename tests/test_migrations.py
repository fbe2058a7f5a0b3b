"""Migrations build the schema from nothing and agree with the models."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from flask_migrate import upgrade

from tests.support import make_app


def _empty_database_url(test_database, tmp_path) -> tuple[str, callable]:
    if hasattr(test_database, "create_empty"):
        name = f"casus_empty_{uuid.uuid4().hex[:8]}"
        return test_database.create_empty(name), lambda: test_database.drop_named(name)
    return f"sqlite:///{tmp_path / 'empty.db'}", lambda: None


def test_upgrade_from_empty_and_models_match(test_database, tmp_path) -> None:
    url, cleanup = _empty_database_url(test_database, tmp_path)
    try:
        app = make_app(url)
        from casusregie.app.extensions import db

        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                tables = set(sa.inspect(conn).get_table_names())
                assert {"ab_user", "ab_role", "case", "intervention", "signal"} <= tables
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": False})
                diff = compare_metadata(context, Model.metadata)
            db.session.remove()
            db.engine.dispose()
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        cleanup()


def test_init_is_idempotent(app) -> None:
    from casusregie.app.extensions import db
    from casusregie.app.setup import init_all

    with app.app_context():
        first = init_all()
        assert all(count == 0 for count in first.values()), first
        roles = db.session.execute(sa.text("SELECT count(*) FROM ab_role")).scalar()
        init_all()
        assert db.session.execute(sa.text("SELECT count(*) FROM ab_role")).scalar() == roles


def test_conference_times_are_converted_to_utc(test_database, tmp_path) -> None:
    """i14_0001: conference times stored as typed (Amsterdam) become UTC, and back."""
    from flask_migrate import downgrade

    url, cleanup = _empty_database_url(test_database, tmp_path)
    try:
        app = make_app(url)
        from casusregie.app.extensions import db

        def held_on() -> list[str]:
            with db.engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT held_on FROM case_conference ORDER BY id")).scalars().all()
            return [str(row)[:16] for row in rows]

        with app.app_context():
            upgrade(revision="665378b32414")
            with db.engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO case_conference (held_on, status) VALUES "
                    "('2027-01-15 14:00:00', 'planned'), ('2027-07-15 14:00:00', 'planned')"))
            upgrade(revision="i14_0001_conference_times_utc")
            assert held_on() == ["2027-01-15 13:00", "2027-07-15 12:00"]
            downgrade(revision="665378b32414")
            assert held_on() == ["2027-01-15 14:00", "2027-07-15 14:00"]
            db.session.remove()
            db.engine.dispose()
    finally:
        cleanup()
