"""Helpers shared by the tests: template databases, a form-aware client, query counting."""

from __future__ import annotations

import contextlib
import html as html_module
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from casusregie.app import create_app

DEMO_PASSWORD = "Casusregie-demo-2026"
DEMO_USERNAMES = ("beheerder", "coordinator", "regisseur", "politie", "om", "ggd",
                  "jongerenwerk", "privacy", "management")

#: Tests hash passwords with one PBKDF2 round: the default scrypt costs ~65 ms per login
#: and hash, which was most of the suite's time. Production keeps the default.
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1"

_SAVEPOINT = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)
#: The audit trail's own writes: a fixed cost per page, measured by ``make bench``.
_AUDIT = re.compile(r"\s*((INSERT INTO|UPDATE) audit_(record|detail|chain_head)\b"
                    r"|SELECT audit_chain_head\.|WITH head AS \(UPDATE audit_chain_head\b)",
                    re.I)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def make_app(database_url: str, **overrides) -> Flask:
    cfg = {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
           "CASUS_DEMO_PASSWORD": DEMO_PASSWORD, "RATELIMIT_ENABLED": False,
           "FAB_PASSWORD_HASH_METHOD": CHEAP_PASSWORD_HASH,
           # The hash a failed login checks against, to take as long as a real one.
           "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": generate_password_hash(
               "password", method=CHEAP_PASSWORD_HASH)}
    cfg.update(overrides)
    return create_app(cfg)


def migrate_and_seed(app: Flask, *, demo: bool = True) -> None:
    from flask_migrate import upgrade

    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.setup import init_all

    with app.app_context(), system_access("test template database"):
        upgrade()
        init_all()
        if demo:
            from casusregie.app.demo import seed_demo

            seed_demo()
        db.session.remove()
        db.engine.dispose()


def copy_sqlite_database(source: str | Path, target: str | Path) -> None:
    """Copy a SQLite database through SQLite's backup API, never as a file.

    The app's databases run in write-ahead-log mode (app/database.py): committed changes
    may still sit in ``<name>-wal`` until a checkpoint moves them into the file, so a
    copy of the file alone can miss them or be a damaged database. The backup API reads
    through SQLite (the log included) and writes ``target`` under SQLite's locks, so a
    target that is in use, with a log of its own, is replaced whole as well.
    """
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        # A throwaway copy need not survive a power cut, and the syncs were most of a
        # copy's time (19 MB: about 40 ms without them, 100-300 ms with them).
        dst.execute("PRAGMA synchronous=OFF")
        src.backup(dst)


def remove_sqlite_database(path: str | Path) -> None:
    """Remove a SQLite database with its write-ahead log and shared-memory index: a log
    left behind would be read into the next database made under that name."""
    path = Path(path)
    for name in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        name.unlink(missing_ok=True)


class TestDatabase:
    __test__ = False

    def __init__(self, template_url: str, work_url: str) -> None:
        self.template_url = template_url
        self._work_url = work_url
        #: Told when a test asks for ``work_url`` (tests/conftest.py keeps track).
        self.on_work_url: Callable[[], None] = lambda: None

    @property
    def work_url(self) -> str:
        """The work database, for a test that connects to it with an app or engine of its
        own (such a test needs a fresh copy: see tests/conftest.py)."""
        self.on_work_url()
        return self._work_url

    def build_template(self) -> None:
        """The demo database: the bare one (migrations, ``casus init``), which the run
        keeps for the tests that want no demo data, with the demo data added."""
        self.fill_from(bare_template(self), self.template_url)
        seed_demo_data(make_app(self.template_url))

    def fill_from(self, template_url: str, url: str) -> None:
        """Make the (existing, unused) database at ``url`` a copy of ``template_url``."""
        raise NotImplementedError  # pragma: no cover - overridden

    def shared_template(self, key: str, build: Callable[[str], object]) -> str:
        """The URL of a database ``build(url)`` makes once per run, to copy (``copy_of``).

        Building a database (migrations, ``casus init``, the demo data) costs seconds of
        CPU; a copy costs a SQLite backup or a ``CREATE DATABASE ... TEMPLATE``. The build is
        lazy, so a run that needs no such database builds none.
        """
        templates = self.__dict__.setdefault("_shared", {})
        if key not in templates:
            url = self.new_database(f"tpl_{key}")
            templates[key] = url
            build(url)
        return templates[key]

    def copy_of(self, template_url: str, label: str) -> tuple[str, Callable[[], None]]:
        """A new database with the contents of ``template_url``, and how to drop it."""
        raise NotImplementedError  # pragma: no cover - overridden

    def new_database(self, label: str) -> str:
        """A new empty database on the backend under test, dropped at the end of the run."""
        raise NotImplementedError  # pragma: no cover - overridden

    def reset(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def drop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def bare_template(test_database: TestDatabase) -> str:
    """The URL of the run's migrated, initialised database without demo data (built once;
    the demo databases start as copies of it)."""
    return test_database.shared_template(
        "bare", lambda url: migrate_and_seed(make_app(url), demo=False))


def bare_copy(test_database: TestDatabase, label: str) -> tuple[str, Callable[[], None]]:
    """A migrated, initialised database without the demo data (``casus init`` only), and
    how to drop it: a copy of one built once per run."""
    return test_database.copy_of(bare_template(test_database), label)


def generated_copy(test_database: TestDatabase, label: str, cases: int,
                   seed: int = 11) -> tuple[str, Callable[[], None]]:
    """A copy of the bare database filled with ``cases`` generated cases
    (``benchmarks/generate.py``), and how to drop it."""
    from benchmarks.generate import generate

    url, drop = bare_copy(test_database, label)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        generate(engine, cases, seed, password=DEMO_PASSWORD)
    finally:
        engine.dispose()
    return url, drop


def seed_demo_data(app: Flask) -> None:
    """The demo data on a migrated, initialised database (as ``make run`` seeds it)."""
    from casusregie.app.access import system_access
    from casusregie.app.demo import seed_demo
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test template database"):
        seed_demo()
        db.session.remove()
        db.engine.dispose()


def build_seeded_app(url: str, **overrides) -> Flask:
    return make_app(url, **overrides)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise AssertionError("no csrf_token in page")
    return match.group(1) or match.group(2)


_HIDDEN = re.compile(r'<input[^>]*name="(edit_version|edit_snapshot)"[^>]*>')


def _row_version(html: str) -> dict[str, str]:
    """The hidden version fields of an edit form (``app.views.locking``), if any."""
    found = {}
    for match in _HIDDEN.finditer(html):
        value = re.search(r'value="([^"]*)"', match.group(0))
        found[match.group(1)] = (html_module.unescape(value.group(1)) if value else "")
    return found


@dataclass
class Browser:
    """Drives the app like a person: fetches forms, sends their CSRF token back."""

    app: Flask
    client: FlaskClient = field(init=False)
    user: str | None = None

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    def login(self, username: str, password: str = DEMO_PASSWORD) -> Browser:
        page = self.client.get("/login/")
        resp = self.client.post("/login/", data={
            "username": username, "password": password, "csrf_token": csrf_token(page.text)},
            follow_redirects=False)
        if resp.status_code != 302 or "/login" in resp.headers.get("Location", ""):
            raise AssertionError(f"login of {username} failed: {resp.status_code}")
        self.user = username
        return self

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def submit(self, form_url: str, data: dict, *, post_url: str | None = None, **kw):
        """GET the form page, then POST ``data`` with the page's CSRF token."""
        page = self.client.get(form_url)
        assert page.status_code == 200, f"{form_url}: {page.status_code}"
        # The row version an edit page carries goes back with the form, as in a browser.
        payload = {"csrf_token": csrf_token(page.text), **_row_version(page.text), **data}
        return self.client.post(post_url or form_url, data=payload, **kw)

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data=data or {}, **kw)


@contextlib.contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app sends while the block runs."""
    from casusregie.app.extensions import db

    statements: list[str] = []

    def _record(conn, cursor, statement, *_args) -> None:
        # Savepoints are the rolled-back tests' isolation (conftest), not the app's work.
        if not _SAVEPOINT.match(statement) and not _AUDIT.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", _record)
