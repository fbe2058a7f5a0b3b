"""Plugin manager (placeholder until the plugin system lands).

``dossier_sections(app)`` returns the ``reports.api.DossierSection`` objects that
enabled plugins contribute.
"""

from __future__ import annotations

from flask import Flask

from reports.api import DossierSection


def dossier_sections(app: Flask) -> list[DossierSection]:
    return []
