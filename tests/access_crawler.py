"""Walk every registered route as one user and report what they must not have received.

Used by ``tests/test_access_enumeration.py``. The routes come from ``app.url_map`` (and
their views from ``appbuilder.baseviews``), never from a hand-written list, so a new
screen, API, action or report is walked as soon as it is registered.

How a leak is found: every text column of every guarded row gets a unique marker
(``_plant_markers``); the markers of the rows a user may not see, and of the fields they
may not see, must never appear in any response to that user. Ids the user may not see
are also guessed in every route that takes one, and must answer 403/404 (or a redirect);
writes with such ids must change nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask

from casusregie.app.access import system_access
from casusregie.app.access.actor import Actor, actor_for_user
from casusregie.app.access.fields import can_see_field
from casusregie.app.access.rows import ROW_RULES, guarded_model, visible_query
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    Case,
    CaseAdmission,
    CaseConference,
    CaseNote,
    CasusUser,
    Decision,
    Goal,
    Intervention,
    Signal,
    Subject,
)
from tests.support import DEMO_PASSWORD, Browser, csrf_token

#: Columns whose values the application itself relies on (not free text).
_NOT_MARKED = {"kind", "name_key", "number", "from_phase", "to_phase", "bsn"}

#: Route arguments naming a guarded row.
ARG_MODELS: dict[str, type] = {
    "case_id": Case, "signal_id": Signal, "conference_id": CaseConference,
    "item_id": AgendaItem, "intervention_id": Intervention, "subject_id": Subject,
    "note_id": CaseNote, "decision_id": Decision, "goal_id": Goal,
    "admission_id": CaseAdmission,
}

#: Answers that give nothing away for an id the user may not see.
REFUSALS = {302, 303, 400, 401, 403, 404, 405, 410, 422}

#: The access administration screens show case numbers (never content) by design: a
#: functional administrator picks a case by its number to have its access explained. The
#: privacy officer's workbench names the cases in the audit trail (docs/privacy.md).
NUMBERS_SHOWN_BY_DESIGN = ("AccessAdminView.", "AuditRecordModelView.", "PrivacyView.")


def _skip(rule) -> bool:
    return (rule.endpoint == "static" or rule.endpoint.endswith(".static")
            or "logout" in rule.rule or rule.rule.startswith("/lang/")
            or rule.endpoint.endswith(".download") or "/swagger" in rule.rule)


def _text_columns(model: type) -> list[sa.Column]:
    return [c for c in sa.inspect(model).columns
            if isinstance(c.type, (sa.String, sa.Text)) and not isinstance(c.type, sa.Enum)
            and not c.foreign_keys and not c.primary_key and c.key not in _NOT_MARKED
            and c.table is model.__table__]


def plant_markers() -> dict[tuple[type, int], list[str]]:
    """Give every text column of every guarded row a unique marker; return them."""
    markers: dict[tuple[type, int], list[str]] = {}
    with system_access("planting test markers"):
        for model in ROW_RULES:
            columns = _text_columns(model)
            if not columns and model not in (Case, Subject):
                continue
            for row in db.session.query(model):
                for index, column in enumerate(columns):
                    marker = f"Qz{model.__name__}{row.id}c{index}zQ"
                    if column.type.length and len(marker) > column.type.length:
                        continue
                    setattr(row, column.key, marker)
                    markers.setdefault((model, row.id), []).append(marker)
                if model is Case:
                    markers.setdefault((model, row.id), []).append(row.number)
                if model is Subject:
                    row.bsn = f"{900000000 + row.id}"
        db.session.commit()
    return markers


def snapshot() -> str:
    """A fingerprint of every guarded row, to prove that refused writes changed nothing."""
    digest = hashlib.sha256()
    with system_access("snapshot"):
        for model in ROW_RULES:
            table = model.__table__
            for row in db.session.execute(sa.select(table).order_by(*table.primary_key)):
                digest.update(repr(tuple(row)).encode())
        db.session.rollback()
    return digest.hexdigest()


@dataclass
class Entitlement:
    """What one user may and may not see, according to the policy."""

    actor: Actor
    visible: dict[type, list[int]] = field(default_factory=dict)
    forbidden: dict[type, list[int]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # marker → what it is


def entitlement(username: str, markers: dict[tuple[type, int], list[str]]) -> Entitlement:
    with system_access("computing entitlements"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        actor = actor_for_user(user)
        ent = Entitlement(actor)
        for model in ROW_RULES:
            if not hasattr(model, "id"):
                continue  # a link table (case_subject); its rows show through their ends
            all_ids = set(db.session.execute(sa.select(model.id)).scalars())
            visible = set(db.session.execute(visible_query(model, actor)).scalars())
            ent.visible[model] = sorted(visible)
            ent.forbidden[model] = sorted(all_ids - visible)
            for row_id in ent.forbidden[model]:
                for marker in markers.get((model, row_id), []):
                    ent.secrets[marker] = f"{model.__name__} #{row_id}"
        if not can_see_field(Subject, "bsn", actor):
            for subject in db.session.query(Subject):
                ent.secrets[subject.bsn] = f"BSN of subject #{subject.id}"
        for item in db.session.query(Intervention):
            if not can_see_field(item, "outcome", actor):
                for marker in markers.get((Intervention, item.id), []):
                    ent.secrets[marker] = f"hidden content of intervention #{item.id}"
        db.session.rollback()
    return ent


def _view_for(app: Flask, endpoint: str) -> Any:
    prefix = endpoint.split(".", 1)[0]
    for view in app.appbuilder.baseviews:
        if getattr(view, "endpoint", None) == prefix:
            return view
    return None


def _model_of(view: Any) -> type | None:
    return getattr(getattr(view, "datamodel", None), "obj", None)


def _relation_columns(model: type | None) -> list[tuple[str, type]]:
    if model is None:
        return []
    out = []
    for rel in sa.inspect(model).relationships:
        target = rel.mapper.class_
        if guarded_model(target) is not None:
            out.append((rel.key, target))
    return out


@dataclass
class Request:
    method: str
    url: str
    endpoint: str
    guessed: bool  # carries an id the user may not see
    api: bool
    body: Any = None
    #: whether the answer must be a refusal (an id in the URL), or may be a form with
    #: errors (ids in the body: the snapshot proves nothing changed)
    must_refuse: bool = True


def _build(rule, values: dict[str, Any]) -> str | None:
    try:
        built = rule.build(values, append_unknown=False)
    except Exception:  # a converter refusing the value
        return None
    return built[1] if built else None


def requests_for(app: Flask, ent: Entitlement) -> Iterator[Request]:
    """Every route of the app, with visible and guessed ids filled in."""
    with system_access("listing ids"):
        any_ids = {}
        for rule in app.url_map.iter_rules():
            view = _view_for(app, rule.endpoint)
            model = _model_of(view)
            if model is not None and guarded_model(model) is None and model not in any_ids:
                first = db.session.execute(sa.select(sa.inspect(model).primary_key[0])
                                           .limit(1)).scalar()
                any_ids[model] = [first] if first is not None else []
        db.session.rollback()
    for rule in app.url_map.iter_rules():
        if _skip(rule):
            continue
        view = _view_for(app, rule.endpoint)
        model = _model_of(view)
        api = rule.rule.startswith("/api/")
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        combos: list[tuple[dict[str, Any], bool]] = [({}, False)]
        for arg in sorted(rule.arguments):
            new: list[tuple[dict[str, Any], bool]] = []
            for values, guessed in combos:
                for value, is_guess in _values_for(arg, model, view, ent, any_ids):
                    new.append(({**values, arg: value}, guessed or is_guess))
            combos = new
        for values, guessed in combos:
            url = _build(rule, values)
            if url is None:
                continue
            for method in methods:
                if method != "GET" and not guessed:
                    continue  # writes are only sent with ids the user may not see
                yield Request(method, url, rule.endpoint, guessed, api)
        # Writes without an id in the URL (add forms, list actions, API create) naming
        # rows the user may not see in their body.
        if not rule.arguments and model is not None and set(methods) & {"POST", "PUT"}:
            body = {column: ent.forbidden[guarded_model(target)][0]
                    for column, target in _relation_columns(model)
                    if ent.forbidden.get(guarded_model(target))}
            base = guarded_model(model)
            rowids = ent.forbidden.get(base, [])[:2] if base else []
            actions = list(getattr(view, "actions", None) or {}) or ["muldelete"]
            if rule.endpoint.endswith(".action_post"):
                if rowids:
                    yield Request("POST", rule.rule, rule.endpoint, True, api,
                                  {"action": actions[0], "rowid": rowids}, must_refuse=True)
            elif body:
                yield Request("POST", rule.rule, rule.endpoint, True, api, body,
                              must_refuse=False)
        # Filter parameters naming rows the user may not see.
        if "GET" in methods and not rule.arguments and model is not None:
            for column, target in _relation_columns(model):
                for row_id in ent.forbidden.get(guarded_model(target), [])[:2]:
                    if api:
                        url = (f"{rule.rule}?q=(filters:!((col:{column},opr:rel_o_m,"
                               f"value:{row_id})))")
                    else:
                        url = f"{rule.rule}?_flt_0_{column}={row_id}"
                    yield Request("GET", url, rule.endpoint, False, api)


def _values_for(arg: str, model: type | None, view: Any, ent: Entitlement,
                any_ids: dict[type, list[int]]) -> list[tuple[Any, bool]]:
    target = ARG_MODELS.get(arg)
    if target is None and arg in ("pk", "id"):
        target = model
    if target is not None and guarded_model(target) is not None:
        base = guarded_model(target)
        return ([(i, False) for i in ent.visible.get(base, [])[:2]]
                + [(i, True) for i in ent.forbidden.get(base, [])[:3]])
    if target is not None:
        return [(i, False) for i in any_ids.get(target, [])]
    if arg == "column_name":
        return [(c, False) for c, _t in _relation_columns(model)] or [("id", False)]
    if arg == "name":
        return [(n, False) for n in (getattr(view, "actions", None) or {})] or [("x", False)]
    if arg.endswith("_id") or arg in ("pk", "id"):
        # An id of unknown meaning: guess the ids of cases the user may not see.
        return [(i, True) for i in ent.forbidden.get(Case, [])[:2]] + [(999999, True)]
    return [("x", False)]


@dataclass
class Finding:
    request: str
    status: int
    problem: str


def crawl(app: Flask, username: str, ent: Entitlement) -> list[Finding]:
    """Walk every route as ``username``; return what they received but should not have."""
    browser = Browser(app).login(username)
    client = browser.client
    token = _api_token(app, username)
    form = client.get("/resetmypassword/form")
    csrf = csrf_token(form.text) if form.status_code == 200 else ""
    findings: list[Finding] = []
    errors: list[str] = []
    before = snapshot()
    for req in requests_for(app, ent):
        headers = {"Authorization": f"Bearer {token}"} if req.api and token else {}
        label = f"{username} {req.method} {req.url}"
        try:
            if req.method == "GET":
                resp = client.get(req.url, headers=headers)
            elif req.api:
                resp = client.open(req.url, method=req.method, headers=headers,
                                   json=req.body or {})
            else:
                resp = client.open(req.url, method=req.method, headers=headers,
                                   data={"csrf_token": csrf, **(req.body or {})})
        except Exception as exc:  # the test client re-raises a view's exception
            if req.must_refuse or req.method == "GET":
                findings.append(Finding(label, 500, f"server error: {exc!r}"))
            else:
                # A write naming hidden rows in its body that crashes is a defect of that
                # form, not a leak; the snapshot still proves it changed nothing.
                db.session.rollback()
                errors.append(f"{label}: {exc!r}")
            continue
        text = resp.get_data(as_text=True)
        by_design = req.endpoint.startswith(NUMBERS_SHOWN_BY_DESIGN)
        leaked = sorted({what for marker, what in ent.secrets.items()
                         if marker in text
                         and not (by_design and re.fullmatch(r"CR-\d{4}-\d{4}", marker))})
        if leaked:
            findings.append(Finding(label, resp.status_code, "shows " + ", ".join(leaked)))
        # The workbench answers for any case id: the trail of a case the officer cannot see.
        if req.guessed and req.must_refuse and resp.status_code not in REFUSALS \
                and not by_design:
            findings.append(Finding(label, resp.status_code,
                                    "answers a guessed id with something else than 403/404"))
        if resp.status_code >= 500:
            if req.must_refuse or req.method == "GET":
                findings.append(Finding(label, resp.status_code, "server error"))
            else:
                errors.append(f"{label}: {resp.status_code}")
    if snapshot() != before:
        findings.append(Finding(username, 0, "a refused write changed guarded rows"))
    for error in errors:
        print("form defect (not an access leak):", error)
    return findings


def _api_token(app: Flask, username: str) -> str | None:
    client = app.test_client()
    resp = client.post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db"})
    if resp.status_code != 200:
        return None
    return json.loads(resp.get_data(as_text=True)).get("access_token")
