"""Deprecations are shown, and are errors when Casusregie's own code causes them (the
``filterwarnings`` of pyproject.toml): an upgrade of a library cannot slip past the suite."""

from __future__ import annotations

import warnings

import pytest


def _warn_from(module: str, category: type[Warning] = DeprecationWarning) -> None:
    warnings.warn_explicit("old way", category, f"{module.replace('.', '/')}.py", 1,
                           module=module, registry={})


@pytest.mark.parametrize("module", ["casusregie.app", "casusregie.app.views.casework",
                                    "casusregie.reports.dossier", "casusregie.plugins.zorg",
                                    "benchmarks.generate", "tests.support"])
@pytest.mark.parametrize("category", [DeprecationWarning, PendingDeprecationWarning])
def test_a_deprecation_in_our_own_code_fails_the_suite(module, category) -> None:
    with pytest.raises(category):
        _warn_from(module, category)


@pytest.mark.parametrize("module", ["flask_appbuilder.fields", "marshmallow_sqlalchemy",
                                    "appdirs", "reportlab.lib"])
def test_a_deprecation_in_a_library_is_shown_not_raised(module) -> None:
    # Recorded under the suite's own filters (``pytest.warns`` would override them).
    with warnings.catch_warnings(record=True) as caught:
        _warn_from(module)
    assert [w.category for w in caught] == [DeprecationWarning]
