"""The refusal the access policy raises for a write it does not allow."""

from __future__ import annotations

from werkzeug.exceptions import Forbidden


class AccessDenied(Forbidden):
    """A write the access policy refuses (shown as 403 by Flask, rolled back by FAB)."""
