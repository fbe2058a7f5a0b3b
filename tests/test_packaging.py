"""The installation holds one top-level package, ``casusregie`` (setup.py), and nothing in
the code still imports the folders by their old top-level names (``app``, ``reports``,
``plugins``, ``config``): such an import would load a second copy of every model."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OLD_NAMES = {"app", "reports", "plugins", "config"}
SOURCES = ("app", "reports", "plugins", "tests", "benchmarks", "scripts", "migrations")


def _old_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}"
                  for name in names if name.split(".")[0] in OLD_NAMES]
    return found


def test_nothing_imports_the_old_top_level_names() -> None:
    files = [ROOT / "run.py", ROOT / "config.py"]
    for folder in SOURCES:
        files += [p for p in (ROOT / folder).rglob("*.py")
                  if not {".venv", "__pycache__", "vendor"}.intersection(p.parts)]
    offenders = [hit for path in files for hit in _old_imports(path)]
    assert not offenders, "import casusregie.<name> instead:\n" + "\n".join(offenders)


def _wheel(tmp_path: Path) -> Path:
    # Built without isolation, with the setuptools of this environment: no index needed.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=180)
    (wheel,) = tmp_path.glob("casusregie-*.whl")
    return wheel


# The wheel does not depend on the database: built and run in the SQLite run only.
ONCE = pytest.mark.skipif(os.environ.get("CASUS_TEST_DB", "sqlite").strip().lower() != "sqlite",
                          reason="the wheel is checked in the SQLite run only")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return _wheel(tmp_path_factory.mktemp("wheel"))


@ONCE
def test_the_wheel_installs_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        tops = {name.split("/")[0] for name in names}
        top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        assert archive.read(top_level).decode().split() == ["casusregie"]
        entry_points = archive.read(next(n for n in names
                                         if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert {t for t in tops if not t.endswith(".dist-info")} == {"casusregie"}
    # Every module of the three folders is in, and the files the app reads beside them.
    expected = {f"casusregie/{p.relative_to(ROOT).as_posix()}"
                for folder in ("app", "reports", "plugins")
                for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts}
    assert expected - set(names) == set()
    for wanted in ("casusregie/config.py", "casusregie/app/templates/casus/case_show.html",
                   "casusregie/app/static/casus.css", "casusregie/migrations/env.py",
                   "casusregie/migrations/alembic.ini", "casusregie/reports/fonts/DejaVuSans.ttf"):
        assert wanted in names, wanted
    assert not [n for n in names if n.startswith("casusregie/") and n.count("/") == 1
                and n != "casusregie/config.py"], "only config.py sits in casusregie/"
    assert "zorg = casusregie.plugins.zorg" in entry_points


@ONCE
def test_the_wheel_runs_on_its_own(wheel: Path, tmp_path: Path) -> None:
    """Installed from the wheel alone (no checkout on the path): the app is built with its
    templates, static files and compiled translations, and the flask command finds it and
    its migrations."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                    "--target", str(target), str(wheel)], check=True, capture_output=True,
                   timeout=120)
    # -S: no site-packages processing, so the checkout's editable install is not seen; the
    # libraries come from this environment's site-packages, named explicitly after the wheel.
    env = {**os.environ, "PYTHONPATH": f"{target}{os.pathsep}{sysconfig.get_paths()['purelib']}",
           "CASUS_DATABASE_URL": f"sqlite:///{tmp_path / 'wheel.db'}", "CASUS_PLUGINS": "zorg"}
    code = ("import sys, casusregie.app as a, casusregie.config as c\n"
            "app = a.create_app()\n"
            "app.jinja_env.get_template('casus/case_show.html')\n"
            "mo = c.BASE_DIR / 'translations' / 'nl' / 'LC_MESSAGES' / 'messages.mo'\n"
            "print(a.__file__, app.test_client().get('/static/casus.css').status_code,"
            " mo.is_file())\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{sorted(OLD_NAMES)!r}))\n")
    result = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    where, status, translated = result.stdout.splitlines()[0].split()
    assert Path(where).is_relative_to(target), where
    assert (status, translated) == ("200", "True"), result.stdout
    assert result.stdout.splitlines()[1] == "[]", "a module loaded under an old name"
    heads = subprocess.run([sys.executable, "-S", "-m", "flask", "--app", "casusregie.app",
                            "db", "heads"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120)
    assert heads.returncode == 0 and "(head)" in heads.stdout, heads.stderr
