"""The contract between the dossier and the sections plugins add to it.

The types live in ``app.hookspecs`` with the rest of the plugin contract; this module
keeps the names importable from where the reports use them.
"""

from __future__ import annotations

from casusregie.app.hookspecs import DossierContext, DossierSection

__all__ = ["DossierContext", "DossierSection"]
