"""Walk every route that writes, as one user, trying to write where they must not.

The twin of ``tests/access_crawler.py`` for writes (acceptance 1 of issue 13). Used by
``tests/test_write_enumeration.py``. The routes come from ``app.url_map`` and
``appbuilder.baseviews``, never from a hand-written list, so a new screen, API or
workflow route is probed as soon as it is registered.

A probe is a well-formed write — the form as a user allowed to write would send it,
filled in — aimed where this user must not write: a case they may not change, a row of
another organisation, another organisation in an organisation field, or an
administration table without being an administrator. What the user must not touch is
stated here from the rules of ``docs/access.md`` (``must_not_change``), not computed by
the guard under test. A probe succeeds when the database changed (a fingerprint of
every table before and after); any success is a finding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_appbuilder.baseviews import BaseCRUDView
from werkzeug.datastructures import MultiDict

from casusregie.app.access import system_access
from casusregie.app.access.actor import Actor, actor_for_user
from casusregie.app.access.rows import ROW_RULES, guarded_model, visible_query
from casusregie.app.extensions import db
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CaseConference,
    CasusUser,
    Goal,
    Intervention,
    InterventionType,
    Organisation,
    RiskGroup,
    Signal,
    Subject,
    SubjectRelation,
    Weighing,
)
from casusregie.app.models.tracking import OrganisationOwned
from casusregie.app.roles import ROLE_ADMIN
from tests.access_crawler import ARG_MODELS, _api_token
from tests.forms import Form, main_form
from tests.support import Browser

#: Users whose forms serve as templates: they may open every form.
TEMPLATE_USERS = ("coordinator", "beheerder")

#: Administration tables: only functional administrators change them.
ADMIN_MODELS = (Organisation, RiskGroup, InterventionType, CasusUser)

#: Tables an administrator changes by design (accounts, roles, the record of asked and
#: decided changes, tasks); for the administrator, what matters in them is who can see
#: case content or hand out access (``access_fingerprint``), not whether a row changed.
_ADMINISTRATION = {"approval_request", "permission_change", "task", "notification",
                   "outbox_mail", "email_preference", "security_event", "login_throttle",
                   "role_access"}

#: Columns that change on every login or request, not by a write.
_VOLATILE = {"last_login", "login_count", "fail_login_count", "changed_on", "version",
             "last_used_on"}
#: Tables written by reading (the print log, the audit trail, which records every read
#: and every use of an API key) or holding sessions and tokens.
_NOT_CONTENT = {"print_log", "alembic_version", "security_event", "audit_record",
                "audit_detail", "audit_chain_head"}

WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
PROBE_TEXT = "Schrijfproef"


# --------------------------------------------------------------------------- the oracle

_TABLES: dict[str, list[tuple[sa.Table, list[sa.Column]]]] = {}


def _tables() -> list[tuple[sa.Table, list[sa.Column]]]:
    key = str(db.engine.url)
    if key not in _TABLES:
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        _TABLES[key] = [(t, [c for c in t.columns if c.name not in _VOLATILE])
                        for name, t in sorted(metadata.tables.items())
                        if name not in _NOT_CONTENT and not name.startswith("alembic_version")]
    return _TABLES[key]


def fingerprint(*, skip_administration: bool = False) -> str:
    """Every row of every table (but volatile columns): did anything change?"""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table, columns in _tables():
            if skip_administration and (table.name.startswith("ab_")
                                        or table.name in _ADMINISTRATION):
                continue
            for row in conn.execute(sa.select(*columns).order_by(*table.primary_key)):
                digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def access_fingerprint() -> str:
    """Who sees case content and who may hand out access, read straight from the tables:
    per active user, the scopes and clearances of their roles, their organisation, and
    their rights on the screens and APIs that change roles and users. Role names are left
    out: a rename that moves nothing is no finding."""
    from casusregie.app.roles import CASE_CONTENT_SCOPES, is_sensitive_right

    t = {name: table for table, _c in _tables() for name in [table.name]}
    user, member, access = t["ab_user"], t["ab_user_role"], t["role_access"]
    pvr, pv = t["ab_permission_view_role"], t["ab_permission_view"]
    perm, view = t["ab_permission"], t["ab_view_menu"]
    held: dict[int, set[Any]] = {}
    with db.engine.connect() as conn:
        active = {r.id: r.organisation_id for r in conn.execute(
            sa.select(user.c.id, user.c.organisation_id).where(user.c.active.is_(True)))}
        for uid, kind, value in conn.execute(
                sa.select(member.c.user_id, access.c.kind, access.c.value)
                .join(access, access.c.role_id == member.c.role_id)):
            if kind == "clearance" or value in CASE_CONTENT_SCOPES:
                held.setdefault(uid, set()).add((kind, value))
        for uid, p, v in conn.execute(
                sa.select(member.c.user_id, perm.c.name, view.c.name)
                .join(pvr, pvr.c.role_id == member.c.role_id)
                .join(pv, pv.c.id == pvr.c.permission_view_id)
                .join(perm, perm.c.id == pv.c.permission_id)
                .join(view, view.c.id == pv.c.view_menu_id)):
            if is_sensitive_right(p, v):
                held.setdefault(uid, set()).add((p, v))
    rows = sorted((uid, active[uid], sorted(things)) for uid, things in held.items()
                  if uid in active)
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def admin_fingerprint() -> str:
    """For the administrator: case content unchanged, and nobody's access widened."""
    return fingerprint(skip_administration=True) + access_fingerprint()


@dataclass
class Target:
    """What one user must not write to, stated from the rules of ``docs/access.md``."""

    username: str
    actor: Actor
    user_id: int
    organisation_id: int | None
    admin: bool
    #: cases the user may not change at all (core partners and directors change theirs)
    closed_cases: list[Case] = field(default_factory=list)
    #: a case the user may write into (for probes of the organisation field alone)
    open_case: Case | None = None
    other_organisations: list[int] = field(default_factory=list)
    rows: dict[type, list[Any]] = field(default_factory=dict)  # rows not to change


def _case_of(row: Any) -> int | None:
    if isinstance(row, Case):
        return row.id
    if isinstance(row, Goal):
        return row.action_plan.case_id
    return getattr(row, "case_id", None)


def must_not_change(target: Target, row: Any) -> bool:
    """Whether the user must not change ``row`` (docs/access.md, "who may change what")."""
    actor = target.actor
    if isinstance(row, ADMIN_MODELS):
        return not target.admin
    if isinstance(row, Signal | Weighing | CaseConference):
        return not actor.is_core
    if isinstance(row, CaseAdmission):
        return not actor.coordinates
    if isinstance(row, Subject | SubjectRelation):
        return not (actor.is_core or actor.directs)
    case_id = _case_of(row)
    directs = case_id is not None and actor.directs and db.session.get(
        Case, case_id).case_director_id == target.user_id
    if not (actor.is_core or directs):
        visible = case_id in {c.id for c in _visible_cases(actor)}
        own_intervention = isinstance(row, Intervention) and actor.admitted_scope and visible \
            and row.organisation_id == target.organisation_id
        if not own_intervention:
            return True
    if isinstance(row, OrganisationOwned | Goal) and not (actor.coordinates or directs):
        return row.organisation_id not in (None, target.organisation_id)
    return False


def _visible_cases(actor: Actor) -> list[Case]:
    ids = set(db.session.execute(visible_query(Case, actor)).scalars())
    return [c for c in db.session.query(Case).order_by(Case.id) if c.id in ids]


def target_for(app: Flask, username: str) -> Target:
    with app.app_context(), system_access("write crawler: targets"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        actor = actor_for_user(user)
        target = Target(username, actor, user.id, user.organisation_id,
                        ROLE_ADMIN in actor.role_names)
        visible = _visible_cases(actor)
        open_cases = [c for c in db.session.query(Case).order_by(Case.id) if c.is_open]
        # Cases the user may not write into at all (an admitted partner registers its own
        # interventions in the cases it is admitted to).
        target.closed_cases = [c for c in open_cases if must_not_change(
            target, Intervention(case_id=c.id, organisation_id=user.organisation_id))][:2]
        writable = [c for c in visible if c.is_open]
        target.open_case = writable[0] if writable else None
        target.other_organisations = [o.id for o in db.session.query(Organisation)
                                      .filter(Organisation.active.is_(True))
                                      .order_by(Organisation.id)
                                      if o.id != user.organisation_id][:2]
        models = {sa.inspect(m).class_ for m in ROW_RULES if hasattr(m, "id")}
        for model in [*sorted(models, key=lambda m: m.__name__), *ADMIN_MODELS]:
            rows = [r for r in db.session.query(model).order_by(model.id).limit(200)
                    if must_not_change(target, r)]
            target.rows[model] = rows[:1]
        db.session.expunge_all()  # read later as plain values (ids, numbers, versions)
        db.session.rollback()
    return target


# --------------------------------------------------------------------------- the probes

@dataclass
class Probe:
    method: str
    url: str
    what: str
    data: Any = None
    api: bool = False


@dataclass
class Report:
    username: str
    probes: int = 0
    successes: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def _template_form(app: Flask, url: str) -> Form | None:
    for user in TEMPLATE_USERS:
        resp = _browser(app, user).get(url)
        if resp.status_code == 200:
            form = main_form(resp.text)
            if form is not None:
                return form
    return None


_BROWSERS: dict[tuple[int, str], Browser] = {}


def _browser(app: Flask, user: str) -> Browser:
    key = (id(app), user)
    if key not in _BROWSERS:
        _BROWSERS[key] = Browser(app).login(user)
    return _BROWSERS[key]


def _column_type(model: type, name: str) -> Any:
    column = sa.inspect(model).columns.get(name)
    return column.type if column is not None else None


def fill(form: Form, model: type, overrides: dict[str, str]) -> MultiDict:
    """The form as a user would send it, every empty field given a plausible value."""
    data = form.data()
    for f in form.fields:
        if f.name in overrides or f.name == "csrf_token" or f.type == "hidden":
            continue
        kind = _column_type(model, f.name)
        if f.type == "checkbox" and f.required and f.name not in data:
            data.add(f.name, f.value or "y")
        if f.tag == "select" or data.get(f.name):
            continue
        if f.name in ("password", "conf_password"):
            data.setlist(f.name, ["Schrijfproef-wachtwoord-2026"])
        elif f.name == "email":
            data.setlist(f.name, ["schrijfproef@example.org"])
        elif isinstance(kind, sa.DateTime):
            data.setlist(f.name, ["2026-01-05 10:00:00"])
        elif isinstance(kind, sa.Date):
            data.setlist(f.name, ["2026-01-05"])
        elif isinstance(kind, sa.Integer):
            data.setlist(f.name, ["7"])
        elif f.name != "bsn":
            data.setlist(f.name, [PROBE_TEXT])
    for name, value in overrides.items():
        data.setlist(name, [value])
    return data


def _case_value(form: Form, case: Case) -> str:
    f = form.field("case")
    return str(case.id) if f is not None and f.tag == "select" else case.number


def _crud_views(app: Flask) -> Iterator[Any]:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for view in app.appbuilder.baseviews:
        if isinstance(view, BaseCRUDView) and f"{view.endpoint}.list" in endpoints:
            yield view, endpoints


def screen_probes(app: Flask, target: Target) -> Iterator[Probe]:
    """Add, edit and delete forms of every model view."""
    for view, endpoints in _crud_views(app):
        model = view.datamodel.obj
        base = "/" + view.route_base.strip("/")
        if f"{view.endpoint}.add" in endpoints:
            yield from _add_probes(app, target, view, model, base)
        for row in target.rows.get(guarded_model(model) or model, []):
            if not isinstance(row, model):
                continue
            pk = sa.inspect(row).identity[0]
            if f"{view.endpoint}.edit" in endpoints:
                form = _template_form(app, f"{base}/edit/{pk}")
                if form is not None:
                    yield Probe("POST", f"{base}/edit/{pk}", f"edit {model.__name__} #{pk}",
                                _changed(form, model))
            if f"{view.endpoint}.delete" in endpoints:
                yield Probe("POST", f"{base}/delete/{pk}", f"delete {model.__name__} #{pk}",
                            MultiDict())


def _changed(form: Form, model: type) -> MultiDict:
    data = fill(form, model, {})
    for f in form.fields:
        if f.tag == "textarea" or (f.tag == "input" and f.type == "text" and isinstance(
                _column_type(model, f.name), sa.String) and f.name not in ("email", "bsn")):
            data.setlist(f.name, [f"{PROBE_TEXT} {f.value}"[:100]])
            break
    return data


def _add_probes(app: Flask, target: Target, view: Any, model: type, base: str
                ) -> Iterator[Probe]:
    form = _template_form(app, f"{base}/add")
    if form is None:
        return
    own = str(target.organisation_id or "")
    overrides: dict[str, str] = {}
    if form.field("organisation") is not None:
        overrides["organisation"] = own
    if form.field("case") is not None and target.open_case is not None:
        overrides["case"] = _case_value(form, target.open_case)
    name = model.__name__
    if guarded_model(model) is None and not _may_open(app, target, f"{base}/add"):
        yield Probe("POST", f"{base}/add", f"add {name}", fill(form, model, overrides))
    if form.field("case") is not None:
        for case in target.closed_cases:
            yield Probe("POST", f"{base}/add", f"add {name} in case {case.number}",
                        fill(form, model, {**overrides, "case": _case_value(form, case)}))
    if form.field("organisation") is not None and issubclass(model, OrganisationOwned) \
            and _for_own_organisation_only(target):
        for org in target.other_organisations:
            yield Probe("POST", f"{base}/add", f"add {name} for organisation {org}",
                        fill(form, model, {**overrides, "organisation": str(org)}))


def _for_own_organisation_only(target: Target) -> bool:
    """Whether the user writes only in their own organisation's name in every case they
    may write into (coordinators, and directors in their cases, act for partners)."""
    return (target.open_case is not None and not target.actor.coordinates
            and not target.actor.directs)


def _may_open(app: Flask, target: Target, url: str) -> bool:
    return _browser(app, target.username).get(url).status_code == 200


def api_probes(app: Flask, target: Target) -> Iterator[Probe]:
    """Create and change through every REST API that writes."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or not (rule.methods or set()) & {"POST", "PUT"}:
            continue
        if "/security/" in rule.rule or rule.rule.endswith(("/_info", "/login", "/refresh")):
            continue
        resource = rule.rule.removeprefix("/api/v1/").split("/")[0]
        if "POST" in rule.methods and not rule.arguments and resource == "intervention":
            itype = _core_type(app)
            for case in target.closed_cases:
                yield Probe("POST", rule.rule, f"API create {resource} in case {case.number}",
                            {"case": case.id, "type": itype, "organisation": None}, api=True)
            if _for_own_organisation_only(target):
                for org in target.other_organisations:
                    yield Probe("POST", rule.rule, f"API create {resource} for org {org}",
                                {"case": target.open_case.id, "type": itype,
                                 "organisation": org}, api=True)
        if "PUT" in rule.methods and rule.arguments == {"pk"}:
            for row in target.rows.get(Intervention if resource == "intervention" else
                                       Case, []):
                yield Probe("PUT", rule.rule.replace("<pk>", str(row.id)),
                            f"API change {resource} #{row.id}",
                            {"version": row.version, "outcome": PROBE_TEXT}, api=True)


def security_api_probes(target: Target, role_ids: dict[str, int]) -> Iterator[Probe]:
    """Flask-AppBuilder's security API: users, roles and their members."""
    if target.admin:
        return  # administrators' routes to case content: see ``admin_probes``
    yield Probe("POST", "/api/v1/security/users/", "API create a user",
                {"first_name": "S", "last_name": "P", "username": "schrijfproef",
                 "email": "sp@example.org", "password": "Schrijfproef-2026!",
                 "active": True, "roles": [role_ids["coordinator"]]}, api=True)
    yield Probe("PUT", f"/api/v1/security/users/{target.user_id}", "API give myself a role",
                {"roles": [role_ids["coordinator"]]}, api=True)
    yield Probe("PUT", f"/api/v1/security/roles/{role_ids['coordinator']}/users",
                "API add myself to a role", {"user_ids": [target.user_id]}, api=True)


def admin_probes(app: Flask, target: Target, ids: dict[str, Any]) -> Iterator[Probe]:
    """The administrator's routes to case content: role members from both sides, new
    users with case roles, renames, scope and clearance edits, rights to hand out access
    for his own and another role — on the screens, the matrix and the security API."""
    coordinator, admin, core = ids["coordinator"], ids["admin"], ids["core"]
    other_user, other_role = ids["management_user"], ids["management"]
    me = target.user_id
    # The security API (for an administrator who holds its rights).
    yield Probe("PUT", f"/api/v1/security/roles/{coordinator}/users",
                "API add myself to the coordinator role",
                {"user_ids": [*ids["coordinator_members"], me]}, api=True)
    yield Probe("PUT", f"/api/v1/security/roles/{coordinator}/users",
                "API add another user to the coordinator role",
                {"user_ids": [*ids["coordinator_members"], other_user]}, api=True)
    yield Probe("POST", "/api/v1/security/users/", "API create a user with a case role",
                {"first_name": "S", "last_name": "P", "username": "schrijfproef",
                 "email": "sp@example.org", "password": "Schrijfproef-2026!",
                 "active": True, "roles": [coordinator]}, api=True)
    yield Probe("PUT", f"/api/v1/security/users/{other_user}",
                "API give another user a case role",
                {"roles": [coordinator], "version": ids["management_user_version"]}, api=True)
    for role_id, whose in ((admin, "my role"), (other_role, "another role")):
        yield Probe("POST", f"/api/v1/security/roles/{role_id}/permissions",
                    f"API give {whose} the right to decide approvals",
                    {"permission_view_menu_ids": [*ids["permissions"][role_id],
                                                  ids["sensitive_right"]]}, api=True)
    # Renames: a case role's name given to my role.
    yield Probe("PUT", f"/api/v1/security/roles/{core}", "API rename the core partner role",
                {"name": "Kernpartner-oud"}, api=True)
    yield Probe("PUT", f"/api/v1/security/roles/{admin}", "API rename my role to Kernpartner",
                {"name": "Kernpartner"}, api=True)
    yield Probe("POST", f"/roles/edit/{core}", "rename the core partner role",
                MultiDict({"name": "Kernpartner-oud2"}))
    yield Probe("POST", f"/roles/edit/{admin}", "rename my role to Kernpartner",
                MultiDict({"name": "Kernpartner"}))
    # The user forms: a case role for another user, a new user with a case role.
    for url, what in ((f"/users/edit/{other_user}", "give another user a case role"),
                      ("/users/add", "create a user with a case role")):
        form = _template_form(app, url)
        if form is not None:
            data = fill(form, CasusUser, {})
            data.setlist("roles", [str(coordinator)])
            data.setlist("organisation", [str(target.organisation_id)])
            data.setlist("username", ["schrijfproef2"] if url.endswith("add") else
                         data.getlist("username"))
            yield Probe("POST", url, what, data)
    # The permission matrix: scopes, clearances and rights to hand out access.
    for role_id, whose in ((admin, "my role"), (other_role, "another role")):
        yield Probe("POST", f"/access/matrix/?role={role_id}",
                    f"matrix: core scope and BSN for {whose}",
                    MultiDict({"role": str(role_id), "part": "access", "scope-core": "on",
                               "scope-coordinate": "on", "clearance-bsn": "on"}))
        pv = ids["sensitive_right"]
        yield Probe("POST", f"/access/matrix/?role={role_id}",
                    f"matrix: right to decide approvals for {whose}",
                    MultiDict({"role": str(role_id), f"was-pv-{pv}": "1", f"pv-{pv}": "on"}))
    yield from _admin_route_probes(app, target, ids)


def _admin_route_probes(app: Flask, target: Target, ids: dict[str, Any]) -> Iterator[Probe]:
    """Any other route that takes a role or a user: join the coordinator role."""
    crud = {v.endpoint for v, _e in _crud_views(app)}
    for rule in app.url_map.iter_rules():
        if not (rule.methods or set()) & WRITE_METHODS or rule.rule.startswith("/api/") \
                or rule.endpoint.split(".")[0] in crud:
            continue
        if not rule.arguments or not rule.arguments <= {"role_id", "user_id"}:
            continue
        url = rule.build({"role_id": ids["coordinator"], "user_id": target.user_id},
                         append_unknown=False)[1]
        yield Probe("POST", url, f"{rule.endpoint}: join the coordinator role",
                    MultiDict({"role": str(ids["coordinator"]), "user": str(target.user_id)}))


def route_probes(app: Flask, target: Target) -> Iterator[Probe]:
    """Other routes that write (workflow, conferences, admissions): forbidden ids."""
    crud = {v.endpoint for v, _e in _crud_views(app)}
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if not methods or rule.rule.startswith("/api/") or rule.endpoint.split(".")[0] in crud:
            continue
        args = [a for a in rule.arguments if a in ARG_MODELS]
        if not args or len(rule.arguments) != len(args):
            continue
        values = {}
        for arg in args:
            model = ARG_MODELS[arg]
            rows = target.rows.get(model) or (target.closed_cases if model is Case else [])
            if not rows:
                break
            values[arg] = rows[0].id
        else:
            url = rule.build(values, append_unknown=False)[1]
            form = _template_form(app, url)
            data = fill(form, Case, {}) if form is not None else MultiDict()
            yield Probe("POST", url, f"{rule.endpoint} {values}", data)


def _core_type(app: Flask) -> int:
    with app.app_context(), system_access("write crawler"):
        return db.session.execute(sa.select(InterventionType.id).where(
            InterventionType.kind == "", InterventionType.active.is_(True))).scalar()


# --------------------------------------------------------------------------- the walk

def _ids(app: Flask) -> dict[str, Any]:
    from flask_appbuilder.security.sqla.models import Role

    from casusregie.app.roles import ROLE_COORDINATOR, ROLE_CORE_PARTNER, ROLE_MANAGEMENT

    with app.app_context(), system_access("write crawler"):
        roles = {r.name: r for r in db.session.query(Role)}
        manager = db.session.query(CasusUser).filter_by(username="management").one()
        sm = app.appbuilder.sm
        # A right to hand out access the administrator does not hold: deciding approvals.
        approve = sm.find_permission_view_menu("approve", "ApprovalRequestModelView")
        ids = {"coordinator": roles[ROLE_COORDINATOR].id, "admin": roles[ROLE_ADMIN].id,
               "core": roles[ROLE_CORE_PARTNER].id, "management": roles[ROLE_MANAGEMENT].id,
               "coordinator_members": [u.id for u in roles[ROLE_COORDINATOR].user],
               "management_user": manager.id, "management_user_version": manager.version,
               "sensitive_right": approve.id,
               "permissions": {r.id: [pv.id for pv in r.permissions]
                               for r in roles.values()}}
        db.session.rollback()
    return ids


def probes_for(app: Flask, target: Target, *, api_only: bool = False) -> list[Probe]:
    ids = _ids(app)
    if api_only:  # an API key: it opens no screen
        return [*api_probes(app, target), *security_api_probes(target, ids)]
    # Outside an app context: the template forms are fetched with the test client, and
    # inside one Flask would share ``g`` (the logged-in user) between the requests.
    out = [*screen_probes(app, target), *api_probes(app, target),
           *security_api_probes(target, ids), *route_probes(app, target)]
    if target.admin:
        out += list(admin_probes(app, target, ids))
    return out


def send(app: Flask, target: Target, probe: Probe, token: str | None) -> int:
    if probe.api:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = app.test_client().open(probe.url, method=probe.method, headers=headers,
                                      json=probe.data)
    else:
        browser = _browser(app, target.username)
        data = MultiDict(probe.data or {})
        data.setlist("csrf_token", [_csrf(app, target)])
        resp = browser.client.open(probe.url, method=probe.method, data=data)
    return resp.status_code


def _csrf(app: Flask, target: Target) -> str:
    from tests.support import csrf_token

    return csrf_token(_browser(app, target.username).get("/resetmypassword/form").text)


def crawl(app: Flask, username: str, *, only: str | None = None,
          api_key: str | None = None) -> Report:
    """Send every probe as ``username``; a probe that changed the database is a success.

    With ``api_key`` (a key of the organisation whose system user ``username`` is) the
    API probes are sent with the key instead of a token."""
    target = target_for(app, username)
    token = api_key or _api_token(app, username)
    report = Report(username)
    probes = probes_for(app, target, api_only=api_key is not None)
    state = admin_fingerprint if target.admin else fingerprint
    with app.app_context():
        before = state()
    for probe in probes:
        if only is not None and only not in probe.url:
            continue
        try:
            status = send(app, target, probe, token)
        except Exception as exc:  # the test client re-raises a view's exception
            status = 500
            with app.app_context():
                db.session.rollback()
            print(f"write crawler: {username} {probe.method} {probe.url}: {exc!r}")
        report.probes += 1
        report.statuses[status] = report.statuses.get(status, 0) + 1
        with app.app_context():
            after = state()
        if after != before:
            report.successes.append(f"{username} {probe.method} {probe.url} ({probe.what}) "
                                    f"→ {status}: the database changed")
            before = after
    return report


def summary(reports: list[Report]) -> str:
    return json.dumps({r.username: {"probes": r.probes, "successes": len(r.successes),
                                    "statuses": r.statuses} for r in reports})


def today() -> dt.date:
    return dt.date.today()
