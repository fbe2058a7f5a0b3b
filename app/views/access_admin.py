"""Access administration for functional administrators (and admissions for coordinators).

- the permission matrix: per role, areas × actions in plain words, editable;
- "why can this user see this case?": the answer and the rule that gives it;
- "view as" a role: what a role would see before it is handed out;
- the permission change log;
- admissions of partner organisations to cases, with their end date.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.models import PermissionView, Role
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import validators

from casusregie.app import admissions, approvals, role_changes
from casusregie.app.access import (
    Actor,
    actor_for_user,
    clock,
    current_actor,
    row_criteria,
    system_access,
)
from casusregie.app.access.changes import PrivilegeError
from casusregie.app.access.explain import explain_case
from casusregie.app.access.models import PermissionChange
from casusregie.app.access.role_data import clearances_of, scopes_of
from casusregie.app.extensions import db
from casusregie.app.i18n import format_date
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CaseNote,
    CasusUser,
    Decision,
    Intervention,
    Organisation,
    Signal,
    Subject,
)
from casusregie.app.roles import (
    CLEAR_BSN,
    CLEAR_CRIMINAL,
    CLEAR_HEALTH,
    CLEARANCES,
    ROLE_SPECS,
    SCOPE_ADMITTED,
    SCOPE_COORDINATE,
    SCOPE_CORE,
    SCOPE_DIRECTED,
    SCOPE_FIGURES,
    SCOPE_RETENTION,
    SCOPES,
)
from casusregie.app.views.base import CasusModelView, remote_select
from casusregie.app.views.fields import context_id
from casusregie.app.workflow import WorkflowError, WorkflowPermissionError

CATEGORY = "Toegang"

#: The matrix's columns: what a user can do in an area, in plain words.
ACTIONS: tuple[tuple[str, Any, frozenset[str]], ...] = (
    ("view", _l("View"), frozenset({"can_list", "can_show", "can_get", "can_info"})),
    ("add", _l("Add"), frozenset({"can_add", "can_post"})),
    ("edit", _l("Change"), frozenset({"can_edit", "can_put"})),
    ("delete", _l("Delete"), frozenset({"can_delete"})),
)
GROUPED_PERMISSIONS = frozenset().union(*(perms for _k, _l_, perms in ACTIONS))

#: The row scopes and clearances a role can give, in plain words (the rules behind them
#: are in ``app.access.rows`` and ``app.access.fields``).
SCOPE_LABELS: dict[str, Any] = {
    SCOPE_CORE: _l("Every included case and every signal (in a core organisation)"),
    SCOPE_COORDINATE: _l("Changes every organisation's rows and admits partners"),
    SCOPE_DIRECTED: _l("The cases the user directs"),
    SCOPE_ADMITTED: _l("The cases the user's organisation is admitted to"),
    SCOPE_RETENTION: _l("Subject lists for retention, no case content"),
    SCOPE_FIGURES: _l("Figures only, no case content"),
}
CLEARANCE_LABELS: dict[str, Any] = {
    CLEAR_BSN: _l("BSN"),
    CLEAR_CRIMINAL: _l("outcomes of other organisations' criminal-law interventions"),
    CLEAR_HEALTH: _l("outcomes of other organisations' care interventions"),
}

#: Other permissions, by name, in plain words.
OTHER_LABELS: dict[str, Any] = {
    "can_weigh": _l("weigh signals"),
    "can_dossier": _l("print the dossier"),
    "can_agenda": _l("print the agenda"),
    "can_matrix": _l("edit the permission matrix"),
    "can_explain": _l("explain who sees a case"),
    "can_view_as": _l("view as a role"),
    "can_userinfo": _l("own profile"),
    "userinfoedit": _l("edit own profile"),
    "resetmypassword": _l("change own password"),
    "resetpasswords": _l("reset other users' passwords"),
    "can_this_form_get": _l("open the form"),
    "can_this_form_post": _l("send the form"),
    "muldelete": _l("delete several at once"),
    "mulexport": _l("export"),
    "can_download": _l("download"),
    "can_export": _l("export"),
    "can_print": _l("print"),
    "can_close": _l("close a case"),
    "can_reopen": _l("reopen a case"),
    "can_conference": _l("record the case conference"),
    "can_escalate": _l("escalate"),
    "can_de_escalate": _l("de-escalate"),
    "can_edit_agenda": _l("edit the agenda"),
    "can_record": _l("record decisions"),
    "copyrole": _l("copy a role"),
    "can_chart": _l("chart"),
    "can_add_role_permissions": _l("add permissions to a role"),
    "can_list_role_permissions": _l("list a role's permissions"),
    "can_update_role_users": _l("change a role's users"),
    "can_update_role_groups": _l("change a role's groups"),
    "menu_access": _l("show in the menu"),
}

#: Screens without a menu entry of their own, in plain words (by permission name).
AREA_LABELS: dict[str, Any] = {
    "AccessAdminView": _l("Access administration"),
    "CaseWorkflowView": _l("Case process (decisions)"),
    "ConferenceAgendaView": _l("Case conference agenda"),
    "DossierPrintView": _l("Printing"),
    "OpenApi": _l("API description"),
    "SwaggerView": _l("API explorer"),
    "ResetMyPasswordView": _l("Change own password"),
    "ResetPasswordView": _l("Reset a user's password"),
    "UserInfoEditView": _l("Edit own profile"),
    "MenuApi": _l("Menu"),
    "Group": _l("Groups"),
    "Permission": _l("Permissions"),
    "PermissionViewMenu": _l("Permissions per screen"),
    "Role": _l("Roles"),
    "User": _l("Users"),
    "ViewMenu": _l("Screens and menus"),
}


def other_label(permission: str) -> str:
    label = OTHER_LABELS.get(permission)
    if label is not None:
        return str(label)
    return re.sub(r"^can_", "", permission).replace("_", " ")


@dataclass
class Area:
    """One row of the matrix: a screen or API and the permissions it has."""

    view_menu_id: int
    name: str
    label: str
    group: str
    permissions: dict[str, PermissionView] = field(default_factory=dict)
    menu: PermissionView | None = None

    def cell(self, key: str) -> list[PermissionView]:
        perms = dict((k, p) for k, _label, p in ACTIONS)[key]
        return [pv for name, pv in self.permissions.items() if name in perms]

    @property
    def others(self) -> list[PermissionView]:
        return [pv for name, pv in sorted(self.permissions.items())
                if name not in GROUPED_PERMISSIONS]


def _menu_index(appbuilder: AppBuilder) -> tuple[dict[str, Any], dict[str, Any]]:
    """view-menu name → (menu item, its category item) for the registered menu."""
    by_view: dict[str, Any] = {}
    by_name: dict[str, Any] = {}
    for category in appbuilder.menu.get_list():
        by_name[category.name] = (category, None)
        for item in category.childs or []:
            if item.name == "-":
                continue
            by_name[item.name] = (item, category)
            if item.baseview is not None:
                by_view[item.baseview.class_permission_name] = (item, category)
        if category.baseview is not None:
            by_view[category.baseview.class_permission_name] = (category, None)
    return by_view, by_name


def _view_label(view: Any) -> str:
    for attr in ("list_title", "title"):
        value = getattr(view, attr, None)
        if value:
            return str(value)
    name = getattr(view, "resource_name", None) or type(view).__name__
    return re.sub(r"(ModelView|View|Api)$", "", name)


def build_areas(appbuilder: AppBuilder) -> list[Area]:
    """Every registered screen and API as a readable area, grouped as in the menu."""
    pvs = db.session.query(PermissionView).options(
        sa.orm.joinedload(PermissionView.permission),
        sa.orm.joinedload(PermissionView.view_menu)).all()
    by_view_menu: dict[str, dict[str, PermissionView]] = defaultdict(dict)
    menu_pvs: dict[str, PermissionView] = {}
    for pv in pvs:
        if pv.permission.name == "menu_access":
            menu_pvs[pv.view_menu.name] = pv
        else:
            by_view_menu[pv.view_menu.name][pv.permission.name] = pv
    views = {v.class_permission_name: v for v in appbuilder.baseviews
             if getattr(v, "class_permission_name", None)}
    menu_by_view, menu_by_name = _menu_index(appbuilder)
    areas: list[Area] = []
    used_menus: set[str] = set()
    for name, perms in by_view_menu.items():
        view = views.get(name)
        item, category = menu_by_view.get(name, (None, None))
        if view is None:
            # A permission of a view that is not registered (e.g. a disabled plugin).
            label, group = name, str(_("Not in use"))
        elif "/api/" in (getattr(view, "route_base", "") or ""):
            label = str(AREA_LABELS.get(name) or (item.label if item else None)
                        or _view_label(view))
            label, group = f"{label} (API)", str(_("REST API"))
        elif name in AREA_LABELS:
            label = str(AREA_LABELS[name])
            group = str(category.label or category.name) if category else \
                str(_("Other screens"))
        elif item is not None:
            label = str(item.label or item.name)
            group = str(category.label or category.name) if category else str(_("Menu"))
        else:
            label, group = _view_label(view), str(_("Other screens"))
        menu = menu_pvs.get(item.name) if item is not None else None
        if menu is not None:
            used_menus.add(item.name)
        areas.append(Area(perms[next(iter(perms))].view_menu_id, name, label, group,
                          perms, menu))
    for menu_name, pv in menu_pvs.items():
        if menu_name in used_menus:
            continue
        item, category = menu_by_name.get(menu_name, (None, None))
        label = str(item.label or item.name) if item is not None else menu_name
        group = str(category.label or category.name) if category else \
            str(_("Menu groups"))
        areas.append(Area(pv.view_menu_id, menu_name, label, group, {}, pv))
    order = {str(c.label or c.name): i for i, c in enumerate(appbuilder.menu.get_list())}
    areas.sort(key=lambda a: (order.get(a.group, 99), a.group, a.label.lower()))
    return areas


def area_label(name: str) -> str:
    """A permission's screen, API or menu entry in the words of the matrix."""
    from flask import current_app

    appbuilder = current_app.appbuilder
    if name in AREA_LABELS:
        return str(AREA_LABELS[name])
    menu_by_view, menu_by_name = _menu_index(appbuilder)
    item, _category = menu_by_view.get(name) or menu_by_name.get(name) or (None, None)
    if item is not None:
        return str(item.label or item.name)
    for view in appbuilder.baseviews:
        if getattr(view, "class_permission_name", None) == name:
            return _view_label(view)
    return name


def _permission_word(permission: str) -> str:
    for _key, label, perms in ACTIONS:
        if permission in perms:
            return str(label)
    return other_label(permission)


def role_pairs(role: Role) -> set[int]:
    return {pv.id for pv in role.permissions}


@dataclass
class Cell:
    key: str
    state: str  # "all", "some", "none" or "" (the area has no such permission)
    ids: list[int]


def matrix_rows(areas: list[Area], granted: set[int]) -> list[tuple[Area, list[Cell]]]:
    rows = []
    for area in areas:
        cells = []
        for key, _label, _perms in ACTIONS:
            ids = [pv.id for pv in area.cell(key)]
            have = [i for i in ids if i in granted]
            state = "" if not ids else "all" if len(have) == len(ids) else \
                "some" if have else "none"
            cells.append(Cell(key, state, ids))
        rows.append((area, cells))
    return rows


class AccessAdminView(BaseView):
    """The permission matrix, the explanation screen and "view as"."""

    route_base = "/access"
    default_view = "matrix"

    # ------------------------------------------------------------------ matrix
    @expose("/matrix/", methods=["GET", "POST"])
    @has_access
    def matrix(self):
        roles = db.session.query(Role).order_by(Role.name).all()
        if not roles:
            abort(404)
        role_id = request.values.get("role", type=int) or roles[0].id
        role = next((r for r in roles if r.id == role_id), None)
        if role is None:
            abort(404)
        areas = build_areas(self.appbuilder)
        if request.method == "POST" and request.form.get("part") == "access":
            self._ask_access(role)
            return redirect(url_for(".matrix", role=role.id))
        if request.method == "POST":
            changed = self._save_matrix(role, areas)
            if changed is not None:
                flash(_("%(count)d permission(s) changed for role %(role)s.", count=changed,
                        role=role.name), "success")
                return redirect(url_for(".matrix", role=role.id))
        granted = role_pairs(role)
        return self.render_template(
            "access/matrix.html", title=_("Permission matrix"), roles=roles, role=role,
            rows=matrix_rows(areas, granted), actions=ACTIONS, granted=granted,
            other_label=other_label, spec=ROLE_SPECS.get(role.name),
            scopes=scopes_of([role]), clearances=clearances_of([role]),
            scope_labels=[(k, SCOPE_LABELS[k]) for k in SCOPES],
            clearance_labels=[(k, CLEARANCE_LABELS[k]) for k in CLEARANCES],
            waiting=[r for r in (approvals.pending(role_changes.ROLE_ACCESS, role.id),
                                 approvals.pending(role_changes.ROLE_RIGHTS, role.id)) if r],
            describe=role_changes.describe)

    def _ask_access(self, role: Role) -> None:
        """A role's scopes and clearances change only after a second person approves."""
        form = request.form
        scopes = {k for k in SCOPES if form.get(f"scope-{k}") == "on"}
        clearances = {k for k in CLEARANCES if form.get(f"clearance-{k}") == "on"}
        try:
            asked = role_changes.request_role_access(role, scopes, clearances, g.user)
        except PrivilegeError as exc:
            flash(str(exc), "danger")
            return
        if asked is None:
            flash(_("Nothing changed."), "info")
        else:
            flash(_("The change to the scopes and clearances of %(role)s awaits a second "
                    "person's approval (Changes to review).", role=role.name), "warning")

    def _save_matrix(self, role: Role, areas: list[Area]) -> int | None:
        form = request.form
        by_id = {pv.id: pv for a in areas for pv in
                 (*a.permissions.values(), *([a.menu] if a.menu else []))}
        granted = role_pairs(role)
        add: set[int] = set()
        remove: set[int] = set()
        for area in areas:
            for key, _label, _perms in ACTIONS:
                ids = [pv.id for pv in area.cell(key)]
                if not ids:
                    continue
                name = f"cell-{area.view_menu_id}-{key}"
                was = form.get(f"was-{name}")
                if was is None:
                    continue  # not on the submitted page
                now_on = form.get(name) == "on"
                # An untouched partly-granted cell stays as it is.
                if now_on and was != "all":
                    add.update(ids)
                elif not now_on and was != "none":
                    remove.update(ids)
            singles = [*area.others, *([area.menu] if area.menu else [])]
            for pv in singles:
                name = f"pv-{pv.id}"
                if form.get(f"was-{name}") is None:
                    continue
                if form.get(name) == "on":
                    add.add(pv.id)
                else:
                    remove.add(pv.id)
        add -= granted
        remove &= granted
        if not add and not remove:
            flash(_("Nothing changed."), "info")
            return 0
        # Rights to hand out access are asked for, and granted after a second person
        # approves; the rest of the change is made now.
        asked = role_changes.sensitive_grants([by_id[i] for i in sorted(add) if i in by_id])
        if asked:
            try:
                role_changes.request_role_rights(role, asked, g.user)
            except PrivilegeError as exc:
                flash(str(exc), "danger")
                return None
            flash(_("Rights to hand out access for %(role)s await a second person's "
                    "approval (Changes to review).", role=role.name), "warning")
            add -= {pv.id for pv in asked}
            if not add and not remove:
                return 0
        role.permissions = [pv for pv in role.permissions if pv.id not in remove] + \
            [by_id[i] for i in sorted(add) if i in by_id]
        try:
            db.session.commit()
        except Exception as exc:  # the privilege check refuses; say why, keep the matrix
            db.session.rollback()
            flash(str(getattr(exc, "description", None) or _("The change was not saved.")),
                  "danger")
            return None
        return len(add) + len(remove)

    # ------------------------------------------------------------------ explanation
    @expose("/explain/")
    @has_access
    def explain(self):
        """Whether one named user sees one named case, and why.

        The case is named by its number (or id, from a link): the screen lists no case
        numbers. Administrators and privacy officers have no case content, so the purpose
        of an admission (which can tell what the case is about, e.g. a health treatment)
        is quoted only to a viewer who sees the case themselves.
        """
        viewer = current_actor()
        with system_access("explaining access"):
            users = db.session.query(CasusUser).order_by(CasusUser.username).all()
            user = db.session.get(CasusUser, request.args.get("user", type=int) or 0)
            case = self._named_case()
            answer = None
            if user is not None and case is not None:
                actor = actor_for_user(user)
                answer = explain_case(actor, case, active=bool(user.active))
                if answer.rule == "admitted" and not _sees(viewer, case):
                    # The first detail of an admission is its purpose and legal basis.
                    answer = dataclasses.replace(answer, details=answer.details[1:])
            return self.render_template(
                "access/explain.html", title=_("Why can this user see this case?"),
                users=users, user=user, case=case, answer=answer,
                number=(request.args.get("number") or "").strip()[:40])

    @staticmethod
    def _named_case() -> Case | None:
        number = (request.args.get("number") or "").strip().upper()
        if number:
            return db.session.scalars(sa.select(Case).where(Case.number == number)).first()
        case_id = request.args.get("case", type=int)
        return db.session.get(Case, case_id) if case_id else None

    # ------------------------------------------------------------------ view as
    @expose("/view-as/")
    @has_access
    def view_as(self):
        roles = db.session.query(Role).order_by(Role.name).all()
        organisations = db.session.query(Organisation).order_by(Organisation.name).all()
        role = db.session.get(Role, request.args.get("role", type=int) or 0)
        org = db.session.get(Organisation, request.args.get("organisation", type=int) or 0)
        preview = None
        if role is not None:
            preview = self._preview(role, org)
        return self.render_template(
            "access/view_as.html", title=_("View as a role"), roles=roles,
            organisations=organisations, role=role, organisation=org, preview=preview)

    def _preview(self, role: Role, org: Organisation | None) -> dict[str, Any]:
        granted = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        menu = []
        for category in self.appbuilder.menu.get_list():
            children = [str(c.label or c.name) for c in category.childs or []
                        if c.name != "-" and ("menu_access", c.name) in granted]
            if ("menu_access", category.name) in granted and (children or not category.childs):
                menu.append((str(category.label or category.name), children))
        areas = build_areas(self.appbuilder)
        ids = role_pairs(role)
        abilities = []
        for area, cells in matrix_rows(areas, ids):
            words = [str(label) for (key, label, _p), cell in zip(ACTIONS, cells, strict=True)
                     if cell.state in ("all", "some")]
            words += [other_label(pv.permission.name) for pv in area.others if pv.id in ids]
            if words:
                abilities.append((area.group, area.label, words))
        actor = Actor(
            user_id=None, username=f"[{role.name}]",
            organisation_id=org.id if org else None,
            organisation_tier=(org.tier.value if org else None),
            role_names=frozenset({role.name}), scopes=scopes_of([role]),
            clearances=clearances_of([role]), role_ids=frozenset({role.id}))
        with system_access("view as"):
            def visible(model):
                return db.session.execute(sa.select(sa.func.count()).select_from(model)
                                          .where(row_criteria(model, actor))).scalar()

            cases = db.session.execute(sa.select(Case.number).where(
                row_criteria(Case, actor)).order_by(Case.number)).scalars().all()
            counts = [(_("Cases"), len(cases)), (_("Signals"), visible(Signal)),
                      (_("Subjects"), visible(Subject)),
                      (_("Interventions"), visible(Intervention)),
                      (_("Decisions"), visible(Decision)), (_("Case notes"), visible(CaseNote))]
        hidden = [str(label) for key, label in (
            (CLEAR_BSN, _l("BSN")),
            (CLEAR_CRIMINAL, _l("outcomes of other organisations' criminal-law "
                                       "interventions")),
            (CLEAR_HEALTH, _l("outcomes of other organisations' care interventions")),
        ) if key not in actor.clearances]
        return {"menu": menu, "abilities": abilities, "cases": cases, "counts": counts,
                "hidden": hidden, "directs": actor.directs or SCOPE_DIRECTED in
                actor.scopes, "needs_org": SCOPE_ADMITTED in actor.scopes and org is None,
                "scopes": actor.scopes}


class PermissionChangeModelView(CasusModelView):
    """The permission change log: read only."""

    datamodel = SQLAInterface(PermissionChange)
    list_title = _l("Permission changes")
    show_title = _l("Permission change")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["changed_at", "changed_by", "kind", "role", "permission", "view_menu",
                    "target_user"]
    show_columns = [*list_columns, "detail"]
    search_columns = ["changed_by", "kind", "role", "target_user", "changed_at"]
    base_order = ("changed_at", "desc")
    label_columns = {"changed_at": _l("When"), "changed_by": _l("Changed by"),
                     "kind": _l("Change"), "role": _l("Role"), "permission": _l("Permission"),
                     "view_menu": _l("Area"), "target_user": _l("User"),
                     "detail": _l("Details")}
    formatters_columns = {
        "kind": lambda v: str({
            "role_granted": _l("permission granted to role"),
            "role_revoked": _l("permission taken from role"),
            "user_role_added": _l("role given to user"),
            "user_role_removed": _l("role taken from user"),
            "role_created": _l("role created"),
            "role_deleted": _l("role deleted"),
            "user_organisation_changed": _l("user moved to another organisation"),
            "role_renamed": _l("role renamed"),
            "role_scope_added": _l("scope given to role"),
            "role_scope_removed": _l("scope taken from role"),
            "role_clearance_added": _l("clearance given to role"),
            "role_clearance_removed": _l("clearance taken from role"),
            "role_access_requested": _l("change of scopes and clearances asked"),
            "role_access_approved": _l("change of scopes and clearances approved"),
            "role_access_refused": _l("change of scopes and clearances refused"),
            "role_rights_requested": _l("rights to hand out access asked"),
            "role_rights_approved": _l("rights to hand out access approved"),
            "role_rights_refused": _l("rights to hand out access refused"),
            "role_member_requested": _l("role for a user asked"),
            "role_member_approved": _l("role for a user approved"),
            "role_member_refused": _l("role for a user refused"),
        }.get(v, v)),
        "permission": lambda v: _permission_word(v) if v else "",
        "view_menu": lambda v: area_label(v) if v else "",
    }


def _not_before_start(form, field) -> None:
    start = form.starts_on.data if "starts_on" in form else None
    if start and field.data and field.data < start:
        raise validators.ValidationError(_("The end date cannot be before the start date."))


class CaseAdmissionModelView(CasusModelView):
    """Admissions of partner organisations to a case; they expire by themselves."""

    datamodel = SQLAInterface(CaseAdmission)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_end"]
    list_title = _l("Admissions")
    show_title = _l("Admission")
    add_title = _l("Admit an organisation to a case")
    edit_title = _l("Edit admission")
    list_columns = ["case", "organisation", "purpose", "starts_on", "ends_on", "granted_by"]
    show_columns = ["case", "organisation", "purpose", "legal_basis", "starts_on", "ends_on",
                    "granted_by", "granted_at"]
    add_columns = edit_columns = ["case", "organisation", "purpose", "legal_basis",
                                  "starts_on", "ends_on"]
    search_columns = ["case", "organisation", "ends_on"]
    order_columns = ["starts_on", "ends_on"]
    base_order = ("ends_on", "desc")
    label_columns = {"case": _l("Case"), "organisation": _l("Organisation"),
                     "purpose": _l("Purpose"), "legal_basis": _l("Legal basis"),
                     "starts_on": _l("From"), "ends_on": _l("Until (inclusive)"),
                     "granted_by": _l("Granted by"), "granted_at": _l("Granted at")}
    description_columns = {
        "ends_on": _l("The organisation no longer sees the case from the day after this "
                      "date."),
        "purpose": _l("Why the organisation needs to see this case."),
        "legal_basis": _l("The article of the covenant or law that allows it."),
    }
    validators_columns = {"ends_on": [_not_before_start]}
    add_form_extra_fields = edit_form_extra_fields = {
        "case": remote_select(_l("Case"), "case", required=True),
        "organisation": remote_select(_l("Organisation"), "organisation", required=True),
    }
    search_form_extra_fields = {
        "case": remote_select(_l("Case"), "case"),
        "organisation": remote_select(_l("Organisation"), "organisation"),
    }
    formatters_columns = {
        "ends_on": lambda d: (format_date(d) + (f" ({_('expired')})"
                                                 if d < clock.today() else "")) if d else "—",
    }

    def post_add_redirect(self):
        # Admitted from the case page: back to that case, where the admission shows.
        case_id = context_id("case")
        if case_id is not None:
            return redirect(url_for("CaseModelView.show", pk=case_id, _anchor="admissions"))
        return super().post_add_redirect()
    @expose("/end/<int:pk>", methods=["POST"])
    @has_access
    def end(self, pk: int):
        """End an admission from the case page (a POST with the form's CSRF token)."""
        form = DynamicForm.refresh()
        if not form.validate_on_submit():
            abort(400)
        admission = db.session.get(CaseAdmission, pk)
        if admission is None:
            abort(404)
        case_id = admission.case_id
        try:
            admissions.end_admission(g.user, admission)
            db.session.commit()
        except WorkflowPermissionError:
            db.session.rollback()
            abort(403)
        except WorkflowError as error:
            flash(str(error.message), "warning")
        else:
            flash(_("The admission of %(organisation)s has ended.",
                    organisation=admission.organisation.name), "success")
        return redirect(url_for("CaseModelView.show", pk=case_id, _anchor="admissions"))

def _sees(viewer: Actor | None, case: Case) -> bool:
    return viewer is not None and explain_case(viewer, case).visible


def register(appbuilder: AppBuilder) -> None:
    role_changes.register()
    cat = dict(category=CATEGORY, category_label=_l("Access"))
    appbuilder.add_view(AccessAdminView, "Permission matrix", label=_l("Permission matrix"),
                        href="/access/matrix/", **cat)
    appbuilder.add_link("Why can this user see this case?", href="/access/explain/",
                        label=_l("Why can this user see this case?"), category=CATEGORY)
    appbuilder.add_link("View as a role", href="/access/view-as/",
                        label=_l("View as a role"), category=CATEGORY)
    appbuilder.add_view(PermissionChangeModelView, "Permission changes",
                        label=_l("Permission changes"), category=CATEGORY)
    appbuilder.add_view(CaseAdmissionModelView, "Admissions", label=_l("Admissions"),
                        category="Casuswerk")
