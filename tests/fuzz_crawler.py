"""Send crafted input to every registered route and report server errors and leaks.

Used by ``tests/test_fuzz.py``. The routes come from ``app.url_map`` and the form fields
from the registered views, never from a hand-written list, so a new screen or API is
fuzzed as soon as it is registered. Input classes (issue 13):

- ids out of the database's range (``2**31``, ``2**63``), negative, text and NUL bytes in
  every path argument;
- list parameters: ``psize_``/``page_`` = ``-1``/``abc``, unknown sort columns, ``_flt_``
  filters with NUL bytes, out-of-range ids and values that are no member of an enum;
- Rison ``q`` arguments: ``page:-1``, list values, ``rel_o_m:'x'``, NUL bytes;
- every add and edit form with a NUL byte, an unknown enum value and an out-of-range id in
  each field; the login form with a NUL byte;
- JSON bodies nested 2,000 deep, with NUL bytes, out-of-range ids and unknown enum values.

A response must not be a server error and must not contain what only a crash shows: SQL,
driver names, a traceback or a password hash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.support import DEMO_PASSWORD, Browser, csrf_token

BIG_IDS = (str(2**31), str(2**63))
PATH_VALUES = (*BIG_IDS, "-1", "abc", "%00")
NUL = "a\x00b"
#: What only an unhandled error or a leaked database message shows.
TELLTALES = re.compile(
    r"\bSQL\b|\[SQL|psycopg|sqlite3|Traceback|pbkdf2:|scrypt:|\$2b\$|ApplyFilterException|"
    r"DataError|IntegrityError|StatementError|OperationalError")
RISON_QUERIES = (
    "(page:-1,page_size:10)", "(page:0,page_size:-1)", "(page:abc)",
    "(filters:!((col:case,opr:rel_o_m,value:'x')))",
    "(filters:!((col:case,opr:rel_o_m,value:!(1,2))))",
    f"(filters:!((col:case,opr:rel_o_m,value:{2**31})))",
    "(filters:!((col:status,opr:eq,value:nonsense)))",
    "(filters:!((col:id,opr:eq,value:!(1))))",
    f"(filters:!((col:id,opr:eq,value:{2**63})))",
    "(order_column:nonsense,order_direction:up)",
    "(filters:!((col:title,opr:ct,value:'a%00b')))",
    "(columns:!(nonsense))",
    "(" * 60 + ")" * 60,
)


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    form: dict[str, Any] | None = None
    body: Any = None
    raw: bytes | None = None


def _fill(rule: Any, value: str) -> str:
    return re.sub(r"<[^>]+>", value, rule.rule)


def _view_for(app: Flask, endpoint: str) -> Any:
    prefix = endpoint.split(".", 1)[0]
    for view in app.appbuilder.baseviews:
        if getattr(view, "endpoint", None) == prefix:
            return view
    return None


def _skip(rule: Any) -> bool:
    return (rule.endpoint == "static" or rule.endpoint.endswith(".static")
            or "logout" in rule.rule or "/swagger" in rule.rule)


def _enum_fields(view: Any) -> list[str]:
    model = getattr(getattr(view, "datamodel", None), "obj", None)
    if model is None:
        return []
    return [c.key for c in sa.inspect(model).columns if isinstance(c.type, sa.Enum)]


def _form_fields(view: Any, attr: str) -> list[str]:
    form = getattr(view, attr, None)
    if form is None:
        return []
    return [name for name in dir(form)
            if not name.startswith("_") and hasattr(getattr(form, name), "field_class")]


def _list_params(view: Any) -> Iterator[str]:
    yield "psize_x=-1"
    yield "psize_x=abc"
    yield "page_x=-1"
    yield "page_x=abc"
    yield "_oc_x=nonsense&_od_x=up"
    yield "_flt_0_nonsense=1"
    search = list(getattr(view, "search_columns", None) or [])
    for column in search:
        for value in ("a%00b", BIG_IDS[0], "nonsense", "-1"):
            for op in (0, 1, 2):
                yield f"_flt_{op}_{column}={value}"


def _form_bodies(fields: list[str], enums: list[str]) -> Iterator[dict[str, str]]:
    if not fields:
        return
    yield {name: NUL for name in fields}
    yield {name: BIG_IDS[0] for name in fields}
    yield {name: ("nonsense" if name in enums else "x") for name in fields}


def _deep(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def probes_for(app: Flask) -> Iterator[Probe]:
    """Every route with every input class that applies to it."""
    for rule in app.url_map.iter_rules():
        if _skip(rule):
            continue
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        view = _view_for(app, rule.endpoint)
        api = rule.rule.startswith("/api/")
        if rule.arguments:
            for value in PATH_VALUES:
                for method in sorted(methods & {"GET", "DELETE"}):
                    yield Probe(method, _fill(rule, value))
        if "GET" in methods and not rule.arguments:
            if rule.endpoint.endswith(".list"):
                for params in _list_params(view):
                    yield Probe("GET", f"{rule.rule}?{params}")
            if api:
                for query in RISON_QUERIES:
                    yield Probe("GET", f"{rule.rule}?q={query}")
        if rule.endpoint.startswith("LookupView."):
            for params in (f"id={BIG_IDS[0]}", "id=%00", "q=a%00b", "page=-1", "page=abc"):
                yield Probe("GET", f"{_fill(rule, 'case')}?{params}")
        yield from _write_probes(app, rule, view, methods, api)


def _write_probes(app: Flask, rule: Any, view: Any, methods: set[str],
                  api: bool) -> Iterator[Probe]:
    if api and methods & {"POST", "PUT"}:
        url = _fill(rule, "1")
        method = "POST" if "POST" in methods else "PUT"
        yield Probe(method, url, raw=_deep(2000))
        yield Probe(method, url, raw=b'{"a": ' * 2000 + b"1" + b"}" * 2000)
        yield Probe(method, url, body={"title": NUL, "outcome": NUL, "description": NUL,
                                      "username": NUL, "name": NUL})
        yield Probe(method, url, body={"case": int(BIG_IDS[0]), "case_id": int(BIG_IDS[1]),
                                      "organisation": int(BIG_IDS[0]), "status": "nonsense",
                                      "version": int(BIG_IDS[1])})
        yield Probe(method, url, body=[1, 2, 3])
        return
    if "POST" not in methods or view is None:
        return
    enums = _enum_fields(view)
    if rule.endpoint.endswith(".add"):
        for body in _form_bodies(_form_fields(view, "add_form"), enums):
            yield Probe("POST", rule.rule, form=body)
    elif rule.endpoint.endswith(".edit"):
        pk = _first_id(app, view)
        if pk is not None:
            for body in _form_bodies(_form_fields(view, "edit_form"), enums):
                yield Probe("POST", _fill(rule, str(pk)), form=body)


def _first_id(app: Flask, view: Any) -> int | None:
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db

    model = getattr(getattr(view, "datamodel", None), "obj", None)
    if model is None:
        return None
    with system_access("fuzz: an id to edit"):
        pk = db.session.execute(sa.select(sa.inspect(model).primary_key[0]).limit(1)).scalar()
        db.session.rollback()
    return pk


@dataclass
class Finding:
    request: str
    status: int
    problem: str


def _send(browser: Browser, probe: Probe, csrf: str, token: str | None) -> Any:
    client = browser.client
    headers = {"Authorization": f"Bearer {token}"} if token and probe.url.startswith(
        "/api/") else {}
    if probe.raw is not None:
        return client.open(probe.url, method=probe.method, headers=headers, data=probe.raw,
                           content_type="application/json")
    if probe.body is not None:
        return client.open(probe.url, method=probe.method, headers=headers, json=probe.body)
    if probe.form is not None:
        return client.open(probe.url, method=probe.method, headers=headers,
                           data={"csrf_token": csrf, **probe.form})
    return client.open(probe.url, method=probe.method, headers=headers)


def fuzz(app: Flask, username: str) -> tuple[int, list[Finding]]:
    """Send every probe as ``username``; return the number sent and what went wrong."""
    from casusregie.app.extensions import db

    browser = Browser(app).login(username)
    token = api_token(app, username)
    form = browser.client.get("/resetmypassword/form")
    csrf = csrf_token(form.text) if form.status_code == 200 else ""
    findings: list[Finding] = []
    sent = 0
    for probe in probes_for(app):
        sent += 1
        label = f"{username} {probe.method} {probe.url[:160]!r}"
        try:
            resp = _send(browser, probe, csrf, token)
        except Exception as exc:  # the test client re-raises what no handler caught
            db.session.rollback()
            findings.append(Finding(label, 500, f"unhandled {type(exc).__name__}: {exc!r:.200}"))
            continue
        text = resp.get_data(as_text=True)
        if resp.status_code >= 500:
            findings.append(Finding(label, resp.status_code, text[:200]))
        match = TELLTALES.search(text)
        if match:
            findings.append(Finding(label, resp.status_code, f"shows {match.group(0)!r}"))
    return sent, findings


def login_probes(app: Flask) -> list[Finding]:
    """The login form and the login API with NUL bytes (before anyone is logged in)."""
    client = app.test_client()
    findings = []
    page = client.get("/login/")
    for data in ({"username": NUL, "password": NUL}, {"username": "beheerder", "password": NUL}):
        resp = client.post("/login/", data={**data, "csrf_token": csrf_token(page.text)})
        if resp.status_code >= 500 or TELLTALES.search(resp.get_data(as_text=True)):
            findings.append(Finding(f"POST /login/ {data!r}", resp.status_code, "error"))
        api = client.post("/api/v1/security/login", json={**data, "provider": "db"})
        if api.status_code >= 500 or TELLTALES.search(api.get_data(as_text=True)):
            findings.append(Finding(f"POST login API {data!r}", api.status_code, "error"))
    return findings


def api_token(app: Flask, username: str) -> str | None:
    resp = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db"})
    if resp.status_code != 200:
        return None
    return json.loads(resp.get_data(as_text=True)).get("access_token")
