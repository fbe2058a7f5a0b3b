"""Casusregie's security manager: users belong to an organisation."""

from __future__ import annotations

import inspect

import sqlalchemy as sa
from flask import flash, g, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.security.sqla.apis import RoleApi, UserApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import RoleModelView, UserDBModelView, UserOAuthModelView
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from casusregie.app.auth.api import SecurityApi
from casusregie.app.auth.api_keys import ApiKeyMixin
from casusregie.app.auth.manager import LoginProtectionMixin
from casusregie.app.auth.oidc import CasusAuthOAuthView, OidcLoginMixin
from casusregie.app.i18n import LocalisedColumnsMixin
from casusregie.app.models.organisation import CasusUser
from casusregie.app.passwords import PasswordRulesMixin
from casusregie.app.permission_cache import PermissionCacheMixin
from casusregie.app.views.auth import CasusAuthDBView, UserSecurityActionsMixin
from casusregie.app.views.locking import OptimisticLockingMixin

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
    """Refuses a change of one's own roles or organisation with the reason on the form,
    and asks for roles that show case content or hand out access instead of giving them:
    a second person approves (``app.role_changes``)."""

    def _hold_back_sensitive_roles(self, item: CasusUser) -> None:
        from casusregie.app.extensions import db
        from casusregie.app.role_changes import sensitive_roles

        # Reading the roles' scopes must not flush the form's change before it is sorted.
        with db.session.no_autoflush:
            added = list(sa.inspect(item).attrs.roles.history.added)
            held = sensitive_roles(added)
            for role in held:
                item.roles.remove(role)
        g._casus_held_roles = held

    def _ask_for_held_roles(self, item: CasusUser) -> None:
        from casusregie.app.access.changes import PrivilegeError
        from casusregie.app.role_changes import request_role_member

        held = g.pop("_casus_held_roles", [])
        if not held:
            return
        try:
            request_role_member(item, held, g.user)
        except PrivilegeError as exc:
            flash(str(exc), "danger")
            return
        flash(_l("These roles show case content or hand out access; giving them to "
                 "%(user)s awaits a second person's approval (Changes to review): "
                 "%(roles)s", user=item.username,
                 roles=", ".join(r.name for r in held)), "warning")

    def pre_add(self, item: CasusUser) -> None:
        self._hold_back_sensitive_roles(item)
        super().pre_add(item)  # type: ignore[misc]

    def post_add(self, item: CasusUser) -> None:
        super().post_add(item)  # type: ignore[misc]
        self._ask_for_held_roles(item)

    def post_update(self, item: CasusUser) -> None:
        super().post_update(item)  # type: ignore[misc]
        self._ask_for_held_roles(item)

    def pre_update(self, item: CasusUser) -> None:
        # The flush check refuses this too; here the user gets the reason next to the form.
        me = getattr(g, "user", None)
        state = sa.inspect(item)
        if me is not None and getattr(me, "id", None) == item.id and (
                state.attrs.roles.history.has_changes()
                or state.attrs.organisation_id.history.has_changes()
                or state.attrs.organisation.history.has_changes()):
            raise ValueError(_SELF_ROLE_CHANGE)
        self._hold_back_sensitive_roles(item)
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


class RefusalAs403Mixin:
    """A write the privilege check refuses (``app.access.changes``, on flush) is answered
    403 with its reason; Flask-AppBuilder's ``safe`` would make it a bare 500."""

    def _refused(self, exc):
        from casusregie.app.extensions import db

        db.session.rollback()
        return self.response(403, message=str(exc.description))  # type: ignore[attr-defined]

    def _guarded(self, call, *args):
        from casusregie.app.access.errors import AccessDenied

        try:
            return call(*args)
        except AccessDenied as exc:
            return self._refused(exc)

    def post_headless(self):
        return self._guarded(super().post_headless)  # type: ignore[misc]

    def put_headless(self, pk):
        return self._guarded(super().put_headless, pk)  # type: ignore[misc]

    def delete_headless(self, pk):
        return self._guarded(super().delete_headless, pk)  # type: ignore[misc]


class CasusUserApi(RefusalAs403Mixin, UserApi):
    """Flask-AppBuilder's user API, answering a refused role change with 403 and a reason,
    and refusing a change on top of a newer one (the ``version`` read, like every other
    ``PUT`` of the API).

    The privilege check itself runs on flush (``app.access.changes``): a role that shows
    case content cannot be given here, only asked for on the user form.
    """

    @expose("/", methods=("POST",))
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        return self._guarded(inspect.unwrap(UserApi.post), self)

    @expose("/<pk>", methods=("PUT",))
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        from casusregie.app.extensions import db

        me = self.appbuilder.sm.current_user
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message="JSON object expected")
        if me is not None and str(me.id) == str(pk) and (
                {"roles", "groups", "organisation_id"} & set(body)):
            return self.response(403, message=str(_SELF_ROLE_CHANGE))
        version = body.pop("version", None)
        user = db.session.get(CasusUser, int(pk)) if str(pk).isdigit() else None
        if user is None:
            return self.response_404()
        if not isinstance(version, int) or isinstance(version, bool):
            return self.response_400(message={"version": [str(_l(
                "Send the version you read, so that a newer change is not overwritten."))]})
        if version != user.version:
            return self.response(409, message=str(_l(
                "This user was changed by someone else after you read it (you read version "
                "%(read)s; it is now version %(now)s). Nothing was saved. Read it again and "
                "repeat your change.", read=version, now=user.version)),
                current_version=user.version)
        return self._guarded(inspect.unwrap(UserApi.put), self, pk)


class CasusRoleApi(RefusalAs403Mixin, RoleApi):
    """Flask-AppBuilder's role API under the same privilege check as every other route:
    renames and member removals are logged; scopes, rights to hand out access and
    members of roles with case content take four eyes, so here they are refused with the
    reason (403), never half made."""

    @expose("/<int:role_id>/permissions", methods=["POST"])
    @protect()
    @safe
    @permission_name("add_role_permissions")
    def add_role_permissions(self, role_id):
        return self._guarded(inspect.unwrap(RoleApi.add_role_permissions), self, role_id)

    @expose("/<int:role_id>/users", methods=["PUT"])
    @protect()
    @safe
    @permission_name("update_role_users")
    def update_role_users(self, role_id):
        return self._guarded(inspect.unwrap(RoleApi.update_role_users), self, role_id)

    @expose("/<int:role_id>/groups", methods=["PUT"])
    @protect()
    @safe
    @permission_name("update_role_groups")
    def update_role_groups(self, role_id):
        return self._guarded(inspect.unwrap(RoleApi.update_role_groups), self, role_id)


class CasusRoleModelView(OptimisticLockingMixin, RoleModelView):
    """Roles by name. What a role may do is shown and edited in plain words in the
    permission matrix (``/access/matrix/``), not as Flask-AppBuilder's internal
    permission names ("can list on CaseModelView") that this view would list."""

    class_permission_name = "RoleModelView"  # the grants of app/roles.py
    list_columns = search_columns = ["name"]
    show_columns = add_columns = edit_columns = ["name"]


class CasusSecurityManager(ApiKeyMixin, OidcLoginMixin, PasswordRulesMixin,
                           LoginProtectionMixin, PermissionCacheMixin, SecurityManager):
    user_model = CasusUser
    authdbview = CasusAuthDBView
    security_api = SecurityApi
    userdbmodelview = CasusUserDBModelView
    useroauthmodelview = CasusUserOAuthModelView
    authoauthview = CasusAuthOAuthView
    rolemodelview = CasusRoleModelView
    user_api = CasusUserApi
    role_api = CasusRoleApi

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
