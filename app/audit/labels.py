"""The words the privacy officer reads for the trail's actions (stored as fixed names)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "read": _l("Viewed"),
    "search": _l("Listed"),
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Removed"),
    "export": _l("Exported"),
    "print": _l("Printed"),
    "login": _l("Logged in"),
    "login_failed": _l("Login failed"),
    "logout": _l("Logged out"),
    "permission_change": _l("Permission changed"),
    "role_change": _l("Role changed"),
    "admission": _l("Admission changed"),
    "destruction": _l("Destruction"),
    "subject_access": _l("Subject access report"),
    "api_key_use": _l("API key used"),
}


def action_label(action: str | None) -> str:
    """The action's label in the current language; an unknown name as it is stored."""
    label = ACTION_LABELS.get(action or "")
    return str(label) if label is not None else (action or "")
