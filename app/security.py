"""Casusregie's security manager: users belong to an organisation."""

from __future__ import annotations

import inspect

import sqlalchemy as sa
from flask import g, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.security.sqla.apis import UserApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import RoleModelView, UserDBModelView, UserOAuthModelView
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from app.auth.api import SecurityApi
from app.auth.manager import LoginProtectionMixin
from app.auth.oidc import CasusAuthOAuthView, OidcLoginMixin
from app.i18n import LocalisedColumnsMixin
from app.models.organisation import CasusUser
from app.passwords import PasswordRulesMixin
from app.permission_cache import PermissionCacheMixin
from app.views.auth import CasusAuthDBView, UserSecurityActionsMixin
from app.views.locking import OptimisticLockingMixin

_USER_FIELDS = ["first_name", "last_name", "username", "email", "organisation", "active",
                "roles"]


_SELF_ROLE_CHANGE = _l("You cannot change your own roles or organisation; ask another "
                       "functional administrator.")


def _roles_required(_form: object, field: object) -> None:
    # Flask-AppBuilder's own check also reads a "groups" field, which this form does not
    # have (a KeyError, so a 500, when no role is chosen).
    if not getattr(field, "data", None):
        raise ValidationError(_l("Choose at least one role."))


class NoSelfRoleChangeMixin:
    """Refuses a change of one's own roles or organisation with the reason on the form."""

    def pre_update(self, item: CasusUser) -> None:
        # The flush check refuses this too; here the user gets the reason next to the form.
        me = getattr(g, "user", None)
        state = sa.inspect(item)
        if me is not None and getattr(me, "id", None) == item.id and (
                state.attrs.roles.history.has_changes()
                or state.attrs.organisation_id.history.has_changes()
                or state.attrs.organisation.history.has_changes()):
            raise ValueError(_SELF_ROLE_CHANGE)
        super().pre_update(item)  # type: ignore[misc]


class CasusUserDBModelView(NoSelfRoleChangeMixin, UserSecurityActionsMixin,
                           LocalisedColumnsMixin, OptimisticLockingMixin, UserDBModelView):
    validators_columns = {"roles": [_roles_required]}
    list_columns = ["first_name", "last_name", "username", "organisation", "active", "roles"]
    add_columns = [*_USER_FIELDS, "password", "conf_password"]
    edit_columns = list(_USER_FIELDS)
    search_columns = ["first_name", "last_name", "username", "email", "organisation", "active",
                      "roles"]
    label_columns = {**UserDBModelView.label_columns, "organisation": _l("Organisation"),
                     "roles": _l("Roles"), "active": _l("Active")}
    description_columns = {
        **UserDBModelView.description_columns,
        "organisation": _l("The organisation this user works for. Partner organisations "
                           "only see the cases they are admitted to."),
        "roles": _l("What this user may do. Nobody can change their own roles."),
        "active": _l("An inactive user cannot log in."),
    }
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "organisation", "active", "roles",
                                      "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"],
                               "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on",
                                       "created_by", "changed_on", "changed_by"],
                            "expanded": False}),
    ]


class CasusUserOAuthModelView(NoSelfRoleChangeMixin, UserSecurityActionsMixin,
                              LocalisedColumnsMixin, OptimisticLockingMixin,
                              UserOAuthModelView):
    """The user screens under single sign-on: the same, without passwords.

    Roles and organisation follow the user's groups at the next login; a change made
    here lasts until then (deactivating an account does last: inactive users are refused).
    """

    # The same grants as the password user screens (app/roles.py): one switch, no new
    # permissions to hand out.
    class_permission_name = "CasusUserDBModelView"
    validators_columns = CasusUserDBModelView.validators_columns
    list_columns = CasusUserDBModelView.list_columns
    add_columns = list(_USER_FIELDS)
    edit_columns = CasusUserDBModelView.edit_columns
    search_columns = CasusUserDBModelView.search_columns
    label_columns = {**UserOAuthModelView.label_columns,
                     **CasusUserDBModelView.label_columns}
    description_columns = CasusUserDBModelView.description_columns
    show_fieldsets = CasusUserDBModelView.show_fieldsets


class CasusUserApi(UserApi):
    """Flask-AppBuilder's user API, answering a refused role change with 403 and a reason.

    The privilege check itself runs on flush (``app.access.changes``); without this the
    refusal surfaces as a bare 500.
    """

    @expose("/<pk>", methods=("PUT",))
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        from app.access.guard import AccessDenied
        from app.extensions import db

        me = self.appbuilder.sm.current_user
        body = request.get_json(silent=True) or {}
        if me is not None and str(me.id) == str(pk) and (
                {"roles", "groups", "organisation_id"} & set(body)):
            return self.response(403, message=str(_SELF_ROLE_CHANGE))
        try:
            return inspect.unwrap(UserApi.put)(self, pk)
        except AccessDenied as exc:
            db.session.rollback()
            return self.response(403, message=str(exc.description))


class CasusRoleModelView(RoleModelView):
    """Roles by name. What a role may do is shown and edited in plain words in the
    permission matrix (``/access/matrix/``), not as Flask-AppBuilder's internal
    permission names ("can list on CaseModelView") that this view would list."""

    class_permission_name = "RoleModelView"  # the grants of app/roles.py
    list_columns = search_columns = ["name"]
    show_columns = add_columns = edit_columns = ["name"]


class CasusSecurityManager(OidcLoginMixin, PasswordRulesMixin, LoginProtectionMixin,
                           PermissionCacheMixin, SecurityManager):
    user_model = CasusUser
    authdbview = CasusAuthDBView
    security_api = SecurityApi
    userdbmodelview = CasusUserDBModelView
    useroauthmodelview = CasusUserOAuthModelView
    authoauthview = CasusAuthOAuthView
    rolemodelview = CasusRoleModelView
    user_api = CasusUserApi

    def has_access(self, permission_name: str, view_name: str) -> bool:
        # A view may refuse a permission the roles grant when the user cannot use it
        # (``refuses``): the button, the menu and the page then agree.
        if not super().has_access(permission_name, view_name):
            return False
        view = self._views_with_conditions().get(view_name)
        return view is None or not view.refuses(permission_name)

    def _views_with_conditions(self) -> dict[str, object]:
        views = self.appbuilder.baseviews
        found = getattr(self.appbuilder, "_casus_conditional_views", None)
        if found is None or found[0] != len(views):
            found = (len(views), {v.class_permission_name: v for v in views
                                  if callable(getattr(v, "refuses", None))})
            self.appbuilder._casus_conditional_views = found
        return found[1]
