"""Databases and apps with plugins enabled, built beside the shared test fixtures."""

from __future__ import annotations

import importlib
import importlib.metadata
import site
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from tests.support import bare_template, make_app, migrate_and_seed

BUILT_IN = ["zorg", "jongerenwerk", "bestuurlijk"]
EXAMPLE_DIR = Path(__file__).resolve().parent / "casus_voorbeeld"
EXAMPLE_ENTRY_POINT = "voorbeeld"


def empty_database(test_database, tmp_path: Path, label: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the backend under test, and how to drop it."""
    if hasattr(test_database, "create_empty"):
        name = f"casus_{label}_{uuid.uuid4().hex[:8]}"
        return test_database.create_empty(name), lambda: test_database.drop_named(name)
    return f"sqlite:///{tmp_path / f'{label}.db'}", lambda: None


def plugin_app(url: str, plugins: list[str], **overrides) -> Flask:
    return make_app(url, PLUGINS=list(plugins), **overrides)


def build_database(url: str, plugins: list[str]) -> Flask:
    """Migrate the core and the plugins, run ``casus init`` and seed the demo data."""
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db
    from casusregie.app.plugin_manager import upgrade_plugin_schemas

    app = plugin_app(url, plugins)
    with app.app_context(), system_access("test set-up"):
        from flask_migrate import upgrade

        upgrade()
        upgrade_plugin_schemas()
        db.session.remove()
    migrate_and_seed(app)
    return app


def built_in_copy(test_database, label: str) -> tuple[str, Callable[[], None]]:
    """A copy of the demo database with the built-in plugins (``build_database``), and how
    to drop it. The database is built once per run and copied for each user of it."""
    def build(url: str) -> None:
        # Enabling plugins on an installed database, as an administrator would: the core
        # is migrated and initialised already (the run's bare database).
        test_database.fill_from(bare_template(test_database), url)
        _dispose(build_database(url, BUILT_IN))

    template = test_database.shared_template("built_in", build)
    return test_database.copy_of(template, label)


def built_in_app(test_database, label: str) -> tuple[Flask, Callable[[], None]]:
    """An app with the built-in plugins on its own copy of their demo database, and how to
    close it and drop the copy."""
    url, drop = built_in_copy(test_database, label)
    app = plugin_app(url, BUILT_IN)

    def close() -> None:
        _dispose(app)
        drop()

    return app, close


def _dispose(app: Flask) -> None:
    """Close the app's connections (PostgreSQL copies no database anyone is connected to)."""
    from casusregie.app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def compile_catalogues(directory: Path) -> None:
    for po in directory.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as src:
            catalogue = read_po(src)
        with po.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalogue)


def ensure_example_installed() -> None:
    """Install the example plugin as its own distribution when it is not installed yet.

    ``make install`` installs it; this covers a virtualenv built without the Makefile.
    """
    found = {ep.name for ep in importlib.metadata.entry_points(group="casusregie.plugins")}
    if EXAMPLE_ENTRY_POINT not in found:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "-e", str(EXAMPLE_DIR)], check=True)
        # Activate the new editable install's path hook in this running interpreter.
        site.addsitedir(sysconfig.get_paths()["purelib"])
        importlib.invalidate_caches()
    compile_catalogues(EXAMPLE_DIR / "casus_voorbeeld" / "translations")
