"""Keep the task table in step with the cases, and tell the right users.

``sync(scope)`` asks every source for the tasks open now, opens the new ones, closes
the ones no source returns any more and notifies the users who may see a new task.
Who may see it is the access policy's answer (``row_criteria(Task, actor)``): a user of
an organisation that is not admitted to the case is never notified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from casusregie.app.access.actor import actor_for_user
from casusregie.app.access.rows import row_criteria
from casusregie.app.extensions import db
from casusregie.app.models import CasusUser, EmailPreference, Notification, OutboxMail, Task
from casusregie.app.models.base import utcnow
from casusregie.app.tasks.sources import APPROVE_CHANGE, SOURCES, Scope, TaskSpec


@dataclass
class SyncResult:
    opened: int = 0
    closed: int = 0
    notified: int = 0


def _open_tasks(scope: Scope) -> list[Task]:
    query = db.session.query(Task).filter(Task.closed_at.is_(None))
    if not scope.everything:
        parts = []
        if scope.case_ids:
            parts.append(Task.case_id.in_(sorted(scope.case_ids)))
        if scope.signal_ids:
            parts.append(Task.signal_id.in_(sorted(scope.signal_ids)))
        if scope.approvals:
            parts.append(Task.kind == APPROVE_CHANGE)
        if not parts:
            return []
        query = query.filter(sa.or_(*parts))
    return query.all()


def _wanted(scope: Scope) -> dict[str, TaskSpec]:
    return {spec.key: spec for source in SOURCES for spec in source(scope)}


def sync(scope: Scope) -> SyncResult:
    """Open, update and close tasks in ``scope``; notify about the new ones."""
    result = SyncResult()
    wanted = _wanted(scope)
    now = utcnow()
    kept = []
    for task in _open_tasks(scope):
        spec = wanted.pop(task.key, None)
        if spec is None:
            task.closed_at = now
            result.closed += 1
        else:
            _update(task, spec)
            kept.append(task)
    new = [Task(**vars(spec), created_at=now) for spec in wanted.values()]
    db.session.add_all(new)
    db.session.flush()
    result.opened = len(new)
    result.notified = notify(new, "new")
    if not scope.everything:
        # A change to a case can let new people see a task that already existed (an
        # organisation admitted to a case whose intervention was agreed before, a
        # director appointed): they are told now, once.
        result.notified += notify(kept, "new", only_untold=True)
    return result


def _update(task: Task, spec: TaskSpec) -> None:
    """Follow the source: a new due date or a new owner (a director appointed)."""
    if task.due_on != spec.due_on:
        task.due_on = spec.due_on
        task.overdue_notified_on = None
    for name in ("owner_user_id", "owner_organisation_id", "audience"):
        if getattr(task, name) != getattr(spec, name):
            setattr(task, name, getattr(spec, name))


def _candidates(tasks: list[Task]) -> list[CasusUser]:
    users = {t.owner_user_id for t in tasks} - {None}
    orgs = {t.owner_organisation_id for t in tasks} - {None}
    return (db.session.query(CasusUser)
            .filter(CasusUser.active.is_(True),
                    sa.or_(CasusUser.id.in_(sorted(users)),
                           CasusUser.organisation_id.in_(sorted(orgs))))
            .order_by(CasusUser.id).all())


def recipients(tasks: list[Task]) -> dict[int, list[CasusUser]]:
    """Per task id, the users who may see it — asked of the access policy, per user."""
    found: dict[int, list[CasusUser]] = {t.id: [] for t in tasks}
    if not tasks:
        return found
    ids = sorted(found)
    for user in _candidates(tasks):
        actor = actor_for_user(user)
        visible = db.session.execute(
            sa.select(Task.id).where(Task.id.in_(ids), row_criteria(Task, actor))).scalars()
        for task_id in visible:
            found[task_id].append(user)
    return found


def _told(tasks: list[Task]) -> set[tuple[int, int]]:
    ids = sorted(t.id for t in tasks)
    return set(db.session.query(Notification.task_id, Notification.user_id)
               .filter(Notification.task_id.in_(ids)).all())


def notify(tasks: list[Task], event: str, *, only_untold: bool = False) -> int:
    """Notify every user who may see each task; queue e-mail per their preference.

    ``only_untold``: skip users who were already told about the task.
    """
    if not tasks:
        return 0
    per_task = recipients(tasks)
    told = _told(tasks) if only_untold else set()
    made = [_notification(task, user, event) for task in tasks for user in per_task[task.id]
            if (task.id, user.id) not in told]
    db.session.add_all(made)
    db.session.flush()
    for note in made:
        if note.user.email_notifications == EmailPreference.immediate.value:
            queue_task_mail(note)
    return len(made)


def _notification(task: Task, user: CasusUser, event: str) -> Notification:
    note = Notification(user_id=user.id, task_id=task.id, case_id=task.case_id,
                        signal_id=task.signal_id, event=event, created_at=utcnow(),
                        mail_pending=user.email_notifications != EmailPreference.never.value)
    note.user = user
    return note


def queue_task_mail(note: Notification) -> None:
    """One "new task" e-mail per user at a time: while one waits in the outbox, later
    notifications ride along with it instead of adding mails."""
    waiting = db.session.query(OutboxMail.id).filter(
        OutboxMail.user_id == note.user_id, OutboxMail.kind == "task",
        OutboxMail.sent_at.is_(None)).first()
    note.mail_pending = False
    if waiting is None:
        db.session.add(OutboxMail(user_id=note.user_id, kind="task",
                                  dedupe_key=f"task:{note.user_id}:{note.id}"))
        db.session.flush()


def notify_overdue(today: dt.date) -> int:
    """Tell the owners of tasks that became overdue, once per task and due date."""
    tasks = (db.session.query(Task)
             .filter(Task.closed_at.is_(None), Task.due_on < today,
                     Task.overdue_notified_on.is_(None)).all())
    for task in tasks:
        task.overdue_notified_on = today
    return notify(tasks, "overdue") if tasks else 0
