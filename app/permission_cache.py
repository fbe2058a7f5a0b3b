"""Permission look-ups resolved from memory, kept across requests under the access version.

Flask-AppBuilder asks the database once per permission check: one query for the view
being served, one per menu entry and one per action button — about twenty per page.
This mixin loads every (permission, view) pair of a set of roles in one query, keeps it
in the worker under the access version (``app.access.stamp``) and answers every check
from it.

Each request reads the access version along with the signed-in user (one query, which
loading the user needed anyway). Every change of roles, permissions or a user's roles
renews the version in the database, in the transaction that makes it, so a role edited
or approved in one worker counts from the very next request in every worker.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context, request
from flask_appbuilder.security.sqla.models import (
    Group,
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from casusregie.app.access.stamp import current_version, read_version

_CACHE_ATTR = "_casus_permission_cache"

Pairs = frozenset[tuple[str, str]]

#: Sets of roles whose pairs a worker keeps; users share a handful of role sets.
_PAIRS_KEPT = 512


def _request_cache() -> dict[Any, Any] | None:
    """The cache of the current request, or None outside a request.

    ``g`` belongs to the app context, which a test or a CLI command may keep open
    across several requests; the cache is tied to the request object so that it never
    leaks from one request into the next.
    """
    if not has_request_context():
        return None
    current = request._get_current_object()  # type: ignore[attr-defined]
    holder = g.get(_CACHE_ATTR)
    if holder is None or holder[0] is not current:
        holder = (current, {})
        setattr(g, _CACHE_ATTR, holder)
    return holder[1]


class PermissionCacheMixin:
    """Mixed into the security manager so permission look-ups are cached per request."""

    # Provided by Flask-AppBuilder's SecurityManager.
    session: Any
    builtin_roles: dict[str, Any]
    user_model: Any

    def get_user_by_id(self, pk: int) -> Any:
        from casusregie.app.access import system_access

        # Roles and groups arrive with the user: every page needs them for its checks.
        # Loading the signed-in user is authentication, not a read on their behalf: the
        # row guard would otherwise ask who is signed in, and load the user a second time.
        with system_access("loading the signed-in user"):
            found = self.session.execute(
                select(self.user_model, current_version())
                .where(self.user_model.id == pk)
                # The roles' row scopes and clearances too (``app.access.role_data``).
                .options(joinedload(self.user_model.roles).joinedload(Role.casus_access),
                         joinedload(self.user_model.groups).joinedload(Group.roles))
            ).unique().first()
        if found is None:
            return None
        user, version = found
        cache = _request_cache()
        if cache is not None:
            cache["access_version"] = version
        return user

    def access_version(self) -> int:
        """The access version of this request (read with the user, or here once)."""
        cache = _request_cache()
        if cache is None:
            return read_version(self.session)
        if "access_version" not in cache:
            cache["access_version"] = read_version(self.session)
        return cache["access_version"]

    def role_permission_pairs(self, role_ids: list[int] | tuple[int, ...]) -> Pairs | None:
        """Every (permission, view) pair granted to these roles; None outside a request."""
        cache = _request_cache()
        if cache is None:
            return None
        roles = tuple(sorted(set(role_ids)))
        if not roles:
            return frozenset()
        key = ("pairs", roles)
        pairs = cache.get(key)
        if pairs is None:
            kept: dict[Any, Pairs] = current_app.extensions.setdefault(
                "casus_permission_pairs", {})
            worker_key = (self.access_version(), roles)
            pairs = kept.get(worker_key)
            if pairs is None:
                pairs = self._load_role_permission_pairs(roles)
                if len(kept) >= _PAIRS_KEPT:
                    kept.clear()
                kept[worker_key] = pairs
            cache[key] = pairs
        return pairs

    def _load_role_permission_pairs(self, role_ids: tuple[int, ...]) -> Pairs:
        rows = (
            self.session.query(Permission.name, ViewMenu.name)
            .select_from(PermissionView)
            .join(Permission, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .filter(assoc_permissionview_role.c.role_id.in_(role_ids))
            .distinct()
            .all()
        )
        return frozenset((perm, view) for perm, view in rows)

    # -- Flask-AppBuilder hooks -------------------------------------------------------

    def has_access(self, permission_name: str, view_name: str) -> bool:
        # Asked for the view, every menu entry and every button: the answer cannot change
        # within a request unless somebody logs in or out in it.
        cache = _request_cache()
        if cache is None:
            return super().has_access(permission_name, view_name)  # type: ignore[misc]
        key = ("has_access", permission_name, view_name, id(g.get("_login_user")),
               id(g.get("user")))
        answer = cache.get(key)
        if answer is None:
            answer = cache[key] = super().has_access(  # type: ignore[misc]
                permission_name, view_name)
        return answer

    def menu_key(self) -> Any:
        """What the main menu of this request depends on: the pairs the user holds."""
        from flask_login import current_user

        if not current_user.is_authenticated:
            role = self.get_public_role()
            return ("public", self.role_permission_pairs([role.id]) if role else None)
        roles = self.get_user_roles(g.user)  # type: ignore[attr-defined]
        # Some entries show by organisation too (a plugin's kind of intervention).
        return (frozenset(r.name for r in roles if r.name in self.builtin_roles),
                self.role_permission_pairs(
                    [r.id for r in roles if r.name not in self.builtin_roles]),
                getattr(g.user, "organisation_id", None))

    def exist_permission_on_roles(self, view_name: str, permission_name: str,
                                  role_ids: list[int]) -> bool:
        pairs = self.role_permission_pairs(role_ids)
        if pairs is None:
            return super().exist_permission_on_roles(  # type: ignore[misc]
                view_name, permission_name, role_ids)
        return (permission_name, view_name) in pairs

    def _get_user_permission_view_menus(self, user: Any, permission_name: str,
                                        view_menus_name: list[str] | None) -> set[str]:
        roles = [self.get_public_role()] if user is None else self.get_user_roles(user)
        roles = [r for r in roles if r is not None]
        db_role_ids = [r.id for r in roles if r.name not in self.builtin_roles]
        pairs = self.role_permission_pairs(db_role_ids)
        if pairs is None:
            return super()._get_user_permission_view_menus(  # type: ignore[misc]
                user, permission_name, view_menus_name)
        result = {
            name
            for role in roles
            if role.name in self.builtin_roles
            for name in view_menus_name or []
            if self._has_access_builtin_roles(role, permission_name, name)  # type: ignore[attr-defined]
        }
        result.update(view for perm, view in pairs if perm == permission_name)
        return result

    def get_public_role(self) -> Any:
        cache = _request_cache()
        if cache is None:
            return super().get_public_role()  # type: ignore[misc]
        if "public_role" not in cache:
            cache["public_role"] = super().get_public_role()  # type: ignore[misc]
        return cache["public_role"]

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        role = self.get_public_role()
        if role is None:
            return False
        pairs = self.role_permission_pairs([role.id])
        if pairs is None:
            return super().is_item_public(permission_name, view_name)  # type: ignore[misc]
        return (permission_name, view_name) in pairs


_MENU_CACHE_SIZE = 256


def cached_menu() -> Markup:
    """The main menu's HTML, rendered once per set of permissions and language.

    Rendering Flask-AppBuilder's menu asks a permission per entry and translates every
    label: several milliseconds per page for a result that only changes with the user's
    permissions or language, both part of the key (a changed role gives a new key).
    """
    from flask_babel import get_locale

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    appbuilder = app.appbuilder  # type: ignore[attr-defined]
    key = (str(get_locale()), appbuilder.sm.menu_key())
    cache: dict[Any, Markup] = app.extensions.setdefault("casus_menu_cache", {})
    html = cache.get(key)
    if html is None:
        template = app.jinja_env.get_template("appbuilder/navbar_menu.html")
        html = Markup(template.render(menu=appbuilder.menu, appbuilder=appbuilder))
        if len(cache) >= _MENU_CACHE_SIZE:
            cache.clear()
        cache[key] = html
    return html
