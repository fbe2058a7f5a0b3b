"""Casusregie's security manager: users belong to an organisation."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.i18n import LocalisedColumnsMixin
from app.models.organisation import CasusUser
from app.permission_cache import PermissionCacheMixin

_USER_FIELDS = ["first_name", "last_name", "username", "email", "organisation", "active",
                "roles"]


class CasusUserDBModelView(LocalisedColumnsMixin, UserDBModelView):
    list_columns = ["first_name", "last_name", "username", "organisation", "active", "roles"]
    add_columns = [*_USER_FIELDS, "password", "conf_password"]
    edit_columns = list(_USER_FIELDS)
    search_columns = ["first_name", "last_name", "username", "email", "organisation", "active"]
    label_columns = {**UserDBModelView.label_columns, "organisation": _l("Organisation")}
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "organisation", "active", "roles",
                                      "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"],
                               "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on",
                                       "created_by", "changed_on", "changed_by"],
                            "expanded": False}),
    ]


class CasusSecurityManager(PermissionCacheMixin, SecurityManager):
    user_model = CasusUser
    userdbmodelview = CasusUserDBModelView
