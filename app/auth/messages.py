"""The words of a refused login, shared by the login screens and the REST API login."""

from __future__ import annotations

from flask_babel import gettext as _


def refusal_message(reason: str | None) -> str | None:
    """The words for a refused login; none of them tells whether the account exists."""
    messages = {
        "locked": _("This account is blocked after too many failed logins. Ask a "
                    "functional administrator to unblock it."),
        "backoff": _("Too many failed logins for this account. Wait a few minutes and "
                     "try again."),
        "address": _("Too many failed logins from your network. Wait a few minutes and "
                     "try again."),
        "mfa": _("Send the code from your authenticator app (totp) with the login."),
        "mfa_enrol": _("Set up your authenticator app by logging in through the browser "
                       "first."),
    }
    return messages.get(reason) if reason else None
