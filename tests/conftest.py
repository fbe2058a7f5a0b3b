"""Test set-up: one migrated, seeded template database per run, copied for every test.

A test module (or test) marked ``rollback`` does not get a copy: it runs inside one
transaction on the work database that is rolled back afterwards (the app's commits
become savepoints), like Warehouse's ``db_session``. Mark only tests that stay in one
thread and never open connections of their own (no concurrency tests, no browser
journeys, no plugin migrations); the others keep the fresh copy.

``CASUS_TEST_DB`` picks the database: ``sqlite`` (default) or ``postgresql``. For
PostgreSQL ``CASUS_TEST_POSTGRES_URL`` names the server (default: the local one,
user ``postgres``); every run creates and drops its own throwaway databases.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("CASUS_ENV", "testing")
os.environ.setdefault("CASUS_RATELIMIT_ENABLED", "false")

from tests.support import Browser, TestDatabase, build_seeded_app  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _backend() -> str:
    return os.environ.get("CASUS_TEST_DB", "sqlite").strip().lower()


def pytest_report_header(config) -> str:
    return f"Casusregie test database: {_backend()}"


class SQLiteDatabase(TestDatabase):
    def __init__(self, root: Path) -> None:
        self.template = root / "template.db"
        self.path = root / "work.db"
        super().__init__(f"sqlite:///{self.template}", f"sqlite:///{self.path}")

    def reset(self) -> None:
        shutil.copyfile(self.template, self.path)

    def drop(self) -> None:
        pass


class PostgresDatabase(TestDatabase):
    def __init__(self, server_url: str) -> None:
        self.server = sa.engine.make_url(server_url)
        tag = uuid.uuid4().hex[:10]
        self.template_name = f"casus_tpl_{tag}"
        self.work_name = f"casus_test_{tag}"
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT",
                                      poolclass=sa.pool.NullPool)
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.template_name}"')
        super().__init__(
            self.server.set(database=self.template_name).render_as_string(hide_password=False),
            self.server.set(database=self.work_name).render_as_string(hide_password=False),
        )

    def reset(self) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.work_name}" WITH (FORCE)')
            conn.exec_driver_sql(
                f'CREATE DATABASE "{self.work_name}" TEMPLATE "{self.template_name}"')

    def create_empty(self, name: str) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop_named(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in (self.work_name, self.template_name):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def _postgres_url() -> str:
    return os.environ.get("CASUS_TEST_POSTGRES_URL") or DEFAULT_PG_URL


@pytest.fixture(scope="session")
def test_database(tmp_path_factory) -> Iterator[TestDatabase]:
    backend = _backend()
    if backend == "sqlite":
        database: TestDatabase = SQLiteDatabase(tmp_path_factory.mktemp("db"))
    elif backend == "postgresql":
        try:
            database = PostgresDatabase(_postgres_url())
        except sa.exc.OperationalError as exc:  # pragma: no cover - depends on machine
            pytest.exit(f"PostgreSQL is not reachable at {_postgres_url()}: {exc}", returncode=3)
    else:
        pytest.exit(f"CASUS_TEST_DB={backend!r} is not known (sqlite or postgresql)",
                    returncode=4)
    database.build_template()
    database.reset()
    _TEST_DATABASE[0] = database
    _fresh_state[0] = True
    yield database
    database.drop()


_TEST_DATABASE: list[TestDatabase] = [None]  # type: ignore[list-item]


@pytest.fixture(scope="session")
def _session_app(test_database: TestDatabase):
    return build_seeded_app(test_database.work_url)


@pytest.fixture()
def app(request, _session_app, test_database: TestDatabase):
    """The shared app on a fresh copy of the seeded demo database — or, for a test
    marked ``rollback``, inside a transaction that is rolled back afterwards."""
    from app.extensions import db

    if request.node.get_closest_marker("rollback"):
        with _rolled_back(_session_app):
            yield _session_app
        return
    with _session_app.app_context():
        db.session.remove()
        db.engine.dispose()
    test_database.reset()
    _fresh_state[0] = False  # this test may change its copy
    yield _session_app
    with _session_app.app_context():
        db.session.remove()


#: Whether the work database is an untouched copy (a rolled-back test leaves it so).
_fresh_state = [False]


@contextlib.contextmanager
def _rolled_back(flask_app) -> Iterator[None]:
    """Every session of ``flask_app`` on one connection in an outer transaction; the
    sessions' commits release savepoints, and the end rolls everything back."""
    from app.extensions import db

    with flask_app.app_context():
        db.session.remove()
        engine = db.engine
        if not _fresh_state[0]:  # the previous test changed the copy: start from a new one
            engine.dispose()
            _TEST_DATABASE[0].reset()
            _fresh_state[0] = True
        connection = engine.connect()
        # Flask-AppBuilder asks ``session.get_bind().name`` (an Engine's attribute).
        connection.name = engine.name
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # pysqlite starts transactions itself and breaks savepoints: take over.
            connection.connection.driver_connection.isolation_level = None
        outer = connection.begin()
        if sqlite:
            connection.exec_driver_sql("BEGIN")
        engines = db._app_engines[flask_app]
        factory = db.session.session_factory
        previous_mode = factory.kw.get("join_transaction_mode")
        engines[None] = connection
        factory.kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield
    finally:
        with flask_app.app_context():
            db.session.remove()
        engines[None] = engine
        if previous_mode is None:
            factory.kw.pop("join_transaction_mode", None)
        else:
            factory.kw["join_transaction_mode"] = previous_mode
        outer.rollback()
        if sqlite:
            connection.connection.driver_connection.isolation_level = ""
        connection.close()


@pytest.fixture()
def browser(app) -> Browser:
    """A test-client user agent that logs in through the real login form."""
    return Browser(app)


@pytest.fixture()
def db_backend() -> str:
    return _backend()


CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    return os.environ.get("CASUS_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


# One browser for the whole run, shared by the journeys in tests/e2e and the
# accessibility crawl: Playwright's sync API cannot be started twice in one process.
@pytest.fixture(scope="session")
def _chromium():
    path = chromium_path()
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI but was not found")
        pytest.skip("chromium not installed: browser journeys skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def built_in_app(test_database, tmp_path_factory):
    """The demo as `make run` serves it, with the built-in plugins and their screens; one
    database for the run, shared by the crawls that only read (language, forms)."""
    from app.extensions import db
    from tests.plugins.support import BUILT_IN, build_database, empty_database

    url, cleanup = empty_database(test_database, tmp_path_factory.mktemp("demo"), "demo")
    app = build_database(url, BUILT_IN)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cleanup()
