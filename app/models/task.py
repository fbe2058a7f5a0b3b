"""Tasks, in-app notifications and the e-mail outbox.

A task is derived from the state of a case (``app.tasks.sources``): it is opened when
someone has to act and closed when the action happens, never by ticking it off. A
notification tells one user about a task; the outbox holds the e-mails still to send.
E-mails carry no case content, so the outbox stores none either.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import StrEnum, utcnow
from casusregie.app.models.case import Case
from casusregie.app.models.organisation import CasusUser, Organisation


class EmailPreference(StrEnum):
    """How a user wants to hear about new tasks by e-mail."""

    immediate = "immediate"
    digest = "digest"
    never = "never"


class Task(Model):
    """Something one user or one organisation must do next, with a due date."""

    __tablename__ = "task"

    id = sa.Column(sa.Integer, primary_key=True)
    #: The source that derived it (``app.tasks.sources``), e.g. ``start_intervention``.
    kind = sa.Column(sa.String(40), nullable=False)
    #: Identifies the task among its source's tasks: the same key is the same task.
    key = sa.Column(sa.String(120), nullable=False, index=True)
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    signal_id = sa.Column(sa.Integer, sa.ForeignKey("signal.id", ondelete="CASCADE"),
                          index=True)
    #: The intervention, admission or agenda item the task is about (per ``kind``).
    object_id = sa.Column(sa.Integer)
    owner_user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                              index=True)
    owner_organisation_id = sa.Column(sa.Integer, sa.ForeignKey("organisation.id"),
                                      index=True)
    #: "" — every user of the owner organisation who sees the case; "coordinator" —
    #: only its coordinators (appointing a director, renewing an admission).
    audience = sa.Column(sa.String(20), nullable=False, default="", server_default="")
    due_on = sa.Column(sa.Date, index=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    closed_at = sa.Column(sa.DateTime, index=True)
    overdue_notified_on = sa.Column(sa.Date)

    case = relationship(Case)
    owner_user = relationship(CasusUser)
    owner_organisation = relationship(Organisation)


class Notification(Model):
    """One user told about one event (a new or overdue task)."""

    __tablename__ = "notification"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    task_id = sa.Column(sa.Integer, sa.ForeignKey("task.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    # Copied from the task so the access rule needs no join.
    case_id = sa.Column(sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"), index=True)
    signal_id = sa.Column(sa.Integer, sa.ForeignKey("signal.id", ondelete="CASCADE"),
                          index=True)
    event = sa.Column(sa.String(20), nullable=False)  # "new" or "overdue"
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    read_at = sa.Column(sa.DateTime)
    #: Still to be mailed (per the user's preference at the time it was made).
    mail_pending = sa.Column(sa.Boolean, nullable=False, default=False)

    task = relationship(Task, lazy="joined")
    user = relationship(CasusUser)


class OutboxMail(Model):
    """An e-mail to send: to whom and which kind — never case content."""

    __tablename__ = "outbox_mail"

    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    kind = sa.Column(sa.String(20), nullable=False)  # "task" or "digest"
    #: One mail per key: a second daily run finds the digest it already queued.
    dedupe_key = sa.Column(sa.String(80), nullable=False, unique=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    sent_at = sa.Column(sa.DateTime)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    last_error = sa.Column(sa.String(300))

    user = relationship(CasusUser)
