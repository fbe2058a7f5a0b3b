"""The daily run: tasks that came due by the calendar, overdue notices, digests, mail.

Safe to run more than once a day: tasks are keyed, overdue notices are sent once per
task and due date, a digest once per user and day, and the outbox sends each mail once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casusregie.app.audit.chain import anchor as anchor_audit_chain
from casusregie.app.extensions import db
from casusregie.app.tasks.mail import SendResult, queue_digests, send_due
from casusregie.app.tasks.sources import Scope
from casusregie.app.tasks.sync import SyncResult, notify_overdue, sync


@dataclass
class DailyResult:
    tasks: SyncResult
    overdue: int
    digests: int
    mail: SendResult


def run_daily(today: dt.date) -> DailyResult:
    """Run inside ``system_access``; commits its work before sending mail."""
    tasks = sync(Scope(today=today))
    overdue = notify_overdue(today)
    digests = queue_digests(today)
    db.session.commit()
    anchor_audit_chain()
    return DailyResult(tasks, overdue, digests, send_due())
