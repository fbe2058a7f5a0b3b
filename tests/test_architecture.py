"""The house's import rules hold: no import circles in app/, the access policy on the
ground floor, the plugin contract stand-alone, the authors' toolkit unused by the core.

The contracts are in ``pyproject.toml`` (``[tool.importlinter]``); ``make lint`` runs them
too. This test keeps them in the suite, and proves they bite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_import_contracts_are_kept() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in ("No import circles", "app.access imports only models and roles",
                     "The plugin contract imports nothing", "never imports the plugin"):
        assert contract in result.stdout
    # And they bite: the access policy importing a view (the loop this replaced) is
    # refused. (One test, so no other worker lints while the probe exists.)
    offender = ROOT / "app" / "access" / "_contract_probe.py"
    offender.write_text('"""Probe."""\n\nfrom casusregie.app.views import base  # noqa: F401\n')
    try:
        result = _lint()
    finally:
        offender.unlink()
    assert result.returncode != 0
    assert "app.access imports only models and roles (no views" in result.stdout
    assert "BROKEN" in result.stdout
