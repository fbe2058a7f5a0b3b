"""Enabling and disabling plugins, their migrations, and the start-up checks."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.plugins.support import BUILT_IN, built_in_copy, plugin_app
from tests.support import Browser, make_app

ROOT = Path(__file__).resolve().parents[1]


def _flask(url: str, plugins: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``flask --app casusregie.app ...`` in a new process, as after a restart."""
    env = {**os.environ, "CASUS_DATABASE_URL": url, "CASUS_PLUGINS": plugins,
           "CASUS_ENV": "testing", "CASUS_RATELIMIT_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "casusregie.app", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _python(url: str, plugins: str, code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASUS_DATABASE_URL": url, "CASUS_PLUGINS": plugins,
           "CASUS_ENV": "testing", "CASUS_RATELIMIT_ENABLED": "false",
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


#: A restart in one new process: the command-line steps (``cli db upgrade``), each as
#: ``flask --app casusregie.app ...`` runs them, then an app made afresh for the case
#: director, who fetches pages (``get /``). One process instead of one per command: each
#: start costs seconds of imports and start-up.
_RESTART = """
import os, sys
from tests.support import Browser, make_app
url = os.environ["CASUS_DATABASE_URL"]
cli_app = make_app(url)
commands = cli_app.test_cli_runner()
browser = None
for step in sys.argv[1:]:
    kind, _, rest = step.partition(" ")
    if kind == "cli":
        with cli_app.app_context():  # as ``flask`` pushes it for every command
            result = commands.invoke(args=rest.split())
        print("cli", rest, "exit", result.exit_code)
        print(result.output)
        if result.exit_code:
            sys.exit(f"{rest} failed: {result.exception!r}")
        continue
    browser = browser or Browser(make_app(url)).login("regisseur")
    page = browser.get(rest)
    print(rest, page.status_code, "Bestuurlijke maatregelen" in page.text,
          "BM-KEEP" in page.text, "Kenmerk besluit" in page.text)
"""


def _restart(url: str, plugins: str, *steps: str) -> subprocess.CompletedProcess:
    return _python(url, plugins, _RESTART, *steps)


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


@pytest.fixture()
def database(test_database):
    """The demo database as migrations, ``casus init`` and the demo data build it with the
    built-in plugins (``tests.plugins.support.build_database``): a copy of the run's one."""
    url, cleanup = built_in_copy(test_database, "lifecycle")
    yield url
    cleanup()


def test_disable_restart_and_enable_again_keeps_the_data(database) -> None:
    app = plugin_app(database, BUILT_IN)
    case_id = _count(database, "SELECT id FROM \"case\" WHERE number = 'CR-2025-0001'")
    with app.app_context():
        type_id = _count(database, "SELECT id FROM intervention_type "
                                   "WHERE kind = 'bestuurlijk.measure'")
    today = dt.date.today()
    resp = Browser(app).login("regisseur").submit("/administrativemeasuremodelview/add", {
        "case": str(case_id), "type": str(type_id), "measure": "area_ban",
        "legal_basis": "Art. 2 Twbmt", "decree_date": (today - dt.timedelta(days=10)).isoformat(),
        "decree_reference": "BM-KEEP", "valid_until": (today + dt.timedelta(days=10)).isoformat(),
        "appeal_status": "none", "status": "active"})
    assert resp.status_code == 302, resp.text
    from casusregie.app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    # Restart without bestuurlijk: migrations, init and the screens keep working.
    without = "zorg,jongerenwerk"
    run = _restart(database, without, "cli db upgrade", "cli casus plugins-upgrade",
                   "cli casus init", "cli casus plugins", "get /",
                   "get /interventionmodelview/list/")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "bestuurlijk: installed, disabled" in run.stdout
    # Pages load; the plugin's menu entry is gone; its intervention is listed as a plain one.
    assert "/ 200 False" in run.stdout
    assert "/interventionmodelview/list/ 200 False" in run.stdout
    assert _count(database, "SELECT count(*) FROM bestuurlijk_measure "
                            "WHERE decree_reference = 'BM-KEEP'") == 1
    assert _count(database, "SELECT count(*) FROM intervention "
                            "WHERE kind = 'bestuurlijk.measure'") == 1

    # Enabled again: everything is back.
    pk = _count(database, "SELECT id FROM bestuurlijk_measure WHERE decree_reference = 'BM-KEEP'")
    run = _restart(database, ",".join(BUILT_IN), "cli db upgrade",
                   "cli casus plugins-upgrade", "get /",
                   f"get /administrativemeasuremodelview/show/{pk}")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "/ 200 True" in run.stdout  # menu entry and the expiry warning
    assert f"/administrativemeasuremodelview/show/{pk} 200 True True True" in run.stdout, \
        run.stdout + run.stderr[-2000:]


def test_core_autogenerate_leaves_plugin_tables_alone(database) -> None:
    """With plugin tables in the database the core migrations still match the models."""
    result = _flask(database, "zorg,jongerenwerk,bestuurlijk", "db", "check")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


def test_plugin_migrations_match_plugin_models(database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from casusregie.app.extensions import db
    from casusregie.app.plugins import plugins_of

    app = plugin_app(database, BUILT_IN)
    with app.app_context():
        specs = plugins_of(app).migrations
        assert set(specs) == set(BUILT_IN)
        with db.engine.connect() as conn:
            for plugin, spec in specs.items():
                tables = set(spec.metadata.tables)

                def own(obj, name, type_, reflected, compare_to, tables=tables):
                    table = name if type_ == "table" else getattr(
                        getattr(obj, "table", None), "name", None)
                    return table in tables

                ctx = MigrationContext.configure(conn, opts={
                    "compare_type": True, "include_object": own,
                    "version_table": spec.version_table})
                diff = compare_metadata(ctx, spec.metadata)
                assert diff == [], f"{plugin}: models and migrations disagree: {diff}"
                assert ctx.get_current_revision() is not None
        db.session.remove()
        db.engine.dispose()
    for plugin in BUILT_IN:
        assert _count(database, f"SELECT count(*) FROM alembic_version_{plugin}") == 1


# --- start-up checks ------------------------------------------------------------------

def test_missing_plugin_stops_start_up_with_its_name(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        make_app("sqlite://", PLUGINS=["zorg", "bestaatniet"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Casusregie: plugin 'bestaatniet' is enabled in PLUGINS but not "
                          "installed")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_broken_plugin_stops_start_up_with_its_name(capsys) -> None:
    from tests.plugins.support import ensure_example_installed

    ensure_example_installed()
    with pytest.raises(SystemExit):
        make_app("sqlite://", PLUGINS=["voorbeeld_kapot"])
    err = capsys.readouterr().err.strip()
    assert "plugin 'voorbeeld_kapot'" in err and "failed to load" in err
    assert "needs a library that is not installed" in err
    assert len(err.splitlines()) == 1


def test_broken_plugin_through_the_command_line() -> None:
    result = _flask("sqlite://", "zorg,bestaatniet", "casus", "plugins")
    assert result.returncode != 0
    assert "plugin 'bestaatniet'" in result.stderr
    assert "Traceback" not in result.stderr


def test_plugins_setting_from_the_environment(monkeypatch) -> None:
    from casusregie.config import build_config

    monkeypatch.setenv("CASUS_PLUGINS", " zorg, bestuurlijk ,")
    assert build_config()["PLUGINS"] == ["zorg", "bestuurlijk"]
    monkeypatch.setenv("CASUS_PLUGINS", "")
    assert build_config()["PLUGINS"] == []
    monkeypatch.delenv("CASUS_PLUGINS")
    for env in ("development", "testing"):
        monkeypatch.setenv("CASUS_ENV", env)
        assert build_config()["PLUGINS"] == []


def test_plugins_are_per_app() -> None:
    from casusregie.app.plugins import plugins_of

    with_zorg = plugin_app("sqlite://", ["zorg"])
    without = plugin_app("sqlite://", [])
    assert plugins_of(with_zorg).names == ("zorg",)
    assert plugins_of(without).names == ()
    assert "CareTrajectoryModelView.list" in with_zorg.view_functions
    assert "CareTrajectoryModelView.list" not in without.view_functions


# --- the contract ---------------------------------------------------------------------

def test_every_hook_is_documented() -> None:
    from casusregie.app.hookspecs import HOOK_NAMES, HookSpecs

    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert len(HOOK_NAMES) >= 10
    for name in HOOK_NAMES:
        doc = inspect.getdoc(getattr(HookSpecs, name))
        assert doc and len(doc) > 30, f"hook {name} has no docstring"
        assert re.search(rf"^#+ `{name}", guide, re.M), f"hook {name} missing in plugins.md"


def test_plugins_only_implement_known_hooks() -> None:
    import importlib

    from casusregie.app.hookspecs import HOOK_NAMES

    for plugin in BUILT_IN:
        module = importlib.import_module(f"casusregie.plugins.{plugin}")
        implemented = {name for name, value in vars(module).items()
                       if callable(value) and hasattr(value, "casusregie_impl")}
        assert implemented, plugin
        assert implemented <= set(HOOK_NAMES), implemented - set(HOOK_NAMES)
