"""``flask --app casusregie.app casus retention``: the daily destruction run (see
``app.retention``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casusregie.app.access.clock import today
from casusregie.app.retention import retention_list
from casusregie.app.retention.destroy import Planned, approved
from casusregie.app.retention.destroy import apply as apply_destructions


@click.command("retention")
@click.option("--dry-run", "apply", flag_value=False, default=True,
              help="List what would be destroyed; change nothing (the default).")
@click.option("--apply", "apply", flag_value=True,
              help="Carry out the approved destructions that are due and not on hold.")
@with_appcontext
def retention_command(apply: bool) -> None:
    """Destroy what is past its retention date and approved by two people (daily run)."""
    day = today()
    due = retention_list(day)
    waiting = [d for d in due if d.request_status != "approved"]
    click.echo(f"past retention: {len(due)}; awaiting a proposal or approval: {len(waiting)}")
    for item in waiting:
        state = ("legal hold" if item.on_hold else
                 "proposed, awaiting approval" if item.request_status else "not proposed")
        click.echo(f"  {item.object_type} {item.reference}: retention until "
                   f"{item.retention_until}, {state}")
    if not apply:
        plans = approved(day)
        click.echo(f"dry run: {sum(not p.blocked for p in plans)} approved destruction(s) "
                   "would be carried out; nothing changed")
        for plan in plans:
            _echo_plan(plan)
        return
    results = apply_destructions(day)
    click.echo(f"destroyed: {sum(r is not None for _p, r in results)}")
    for plan, _record in results:
        _echo_plan(plan)


def _echo_plan(plan: Planned) -> None:
    if plan.blocked:
        click.echo(f"  {plan.object_type} {plan.reference}: not now ({plan.blocked})")
        return
    counts = ", ".join(f"{name} {n}" for name, n in sorted(plan.counts.items()))
    click.echo(f"  {plan.object_type} {plan.reference}: {counts}")


def register_cli() -> None:
    from casusregie.app.cli import casus_cli

    if "retention" not in casus_cli.commands:
        casus_cli.add_command(retention_command)
