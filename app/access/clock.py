"""The access rules' clock: admissions run from ``starts_on`` to ``ends_on`` inclusive.

Kept in a module of its own so every rule reads the same day and tests can freeze it with
``monkeypatch.setattr(clock, "today", ...)``.
"""

from __future__ import annotations

import datetime as dt

from casusregie.app import clock as wall_clock


def today() -> dt.date:
    """Today's date as the access rules see it: in Amsterdam, whatever the server's zone."""
    return wall_clock.local_today()
