"""E-mail through SMTP from the outbox: no case content, retried with back-off.

Pages only write outbox rows; ``send_due()`` (run by ``flask casus send-mail`` every
minute and by ``flask casus daily``) delivers them. A mail server that is down costs a
page nothing and loses nothing: the row stays, with the error and the next attempt.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from casusregie.app.extensions import db
from casusregie.app.models import CasusUser, EmailPreference, Notification, OutboxMail
from casusregie.app.models.base import utcnow

#: Longest wait between two attempts; attempts go on until the mail is delivered.
MAX_BACKOFF = dt.timedelta(hours=6)
BATCH = 200


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failure, at most six hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def tasks_url() -> str:
    return current_app.config["CASUS_BASE_URL"].rstrip("/") + "/tasks/"


def _texts(kind: str) -> tuple[str, str]:
    """Subject and body in the active language: a fixed text and a link, nothing else."""
    if kind == "digest":
        subject = _("Your tasks in Casusregie")
        first = _("There is news about your tasks in Casusregie.")
    else:
        subject = _("New task in Casusregie")
        first = _("You have a new task in Casusregie.")
    body = "\n\n".join([
        first,
        _("Log in to see it: %(url)s", url=tasks_url()),
        _("For confidentiality this e-mail contains no case details."),
    ])
    return subject, body + "\n"


def build_message(mail: OutboxMail, user: CasusUser) -> EmailMessage:
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject, body = _texts(mail.kind)
    message = EmailMessage()
    message["From"] = current_app.config["CASUS_MAIL_SENDER"]
    message["To"] = user.email
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="casusregie")
    message["Content-Language"] = locale
    message.set_content(body)
    return message


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    host, port, timeout = cfg["CASUS_MAIL_SERVER"], cfg["CASUS_MAIL_PORT"], \
        cfg["CASUS_MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if cfg["CASUS_MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if cfg["CASUS_MAIL_USE_TLS"]:
            smtp.starttls(context=context)
    if cfg.get("CASUS_MAIL_USERNAME"):
        smtp.login(cfg["CASUS_MAIL_USERNAME"], cfg.get("CASUS_MAIL_PASSWORD") or "")
    return smtp


def _due(now: dt.datetime) -> list[OutboxMail]:
    return (db.session.query(OutboxMail)
            .filter(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id).limit(BATCH).all())


def _failed(mail: OutboxMail, error: Exception, now: dt.datetime) -> None:
    mail.attempts += 1
    mail.next_attempt_at = now + backoff(mail.attempts)
    mail.last_error = f"{type(error).__name__}: {error}"[:300]


def send_due(now: dt.datetime | None = None) -> SendResult:
    """Send every outbox mail whose time has come; commit after each one."""
    now = now or utcnow()
    result = SendResult()
    mails = _due(now)
    if not mails:
        return result
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        for mail in mails:
            _failed(mail, exc, now)
        db.session.commit()
        result.failed = len(mails)
        return result
    with smtp:
        for mail in mails:
            try:
                smtp.send_message(build_message(mail, mail.user))
            except (OSError, smtplib.SMTPException) as exc:
                _failed(mail, exc, now)
                result.failed += 1
            else:
                mail.attempts += 1
                mail.sent_at = utcnow()
                mail.last_error = None
                result.sent += 1
            db.session.commit()
    return result


def queue_digests(today: dt.date) -> int:
    """One digest per user who chose it and has notifications not yet mailed; the key
    (user and date) makes a second run on the same day queue nothing."""
    rows = (db.session.query(Notification.user_id).join(CasusUser)
            .filter(Notification.mail_pending.is_(True),
                    CasusUser.email_notifications == EmailPreference.digest.value)
            .distinct().all())
    queued = 0
    for (user_id,) in rows:
        key = f"digest:{user_id}:{today.isoformat()}"
        if db.session.query(OutboxMail.id).filter_by(dedupe_key=key).first() is None:
            db.session.add(OutboxMail(user_id=user_id, kind="digest", dedupe_key=key))
            queued += 1
        (db.session.query(Notification)
         .filter(Notification.user_id == user_id, Notification.mail_pending.is_(True))
         .update({"mail_pending": False}, synchronize_session=False))
    db.session.flush()
    return queued
