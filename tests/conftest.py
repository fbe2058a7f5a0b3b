"""Test set-up: one migrated, seeded template database per run; every test starts from it.

How a test is isolated from the others (``app`` fixture):

- By default it runs inside one transaction on the work database that is rolled back
  afterwards, like Warehouse's ``db_session``: every session of the app shares that one
  connection, and the app's commits become savepoints. Cheap (no copy), and a test sees
  its own commits, including those made by requests through the test client.
- A test marked ``fresh_db`` gets a real copy of the template instead (SQLite: a copy by
  SQLite's backup API, which keeps what its write-ahead log holds; PostgreSQL:
  ``CREATE DATABASE ... TEMPLATE``). It needs one when the database is
  used from more than the test's own thread and connection: browser journeys and live
  servers, threads, a second app or engine on the work database, plugin migrations, and
  product code that writes on a connection of its own (the security event log and the
  login throttle: in a rolled-back test their rows are not written).
  ``pytest_collection_modifyitems`` below marks these automatically: everything under
  ``tests/e2e`` and every test using one of ``FRESH_FIXTURES``; modules mark the rest
  themselves (``pytestmark = pytest.mark.fresh_db``, with the reason beside it).
- A rolled-back test that nevertheless reaches the work database another way fails
  with a message saying to mark it ``fresh_db``: a statement on the shared connection
  from another thread, ``db.engine.connect()``, or asking ``test_database.work_url`` (to
  build an app or engine of its own). So a new test is isolated or told why not.

After a ``fresh_db`` test (or one that used ``work_url`` without the ``app`` fixture)
the copy counts as changed, and the next rolled-back test starts from a new copy.
The ``rollback`` marker of older tests is still accepted and changes nothing.

``CASUS_TEST_DB`` picks the database: ``sqlite`` (default) or ``postgresql``. For
PostgreSQL ``CASUS_TEST_POSTGRES_URL`` names the server (default: the local one,
user ``postgres``); every run creates and drops its own throwaway databases.
Passwords are hashed with one PBKDF2 round in tests (``tests.support.make_app``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("CASUS_ENV", "testing")
os.environ.setdefault("CASUS_RATELIMIT_ENABLED", "false")

from tests.support import (  # noqa: E402
    Browser,
    TestDatabase,
    build_seeded_app,
    copy_sqlite_database,
    remove_sqlite_database,
)

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
        copy_sqlite_database(self.template, self.path)

    def fill_from(self, template_url: str, url: str) -> None:
        copy_sqlite_database(sa.engine.make_url(template_url).database,
                             sa.engine.make_url(url).database)

    def new_database(self, label: str) -> str:
        return f"sqlite:///{self.template.parent / f'{label}_{uuid.uuid4().hex[:8]}.db'}"

    def copy_of(self, template_url: str, label: str) -> tuple[str, Callable[[], None]]:
        path = self.template.parent / f"{label}_{uuid.uuid4().hex[:8]}.db"
        copy_sqlite_database(sa.engine.make_url(template_url).database, path)
        return f"sqlite:///{path}", lambda: remove_sqlite_database(path)

    def drop(self) -> None:
        pass


class PostgresDatabase(TestDatabase):
    def __init__(self, server_url: str) -> None:
        self.server = sa.engine.make_url(server_url)
        tag = uuid.uuid4().hex[:10]
        self.template_name = f"casus_tpl_{tag}"
        self.work_name = f"casus_test_{tag}"
        #: Databases made by ``new_database``, dropped with the others at the end.
        self.made: list[str] = []
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

    def fill_from(self, template_url: str, url: str) -> None:
        source = sa.engine.make_url(template_url).database
        name = sa.engine.make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')

    def create_empty(self, name: str) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop_named(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def new_database(self, label: str) -> str:
        name = f"casus_{label}_{uuid.uuid4().hex[:8]}"
        self.made.append(name)
        return self.create_empty(name)

    def copy_of(self, template_url: str, label: str) -> tuple[str, Callable[[], None]]:
        name = f"casus_{label}_{uuid.uuid4().hex[:8]}"
        source = sa.engine.make_url(template_url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        url = self.server.set(database=name).render_as_string(hide_password=False)
        return url, lambda: self.drop_named(name)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in (self.work_name, self.template_name, *self.made):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def _postgres_url() -> str:
    return os.environ.get("CASUS_TEST_POSTGRES_URL") or DEFAULT_PG_URL


#: Fixtures whose tests use the database from another thread or process (a browser, a
#: live server): such a test gets a fresh copy, whatever its module says.
FRESH_FIXTURES = frozenset({"_chromium", "page", "live_server", "demo_server"})

_E2E = Path(__file__).resolve().parent / "e2e"

_THREAD_HINT = ("a rolled-back test used the database from a second thread ({}); "
                "mark it fresh_db (pytest.mark.fresh_db) to give it a copy of its own")
_WORK_URL_HINT = ("a rolled-back test connected to the database on its own (db.engine.connect() "
                  "or test_database.work_url); mark it fresh_db (pytest.mark.fresh_db) to "
                  "give it a copy of its own")


#: The crawls and where they run: the security crawls on PostgreSQL (the production
#: database), the language and form crawls on SQLite (they share one app with plugins).
#: The accessibility crawl marks its languages itself (both on SQLite).
ONE_DATABASE = {
    "test_access_enumeration.py": "postgresql",
    "test_write_enumeration.py": "postgresql",
    "test_fuzz.py": "postgresql",
    "test_api_schemathesis.py": "postgresql",
    "test_i18n_crawl.py": "sqlite",
    "test_forms_crawl.py": "sqlite",
}


#: Browser journeys and where they run. What a browser adds (the page as rendered, its
#: scripts, keyboard and language) does not depend on the database, and the server side
#: of every screen is tested on both databases through the test client; so each journey
#: runs in one of the two runs, which share the journeys about equally. The journeys
#: through the whole case process run on both. A journey not listed here runs on both.
E2E_DATABASE = {
    "test_languages.py": "postgresql",
    "test_partner_journeys.py": "postgresql",
    "test_tasks_journey.py": "postgresql",
    "test_approvals_journey.py": "postgresql",
    "test_stale_edit.py": "postgresql",
    "test_lookup.py": "postgresql",
    "test_session_warning.py": "postgresql",
    "test_mfa_journey.py": "sqlite",
    "test_csp.py": "sqlite",
    "test_access_screens.py": "sqlite",
    "test_management_journey.py": "sqlite",
    "test_screens.py": "sqlite",
    "test_keyboard_journey.py": "sqlite",
    "test_login_refusals.py": "sqlite",
    "test_reports_print.py": "sqlite",
    "test_login_journey.py": "sqlite",
}
#: On both databases: the case from signal to reopening, and a signal about a new person.
E2E_BOTH = frozenset({"test_case_journey.py", "test_signal_journey.py"})


def pytest_collection_modifyitems(config, items) -> None:
    backend = _backend()
    for item in items:
        if item.path.is_relative_to(_E2E) or FRESH_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.fresh_db)
        # The crawls drive every route over HTTP; what they check does not depend on the
        # database, so each runs on one of the two (``one_database``) and both databases
        # are crawled, while the two runs stay within the time of ``make test``.
        marker = item.get_closest_marker("one_database")
        only = marker.args[0] if marker is not None else ONE_DATABASE.get(item.path.name)
        if only is not None and only != backend:
            item.add_marker(pytest.mark.skip(reason=f"a crawl over HTTP: runs on {only} only"))
        elif item.path.is_relative_to(_E2E) and \
                E2E_DATABASE.get(item.path.name, backend) != backend:
            item.add_marker(pytest.mark.skip(
                reason=f"a browser journey: runs on {E2E_DATABASE[item.path.name]} only"))
        # A test that reaches no database checks the same thing in both runs: it runs in
        # the SQLite run only, and the PostgreSQL run (the longer one) skips it.
        elif backend != "sqlite" and "test_database" not in item.fixturenames:
            item.add_marker(pytest.mark.skip(reason="uses no database: runs in the SQLite run"))


class _WorkState:
    """What the tests so far have done to the work database."""

    #: Whether it may differ from the template (a rolled-back test leaves it as it was).
    changed = True
    #: True while a rolled-back test runs: it must reach the database only through the app.
    rolling_back = False
    #: What a rolled-back test did that it may not (checked when the test ends).
    strays: list[str] = []


def _work_url_asked() -> None:
    if _WorkState.rolling_back:
        _WorkState.strays.append(_WORK_URL_HINT)
        pytest.fail(_WORK_URL_HINT, pytrace=False)
    _WorkState.changed = True


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
    database.on_work_url = _work_url_asked
    yield database
    database.drop()


@pytest.fixture(scope="session")
def _session_app(test_database: TestDatabase):
    return build_seeded_app(test_database.work_url)


@pytest.fixture()
def app(request, _session_app, test_database: TestDatabase):
    """The shared app, inside a transaction rolled back after the test — or, for a test
    marked ``fresh_db``, on a fresh copy of the seeded demo database."""
    from casusregie.app.extensions import db

    if not request.node.get_closest_marker("fresh_db"):
        with _rolled_back(_session_app, test_database):
            yield _session_app
        return
    with _session_app.app_context():
        db.session.remove()
        db.engine.dispose()
    test_database.reset()
    _WorkState.changed = True  # this test may change its copy
    yield _session_app
    with _session_app.app_context():
        db.session.remove()


@contextlib.contextmanager
def _rolled_back(flask_app, test_database: TestDatabase) -> Iterator[None]:
    """Every session of ``flask_app`` on one connection in an outer transaction; the
    sessions' commits release savepoints, and the end rolls everything back."""
    from casusregie.app.extensions import db

    with flask_app.app_context():
        db.session.remove()
        engine = db.engine
        if _WorkState.changed:  # a previous test changed the copy: start from a new one
            engine.dispose()
            test_database.reset()
            _WorkState.changed = False
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
        sa.event.listen(connection, "before_cursor_execute", _in_test_thread(threading.get_ident()))
        # ``db.engine`` is this connection now: code opening a connection of its own on it
        # gets the reason instead of an AttributeError.
        connection.connect = _refuse_own_connection
        engines = db._app_engines[flask_app]
        factory = db.session.session_factory
        previous_mode = factory.kw.get("join_transaction_mode")
        engines[None] = connection
        factory.kw["join_transaction_mode"] = "create_savepoint"
    _WorkState.rolling_back = True
    _WorkState.strays = []
    try:
        yield
    finally:
        _WorkState.rolling_back = False
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
        if _WorkState.strays:  # what a stray connection or thread did is not rolled back
            _WorkState.changed = True
    if _WorkState.strays:
        pytest.fail("; ".join(dict.fromkeys(_WorkState.strays)), pytrace=False)


def _refuse_own_connection(*_args, **_kwargs):
    _WorkState.strays.append(_WORK_URL_HINT)
    raise RuntimeError(_WORK_URL_HINT)


def _in_test_thread(owner: int):
    """A statement hook refusing statements from other threads than ``owner``: one
    connection cannot serve two threads, and a test needing two is not a rolled-back one."""

    def check(*_args) -> None:
        if threading.get_ident() != owner:
            hint = _THREAD_HINT.format(threading.current_thread().name)
            _WorkState.strays.append(hint)
            raise RuntimeError(hint)

    return check


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
def built_in_app(test_database):
    """The demo as `make run` serves it, with the built-in plugins and their screens; one
    database for the run, shared by the crawls that only read (language, forms)."""
    from tests.plugins import support

    app, close = support.built_in_app(test_database, "demo")
    yield app
    close()
