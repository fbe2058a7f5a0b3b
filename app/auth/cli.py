"""``flask casus unlock USER``: lift a lockout from the command line (any store)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("unlock")
@click.argument("username")
@with_appcontext
def unlock_command(username: str) -> None:
    """Unlock USERNAME after too many failed logins (also ends its back-off)."""
    from casusregie.app.auth import events
    from casusregie.app.auth.throttle import get_throttle

    get_throttle().unlock(username)
    events.record(events.UNLOCK, username=username, detail="command line")
    click.echo(f"{username}: unlocked")
