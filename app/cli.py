"""``flask --app casusregie.app casus ...`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup


def _as_system_job() -> None:
    """`flask casus ...` commands are system jobs: they opt out of the access guard."""
    from casusregie.app.access import system_access

    click.get_current_context().with_resource(system_access("flask casus"))


casus_cli = AppGroup("casus", help="Casusregie administration commands.",
                     callback=_as_system_job)


@casus_cli.command("init")
def init_command() -> None:
    """Create or update roles, permissions and reference data (safe on every deploy)."""
    from casusregie.app.setup import init_all

    granted = init_all()
    for role, count in granted.items():
        click.echo(f"role {role}: {count} permission(s) added")
    click.echo("Casusregie initialised.")


@casus_cli.command("figures-rebuild")
def figures_rebuild_command() -> None:
    """Count the dashboard's figures over every case afresh (after loading data past the
    application, or as a nightly check; changes wait while it counts)."""
    from casusregie.app.extensions import db
    from casusregie.app.management import summary

    stored = summary.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"{stored} counts stored.")


@casus_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Fill an empty database with fictitious demo data and demo users."""
    from casusregie.app.demo import DEMO_USERS, seed_demo

    created = seed_demo()
    if created:
        click.echo("Demo data created.")
    else:
        click.echo("Database already holds cases; demo users checked, nothing duplicated.")
    click.echo("Demo accounts: " + ", ".join(DEMO_USERS))


@casus_cli.command("has-cases")
def has_cases_command() -> None:
    """Exit 0 when the database holds at least one case, 1 otherwise."""
    from casusregie.app.extensions import db
    from casusregie.app.models import Case

    raise SystemExit(0 if db.session.query(Case.id).first() is not None else 1)


@casus_cli.command("daily")
def daily_command() -> None:
    """Daily run: open and close tasks, overdue notices, digests, send queued e-mail."""
    from casusregie.app.access.clock import today
    from casusregie.app.tasks.daily import run_daily

    result = run_daily(today())
    click.echo(f"tasks opened {result.tasks.opened}, closed {result.tasks.closed}; "
               f"notifications {result.tasks.notified + result.overdue} "
               f"(overdue {result.overdue}); digests queued {result.digests}; "
               f"e-mails sent {result.mail.sent}, failed {result.mail.failed}")


@casus_cli.command("send-mail")
def send_mail_command() -> None:
    """Send the queued e-mails that are due (run every minute by a timer)."""
    from casusregie.app.tasks.mail import send_due

    result = send_due()
    click.echo(f"e-mails sent {result.sent}, failed {result.failed}")

