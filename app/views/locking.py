"""Optimistic locking for every edit screen: the one mechanism behind all edit forms.

``OptimisticLockingMixin`` goes on any Flask-AppBuilder ``ModelView``: ``CasusModelView``
and with it every core and plugin screen, the user screen and the role screen. A model
with a ``version_id_col`` (``app.models.tracking.Versioned``) is compared by that version;
a table the framework owns and that has none (roles) by what its form's fields hold,
which is all such a form can overwrite.

- The edit form carries the version the user started from and what the fields held
  then. A save on top of somebody else's newer save is refused with a message naming
  what changed, the user's input kept in the form; saving again overwrites deliberately.
  A newer version that changed none of the form's fields (a login updating a user's
  login count, a phase change of a case) is no conflict.
- Two saves that pass this check at the same moment collide inside the database
  (``StaleDataError`` from the version check in SQL, or an ``IntegrityError`` such as a
  unique name taken meanwhile). The loser gets the same message with the input kept,
  not Flask-AppBuilder's bare database error and an emptied form.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask import flash, g, request, session
from flask_appbuilder.exceptions import DatabaseException
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import Form, HiddenField, ValidationError

from casusregie.app.access import can_see_field
from casusregie.app.i18n import display_value as i18n_display_value

VERSION_FIELD = "edit_version"
SNAPSHOT_FIELD = "edit_snapshot"

#: Database errors of a save that met another save (answered as an edit conflict).
COLLISIONS = (StaleDataError, IntegrityError)


def display_value(value: object) -> str:
    """How a value reads in conflict messages: as on screen (``app.i18n.display_value``)."""
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(i18n_display_value(v)) for v in value)) or "—"
    return str(i18n_display_value(value))


class _CollisionAwareInterface:
    """Mixed into a view's data interface: note a save lost to a concurrent one."""

    def edit(self, item: Any, commit: bool = True) -> None:
        try:
            super().edit(item, commit)
        except DatabaseException as exc:
            if _caused_by_collision(exc):
                g.casus_save_collision = True
            raise


def _caused_by_collision(exc: BaseException) -> bool:
    # The data interface wraps database errors (app.datamodel) and Flask-AppBuilder may
    # wrap them once more: look down the whole chain.
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, COLLISIONS):
            return True
        cause = cause.__cause__
    return False


_interface_classes: dict[type, type] = {}


def _collision_aware(datamodel: Any) -> None:
    cls = type(datamodel)
    if issubclass(cls, _CollisionAwareInterface):
        return
    if cls not in _interface_classes:
        _interface_classes[cls] = type(f"CollisionAware{cls.__name__}",
                                       (_CollisionAwareInterface, cls), {})
    datamodel.__class__ = _interface_classes[cls]


class OptimisticLockingMixin:
    """Refuses stale and colliding saves on a ModelView's edit form (module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.edit_form is not None:
            self._install_version_check()
            if self._version_column() is not None:
                _collision_aware(self.datamodel)

    def _version_column(self) -> sa.Column | None:
        return sa.inspect(self.datamodel.obj).version_id_col

    def _current_version(self, item: Any) -> str:
        column = self._version_column()
        if column is not None:
            return str(getattr(item, column.key))
        content = json.dumps(self._snapshot(item), sort_keys=True).encode()
        return hashlib.sha256(content).hexdigest()[:16]

    def _install_version_check(self) -> None:
        view = self

        def check(form: Form, field: HiddenField) -> None:
            view._check_version(form, field)

        setattr(self.edit_form, VERSION_FIELD, HiddenField(validators=[check]))
        setattr(self.edit_form, SNAPSHOT_FIELD, HiddenField())

    def _locked_columns(self) -> list[str]:
        return [col for col in self.edit_columns if col not in (VERSION_FIELD, SNAPSHOT_FIELD)]

    def _snapshot(self, item: Any) -> dict[str, str]:
        # Only what the user may see of this row: the snapshot travels in the page, and
        # the conflict message repeats its values.
        return {col: display_value(getattr(item, col, None)) for col in self._locked_columns()
                if can_see_field(item, col)}

    def prefill_form(self, form: Form, pk: Any) -> None:
        super().prefill_form(form, pk)
        if not hasattr(form, VERSION_FIELD):
            return
        item = self.datamodel.get(pk)
        form[VERSION_FIELD].data = self._current_version(item)
        form[SNAPSHOT_FIELD].data = json.dumps(self._snapshot(item))

    def _check_version(self, form: Form, field: HiddenField) -> None:
        item = self.datamodel.get(getattr(form, "_id", None))
        if item is None:
            return
        if (field.data or "") == self._current_version(item):
            return
        message = self._report_conflict(form, item)
        if message:
            raise ValidationError(message)

    def _report_conflict(self, form: Form, item: Any) -> str | None:
        """Name what changed since the form was opened; None if none of its fields did."""
        try:
            before = json.loads(form[SNAPSHOT_FIELD].data or "{}")
        except ValueError:
            before = {}
        if not isinstance(before, dict):
            before = {}
        now = self._snapshot(item)
        changed = [col for col in self._locked_columns()
                   if col in now and before.get(col) != now[col]]
        # The next save is a deliberate choice to overwrite, so it starts from this version.
        form[VERSION_FIELD].data = self._current_version(item)
        form[SNAPSHOT_FIELD].data = json.dumps(now)
        if not changed and before:
            return None
        return self._flash_conflict(form, changed, now)

    def _flash_conflict(self, form: Form, changed: list[str], now: dict[str, str]) -> str:
        labels = self.label_columns
        details = "; ".join(f"{labels.get(col, col)}: {now[col]}" for col in changed)
        for col in changed:
            if col in form:
                form[col].errors = [*list(form[col].errors or []), _(
                    "Saved meanwhile by someone else as: %(value)s", value=now[col])]
        message = _("Someone else saved this record while you were editing it. "
                    "Your changes have not been saved; your input is kept below.")
        if details:
            message += " " + _("Changed meanwhile: %(details)s.", details=details)
        message += " " + _("Check the values and save again to overwrite them.")
        flash(message, "danger")
        g.casus_edit_conflict = True
        return message

    # --- two saves colliding inside the database -------------------------------------
    def _edit(self, pk: Any) -> Any:
        g.casus_save_collision = False
        widgets = super()._edit(pk)
        if widgets is None and request.method == "POST" and g.get("casus_save_collision"):
            return self._collision_widgets(pk)
        return widgets

    def _collision_widgets(self, pk: Any) -> Any:
        """The edit form again, with the user's input and the conflict message."""
        self._unflash(str(self.database_error_message))
        self.datamodel.session.rollback()
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            from flask import abort

            abort(404)
        form = self.edit_form.refresh(request.form)
        form._id = self.datamodel.get_pk_value(item)
        exclude_cols = self._filters.get_relation_cols()
        self._fill_form_exclude_cols(exclude_cols, form)
        if not self._report_conflict(form, item):
            self._flash_conflict(form, [], {})
        return self._get_edit_widget(form=form, exclude_cols=exclude_cols)

    @staticmethod
    def _unflash(message: str) -> None:
        flashes = session.get("_flashes") or []
        session["_flashes"] = [(cat, msg) for cat, msg in flashes if str(msg) != message]
