"""The functional administrator's screens for partner systems' API keys.

Keys are issued for an organisation (never for a person), with scopes and an expiry; the
key is shown once, on the page that follows. The list shows every key with its last use;
actions rotate a key (a successor, the old one ends after a grace period) or revoke it.
See ``app.auth.api_keys`` and docs/api.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_appbuilder import AppBuilder, SimpleFormView
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2ManyWidget, Select2Widget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import ApiKey
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from casusregie.app.auth.api_keys import SCOPES, issue_key, parse_scopes, revoke_key, rotate_key
from casusregie.app.extensions import db
from casusregie.app.models import CasusUser, Organisation
from casusregie.app.views.base import CasusModelView

CATEGORY = "Beheer"
#: The longest a key may live; a partner rotates it before then.
MAX_DAYS = 730


def _organisations() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Organisation.id, Organisation.name).where(
        Organisation.active.is_(True)).order_by(Organisation.name)).all()
    return [(str(org_id), name) for org_id, name in rows]


class ApiKeyForm(DynamicForm):
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()],
                               widget=Select2Widget())
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       widget=BS3TextFieldWidget(),
                       description=_l("The partner's system the key is for, e.g. "
                                      "“GGD registratiesysteem”."))
    scopes = SelectMultipleField(_l("Scopes"), validators=[DataRequired()],
                                 widget=Select2ManyWidget())
    valid_days = IntegerField(_l("Valid for (days)"), default=365,
                              validators=[DataRequired(), NumberRange(1, MAX_DAYS)],
                              widget=BS3TextFieldWidget())

    @classmethod
    def refresh(cls, obj: Any = None) -> ApiKeyForm:
        form = super().refresh(obj)
        form.organisation.choices = _organisations()
        form.scopes.choices = [(scope, str(label)) for scope, label in SCOPES.items()]
        return form


def _issued_page(view: Any, key: ApiKey, raw: str, replaced: dt.datetime | None = None):
    organisation = db.session.get(CasusUser, key.user_id).organisation
    return view.render_template(
        "api_keys/issued.html", key=raw, name=key.name, organisation=organisation.name,
        scopes=", ".join(sorted(parse_scopes(key.scopes))),
        expires=key.expires_on.date().isoformat() if key.expires_on else None,
        replaced=replaced.date().isoformat() if replaced else None,
        back_url=url_for("ApiKeyModelView.list"))


class ApiKeyIssueView(SimpleFormView):
    route_base = "/apikeys/issue"
    form = ApiKeyForm
    form_title = _l("Issue an API key")

    def form_post(self, form: ApiKeyForm):
        organisation = db.session.get(Organisation, int(form.organisation.data))
        if organisation is None:
            flash(_("Choose an organisation."), "danger")
            return None
        expires = dt.datetime.now() + dt.timedelta(days=form.valid_days.data)
        key, raw = issue_key(db.session, organisation, form.name.data.strip(),
                             form.scopes.data, expires)
        db.session.commit()
        return _issued_page(self, key, raw)


class ApiKeyModelView(CasusModelView):
    datamodel = SQLAInterface(ApiKey)
    list_title = _l("API keys")
    show_title = _l("API key")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["name", "user", "key_prefix", "scopes", "expires_on", "revoked_on",
                    "last_used_on"]
    show_columns = ["name", "user", "key_prefix", "scopes", "created_on", "expires_on",
                    "revoked_on", "last_used_on"]
    search_columns = ["name", "user"]
    order_columns = ["name", "expires_on", "last_used_on"]
    base_order = ("created_on", "desc")
    label_columns = {"name": _l("Name"), "user": _l("System user"),
                     "key_prefix": _l("Key begins with"), "scopes": _l("Scopes"),
                     "created_on": _l("Issued"), "expires_on": _l("Valid until"),
                     "revoked_on": _l("Revoked"), "last_used_on": _l("Last used")}

    @action("rotate", _l("Rotate"), _l("Issue a successor of this key? The old key keeps "
                                       "working for seven days."), "fa-refresh",
            multiple=False)
    def rotate(self, item: ApiKey):
        item = item[0] if isinstance(item, list) else item
        if not item.is_active:
            flash(_("This key is no longer valid; issue a new one."), "warning")
            return redirect(url_for(".list"))
        successor, raw = rotate_key(db.session, item)
        db.session.commit()
        return _issued_page(self, successor, raw, replaced=item.expires_on)

    @action("revoke", _l("Revoke"), _l("Revoke the selected keys? Systems using them are "
                                       "refused at once."), "fa-ban", single=False)
    def revoke(self, items: Any):
        items = items if isinstance(items, list) else [items]
        for item in items:
            revoke_key(item)
        db.session.commit()
        flash(_("Revoked: %(names)s", names=", ".join(i.name for i in items)), "info")
        return redirect(url_for(".list"))


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(ApiKeyModelView, "API keys", label=_l("API keys"),
                        category=CATEGORY)
    appbuilder.add_view(ApiKeyIssueView, "Issue an API key", label=_l("Issue an API key"),
                        category=CATEGORY)
