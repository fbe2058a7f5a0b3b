"""``flask casus audit-verify``: recompute the hash chain of the audit trail."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken record."""
    from app.audit.chain import verify
    from app.extensions import db

    verdict = verify(db.session)
    if not verdict.ok:
        where = (f"record id {verdict.broken_id} (seq {verdict.broken_seq})"
                 if verdict.broken_id is not None else "chain head")
        click.echo(f"audit trail BROKEN at {where}: {verdict.reason}; "
                   f"{verdict.count} records before it are intact", err=True)
        raise SystemExit(1)
    click.echo(f"audit trail intact: {verdict.count} records, head {verdict.head}, "
               f"details removed by retention: {verdict.details_removed}")


def register_cli(_app: Flask) -> None:
    from app.cli import casus_cli

    if "audit-verify" not in casus_cli.commands:
        casus_cli.add_command(audit_verify_command)
