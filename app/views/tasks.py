""""My tasks", the notifications behind the bell, and the e-mail setting.

Every query here passes the access guard: ``Task`` and ``Notification`` have row rules in
``app.access.rows``, so a user sees only their own tasks about cases they may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from casusregie.app.access import system_access
from casusregie.app.access.clock import today
from casusregie.app.extensions import db
from casusregie.app.models import Case, EmailPreference, Notification, OutboxMail, Task
from casusregie.app.models.base import utcnow
from casusregie.app.views.base import CasusModelView

#: What each kind of task asks, with the case number (or signal number) filled in.
TITLES: dict[str, Any] = {
    "weigh_signal": _l("Weigh signal #%(signal)s"),
    "appoint_director": _l("Appoint a case director for %(case)s"),
    "review_case": _l("Review case %(case)s in a case conference"),
    "prepare_agenda_item": _l("Prepare case %(case)s for the case conference"),
    "record_agenda_item": _l("Record the outcome of case %(case)s in the case conference"),
    "conference_invitation": _l("Invited to the case conference about case %(case)s"),
    "register_intervention": _l("Admitted to case %(case)s: register your intervention"),
    "renew_admission": _l("Renew or end an admission to case %(case)s"),
    "admission_ending": _l("Your organisation's admission to case %(case)s ends soon"),
    "start_intervention": _l("Start the agreed intervention in case %(case)s"),
    "report_intervention": _l("Report the outcome of the intervention in case %(case)s"),
    "approve_change": _l("A sensitive change awaits your approval"),
}
EVENTS = {"new": _l("New task"), "overdue": _l("Overdue")}
PREFERENCES = (
    (EmailPreference.immediate.value, _l("Immediately")),
    (EmailPreference.digest.value, _l("Once a day (digest)")),
    (EmailPreference.never.value, _l("Never")),
)
TASKS_SHOWN = 200
NOTIFICATIONS_SHOWN = 50


def task_url(task: Task) -> str:
    """Where the work of a task is done."""
    kind = task.kind
    if kind == "weigh_signal":
        return url_for("SignalWorkflowView.weigh", signal_id=task.signal_id)
    if kind == "register_intervention":
        return url_for("InterventionModelView.add", _flt_0_case=task.case_id)
    if kind in ("start_intervention", "report_intervention"):
        return url_for("InterventionModelView.edit", pk=task.object_id)
    if kind == "renew_admission":
        return url_for("CaseAdmissionModelView.edit", pk=task.object_id)
    if kind == "admission_ending":
        return url_for("CaseAdmissionModelView.show", pk=task.object_id)
    if kind == "approve_change":
        return url_for("ApprovalRequestModelView.show", pk=task.object_id)
    return url_for("CaseModelView.show", pk=task.case_id)


@dataclass(frozen=True)
class TaskRow:
    title: str
    url: str
    due_on: dt.date | None
    overdue: bool


def task_title(task: Task, number: str | None) -> str:
    title = TITLES.get(task.kind)
    if title is None:
        return task.kind
    return str(title) % {"case": number or "", "signal": task.signal_id or ""}


def _row(task: Task, number: str | None, on: dt.date) -> TaskRow:
    return TaskRow(task_title(task, number), task_url(task), task.due_on,
                   task.due_on is not None and task.due_on < on)


def my_tasks(limit: int = TASKS_SHOWN) -> list[TaskRow]:
    """The open tasks of the logged-in user, soonest due first (one query)."""
    on = today()
    rows = (db.session.query(Task, Case.number)
            .outerjoin(Case, Task.case_id == Case.id)
            .filter(Task.closed_at.is_(None))
            .order_by(Task.due_on.asc().nulls_last(), Task.id).limit(limit).all())
    return [_row(task, number, on) for task, number in rows]


#: The bell counts up to this many and then reads "99+"; every page asks it.
UNREAD_COUNTED = 99


def unread_count() -> int | str:
    """Unread notifications of the logged-in user; once per request (the bell)."""
    if "_casus_unread" not in g:
        count = (db.session.query(Notification.id).filter(Notification.read_at.is_(None))
                 .limit(UNREAD_COUNTED + 1).count())
        g._casus_unread = f"{UNREAD_COUNTED}+" if count > UNREAD_COUNTED else count
    return g._casus_unread


def _mark_read(ids: list[int] | None = None) -> None:
    """Mark the user's own notifications read. The guard lets only case editors write
    rows linked to a case, so this runs as the system — limited to the user's rows."""
    with system_access("a user marks their own notifications read"):
        query = db.session.query(Notification).filter(Notification.user_id == g.user.id,
                                                      Notification.read_at.is_(None))
        if ids is not None:
            query = query.filter(Notification.id.in_(ids))
        query.update({"read_at": utcnow()}, synchronize_session=False)
        db.session.commit()


class EmailSettingForm(FlaskForm):
    email_notifications = SelectField(_l("E-mail about new tasks"), choices=PREFERENCES)


class TasksView(BaseView):
    """My tasks, my notifications and how I want to be told by e-mail."""

    route_base = "/tasks"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("tasks")
    def index(self):
        return self.render_template("tasks/my_tasks.html", title=_("My tasks"),
                                    tasks=my_tasks())

    @expose("/notifications/")
    @has_access
    @permission_name("tasks")
    def notifications(self):
        rows = (db.session.query(Notification, Case.number)
                .outerjoin(Case, Notification.case_id == Case.id)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .limit(NOTIFICATIONS_SHOWN).all())
        # Stored in UTC without a zone; an aware value is shown in Dutch time.
        # A notification whose task the user no longer sees is left out.
        items = [(note, EVENTS.get(note.event, note.event), task_title(note.task, number),
                  note.created_at.replace(tzinfo=dt.UTC)) for note, number in rows
                 if note.task is not None]
        return self.render_template("tasks/notifications.html", title=_("Notifications"),
                                    items=items, form=FlaskForm())

    @expose("/notifications/read", methods=["POST"])
    @has_access
    @permission_name("tasks")
    def read_all(self):
        form = FlaskForm()
        if not form.validate_on_submit():
            abort(400)
        _mark_read()
        return redirect(url_for("TasksView.notifications"))

    @expose("/notifications/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("tasks")
    def open_notification(self, pk: int):
        """Mark one notification read and go to its task (a POST: a GET changes nothing)."""
        if not FlaskForm().validate_on_submit():
            abort(400)
        note = db.session.get(Notification, pk)
        if note is None or note.task is None:
            abort(404)
        url = task_url(note.task)
        _mark_read([pk])
        return redirect(url)

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    @permission_name("tasks")
    def settings(self):
        form = EmailSettingForm(email_notifications=g.user.email_notifications)
        if request.method == "POST" and form.validate_on_submit():
            g.user.email_notifications = form.email_notifications.data
            db.session.commit()
            flash(_("Your e-mail setting is saved."), "success")
            return redirect(url_for("TasksView.settings"))
        return self.render_template("tasks/settings.html", title=_("E-mail about tasks"),
                                    form=form)


class OutboxMailModelView(CasusModelView):
    """The e-mail queue for functional administrators: what was sent to whom and when,
    what is waiting and why (no case content is ever in it)."""

    datamodel = SQLAInterface(OutboxMail)
    list_title = _l("E-mail queue")
    show_title = _l("E-mail")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["user", "kind", "created_at", "attempts", "next_attempt_at", "sent_at",
                    "last_error"]
    show_columns = list_columns
    search_columns = ["kind", "sent_at", "created_at"]
    order_columns = ["created_at", "sent_at", "next_attempt_at"]
    base_order = ("created_at", "desc")
    label_columns = {"user": _l("User"), "kind": _l("Kind"), "created_at": _l("Queued at"),
                     "attempts": _l("Attempts"), "next_attempt_at": _l("Next attempt"),
                     "sent_at": _l("Sent at"), "last_error": _l("Last error")}
    formatters_columns = {"kind": lambda v: str({"task": _l("new task"),
                                                 "digest": _l("daily digest")}.get(v, v))}


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(TasksView, "My tasks", label=_l("My tasks"), href="/tasks/",
                        icon="fa-check-square-o")
    appbuilder.add_view(OutboxMailModelView, "E-mail queue", label=_l("E-mail queue"),
                        category="Beheer")
    appbuilder.app.jinja_env.globals["casus_unread_count"] = unread_count
