"""Every add and edit form, as every demo user: usable, and offering only rows of its case.

The forms are found from the registered views (a new view or plugin screen is covered
without a change here). For each demo user of the demo with its built-in plugins, one
pass through the test client:

- every menu entry and every link on the start page and the list pages opens (no 403,
  no "access denied" redirect): a user is only offered what they can use;
- every add form the user may open, and the edit form of the first row they may change,
  carries ``novalidate`` (the form's own messages, in the user's language, instead of the
  browser's) and no ``required`` yes/no box, and each yes/no field validates when left
  unticked (saved as *no*);
- every select and searchable select over case content (goals, action plans...) offers
  only rows of the form's case: the options in the page, and what ``/lookup/<name>``
  answers for the form's case; without a case, a goal lookup offers nothing.

The crawl only reads (GET, and forms validated in-process), so it shares the demo app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask_appbuilder import ModelView
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField

from tests.forms import main_form
from tests.support import DEMO_USERNAMES, Browser


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    forms: int = 0

    def add(self, message: str) -> None:
        self.problems.append(message)


class _Page(HTMLParser):
    """Links, the forms' ``novalidate``, checkboxes and the selects with their options."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.nav_links: list[str] = []
        self.form_attrs: list[dict[str, str]] = []
        self.checkboxes: list[dict[str, str]] = []
        self.selects: list[dict[str, Any]] = []
        self._nav = 0
        self._select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav" or (tag == "ul" and "navbar-nav" in a.get("class", "")):
            self._nav += 1
        if tag == "a" and a.get("href"):
            (self.nav_links if self._nav else self.links).append(a["href"])
        elif tag == "form":
            self.form_attrs.append(a)
        elif tag == "input" and a.get("type", "").lower() == "checkbox":
            self.checkboxes.append(a)
        elif tag == "select" and a.get("name"):
            self._select = {**a, "options": []}
            self.selects.append(self._select)
        elif tag == "option" and self._select is not None and a.get("value"):
            self._select["options"].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("nav", "ul") and self._nav and tag == "nav":
            self._nav -= 1
        if tag == "select":
            self._select = None


def _page(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def _local(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if re.search(r"^/(logout|lang|static|api|swagger|login)\b|/delete/|/action|/download/",
                 parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _denied(browser: Browser, url: str) -> str | None:
    """Why opening ``url`` is refused, or None when it opens."""
    resp = browser.get(url)
    if resp.status_code == 403:
        return "403"
    if resp.status_code in (301, 302, 303):
        target = resp.headers.get("Location", "")
        landing = browser.get(target) if target else None
        text = landing.text if landing is not None else ""
        if "/login" in target or "alert-danger" in text:
            return f"redirected to {target} with a refusal"
    if resp.status_code >= 500:
        return f"HTTP {resp.status_code}"
    return None


# --- what a select offers ----------------------------------------------------------

def _case_of(model: type, pk: int) -> int | None:
    """The case a row of case content belongs to (None: not case content)."""
    from casusregie.app.extensions import db
    from casusregie.app.models import ActionPlan, Goal

    if model is Goal or issubclass(model, Goal):
        return db.session.query(ActionPlan.case_id).join(Goal).filter(Goal.id == pk).scalar()
    column = getattr(model, "case_id", None)
    if column is None:
        return None
    return db.session.query(column).filter(model.id == pk).scalar()


def _case_scoped(model: type | None) -> bool:
    from casusregie.app.access import rows
    from casusregie.app.models import Case, Subject

    return (model is not None and rows.guarded_model(model) not in (None, Case, Subject)
            and (hasattr(model, "case_id") or hasattr(model, "action_plan_id")))


def _related_model(view: ModelView, name: str) -> type | None:
    datamodel = view.datamodel
    if name in datamodel.list_properties and datamodel.is_relation(name):
        return datamodel.get_related_model(name)
    return None


def _check_selects(app, browser: Browser, view: ModelView, url: str, page: _Page,
                   case_id: int | None, findings: Findings) -> None:
    from casusregie.app.access import system_access
    from casusregie.app.lookups import LOOKUPS

    for select in page.selects:
        name = select["name"]
        lookup = select.get("data-lookup")
        model = _related_model(view, name)
        if lookup:
            spec = LOOKUPS.get(lookup.rstrip("/").rsplit("/", 1)[-1])
            model = spec.model if spec else model
        if not _case_scoped(model):
            continue
        offered = [int(v) for v in select["options"] if v.isdigit()]
        if lookup:
            depends = select.get("data-depends-on")
            args = {"q": ""}
            if depends:
                args[depends] = select.get("data-depends-value", "")
            resp = browser.get(f"{lookup}?{urlencode(args)}")
            if resp.status_code != 200:
                findings.add(f"{url}: lookup {lookup} answers {resp.status_code}")
                continue
            offered += [int(r["id"]) for r in resp.get_json()["results"]]
        with app.app_context(), system_access("forms crawl"):
            cases = {_case_of(model, pk) for pk in offered}
        if case_id is None and offered:
            findings.add(f"{url}: {name} offers {len(offered)} rows without a case")
        elif cases - {case_id}:
            findings.add(f"{url}: {name} offers rows of another case ({sorted(cases - {case_id})})")


def _check_form(app, browser: Browser, view: ModelView, url: str, form_attr: str,
                case_id: int | None, findings: Findings) -> None:
    resp = browser.get(url)
    if resp.status_code != 200:
        findings.add(f"{url}: HTTP {resp.status_code}")
        return
    findings.forms += 1
    page = _page(resp.text)
    form = main_form(resp.text)
    if form is None:
        findings.add(f"{url}: no form")
        return
    posting = [a for a in page.form_attrs if a.get("method", "").lower() == "post"]
    if not any("novalidate" in a for a in posting):
        findings.add(f"{url}: the form lets the browser validate (no novalidate)")
    for box in page.checkboxes:
        if "required" in box:
            findings.add(f"{url}: yes/no box {box.get('name')} is required in the browser")
    form_cls = getattr(view, form_attr)
    with app.test_request_context(url, method="POST", data=MultiDict()):
        bound = form_cls(MultiDict(), meta={"csrf": False})
        for name in [f.name for f in bound if isinstance(f, BooleanField)]:
            bound[name].validate(bound)
            if bound[name].errors:
                findings.add(f"{url}: {name} cannot be saved as no: {bound[name].errors}")
    _check_selects(app, browser, view, url, page, case_id, findings)


def _model_views(app) -> list[ModelView]:
    return [v for v in app.appbuilder.baseviews if isinstance(v, ModelView)]


def _granted(app, username: str, view: ModelView) -> set[str]:
    """What the user is offered on ``view``: the security manager's own answer."""
    from flask import g
    from flask_login import login_user

    from casusregie.app.access import system_access

    sm = app.appbuilder.sm
    with app.test_request_context():
        with system_access("forms crawl"):
            user = sm.find_user(username=username)
        login_user(user)
        g.user = user
        return {p for p in ("can_list", "can_add", "can_edit")
                if p in view.base_permissions and sm.has_access(p, view.class_permission_name)}


def _first_case_id(browser: Browser) -> int | None:
    resp = browser.get("/lookup/case?q=")
    if resp.status_code != 200:
        return None
    results = resp.get_json()["results"]
    return int(results[0]["id"]) if results else None


def crawl_forms(app, username: str) -> Findings:
    from casusregie.app.access import system_access

    findings = Findings()
    browser = Browser(app).login(username)
    assert browser.get("/lang/nl").status_code == 302
    home = _page(browser.get("/", follow_redirects=True).text)
    links = {u for u in map(_local, home.nav_links + home.links) if u}
    case_id = _first_case_id(browser)
    for view in _model_views(app):
        base = view.route_base
        perms = _granted(app, username, view)
        if "can_list" in perms:
            listing = browser.get(f"{base}/list/")
            if listing.status_code == 200:
                found = _page(listing.text)
                links |= {u for u in map(_local, found.links) if u and "/add" in u}
                edits = [u for u in map(_local, found.links) if u and "/edit/" in u]
                if "can_edit" in perms and edits:
                    edit_url = edits[0]
                    pk = int(re.search(r"/edit/(\d+)", edit_url).group(1))
                    with app.app_context(), system_access("forms crawl"):
                        row_case = _case_of(view.datamodel.obj, pk)
                    _check_form(app, browser, view, edit_url, "edit_form", row_case,
                                findings)
        if "can_add" in perms and view.add_form is not None:
            _check_form(app, browser, view, f"{base}/add", "add_form", None, findings)
            if case_id is not None and "case" in (view.add_columns or []):
                query = urlencode({"_flt_0_case": case_id})
                _check_form(app, browser, view, f"{base}/add?{query}", "add_form", case_id,
                            findings)
    for url in sorted(links):
        reason = _denied(browser, url)
        if reason:
            findings.add(f"link {url}: {reason}")
    return findings


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_form_works_for_every_user(built_in_app, username: str) -> None:
    findings = crawl_forms(built_in_app, username)
    assert not findings.problems, f"{username}:\n  " + "\n  ".join(findings.problems)
