"""``flask casus audit-verify``: recompute the hash chain of the audit trail."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken record."""
    from casusregie.app.audit.chain import verify
    from casusregie.app.extensions import db

    verdict = verify(db.session)
    if not verdict.ok:
        where = (f"record id {verdict.broken_id} (seq {verdict.broken_seq})"
                 if verdict.broken_id is not None else "chain head")
        click.echo(f"audit trail BROKEN at {where}: {verdict.reason}; "
                   f"{verdict.count} records before it are intact", err=True)
        raise SystemExit(1)
    click.echo(f"audit trail intact: {verdict.count} records, head {verdict.head}, "
               f"details removed by retention: {verdict.details_removed}")



@click.command("audit-verify-pdf")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def audit_verify_pdf_command(path: str) -> None:
    """Check an exported audit trail PDF's signature; exit 1 when it does not hold."""
    from pathlib import Path

    from casusregie.app.extensions import db
    from casusregie.reports.audit import verify_pdf

    verdict = verify_pdf(Path(path).read_bytes(), db.session)
    if not verdict.ok:
        click.echo(f"{path}: NOT VALID: {verdict.reason}", err=True)
        raise SystemExit(1)
    click.echo(f"{path}: signature valid; {verdict.records} records of the audit trail, "
               f"title {verdict.title!r}")
