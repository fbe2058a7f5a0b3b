"""Searchable related-field selects: no page ships a whole list, /lookup/<name> searches it."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa

from casusregie.app.access import system_access
from casusregie.app.access.actor import actor_for_user
from casusregie.app.access.rows import row_criteria
from casusregie.app.extensions import db
from casusregie.app.lookups import PAGE_SIZE
from casusregie.app.models import Case, CaseConference, CasusUser, Organisation
from casusregie.app.models.base import OrganisationKind, OrganisationTier
from tests.support import count_queries

OPTION = re.compile(r"<option\b[^>]*>([^<]*)</option>", re.I)


def _unescaped(html: str) -> str:
    """The page with Flask-AppBuilder's JSON-escaped search-form HTML made plain."""
    html = re.sub(r"\\u003([ce])", lambda m: "<" if m.group(1).lower() == "c" else ">",
                  html, flags=re.I)
    return html.replace('\\"', '"')


def _option_texts(html: str) -> set[str]:
    return {text.strip() for text in OPTION.findall(_unescaped(html))}


def _directors() -> list[CasusUser]:
    from casusregie.app.lookups import directing_users_query

    with system_access("test"):
        return directing_users_query().all()


def _names(users) -> set[str]:
    return {u.get_full_name() for u in users}


def test_case_list_ships_no_user_or_organisation_options(app, browser):
    browser.login("coordinator")
    page = browser.get("/casemodelview/list/")
    assert page.status_code == 200
    with app.app_context(), system_access("test"):
        users = _names(db.session.query(CasusUser))
        organisations = {o.name for o in db.session.query(Organisation)}
    texts = _option_texts(page.text)
    assert not texts & users, texts & users
    assert not texts & organisations, texts & organisations
    html = _unescaped(page.text)
    assert 'data-lookup="/lookup/case_director"' in html
    assert 'data-lookup="/lookup/organisation"' in html
    # The five risk groups stay a plain select.
    assert "my_select2" in html


def test_case_edit_form_shows_only_the_chosen_lead_organisation(app, browser):
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.case_director_id.isnot(None)).first()
        case_id, lead = case.id, case.lead_organisation.name
        others = _names(_directors())
    page = browser.login("coordinator").get(f"/casemodelview/edit/{case_id}")
    assert page.status_code == 200
    texts = _option_texts(page.text)
    assert lead in texts
    # The director is appointed by a recorded decision, not on this form.
    assert 'id="case_director"' not in page.text and not texts & others


def _hidden_inputs(html: str) -> dict[str, str]:
    """The edit form's hidden fields (the row version it started from), CSRF aside."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token":
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


def test_edit_form_refuses_an_id_outside_the_bounded_query(app, browser):
    """The conference's chair is searched among those who can direct cases."""
    with app.app_context(), system_access("test"):
        conference = db.session.query(CaseConference).order_by(CaseConference.id).first()
        conference_id = conference.id
        outsider = db.session.query(CasusUser).filter_by(username="politie").one().id
        chair = next(u.id for u in _directors() if u.id != conference.chair_id)
    browser.login("coordinator")
    url = f"/caseconferencemodelview/edit/{conference_id}"
    page = browser.get(url).text
    form = {**_hidden_inputs(page),
            "held_on": re.search(r'value="([^"]*)"', re.search(
                r'<input[^>]*name="held_on"[^>]*>', page).group(0)).group(1),
            "location": "Stadhuis", "status": conference.status.value, "notes": ""}
    refused = browser.submit(url, {**form, "chair": str(outsider)})
    assert refused.status_code == 200
    assert "Not a valid choice" in refused.text or "Geen geldige keuze" in refused.text
    with app.app_context(), system_access("test"):
        assert db.session.get(CaseConference, conference_id).chair_id != outsider
    saved = browser.submit(url, {**form, "chair": str(chair)})
    assert saved.status_code == 302, saved.text[:2000]
    with app.app_context(), system_access("test"):
        assert db.session.get(CaseConference, conference_id).chair_id == chair


def test_lookup_searches_the_bounded_query(app, browser):
    browser.login("coordinator")
    with app.app_context():
        directors = _directors()
        allowed = {str(u.id) for u in directors}
        target = directors[0]
        with system_access("test"):
            outsider = db.session.query(CasusUser).filter_by(username="politie").one()
            outsider_id, outsider_name = outsider.id, outsider.last_name
    everyone = browser.get("/lookup/case_director?q=").get_json()
    ids = {row["id"] for row in everyone["results"]}
    assert ids and ids <= allowed
    assert len(everyone["results"]) <= PAGE_SIZE
    term = target.last_name[1:4].upper()
    found = browser.get(f"/lookup/case_director?q={term}").get_json()["results"]
    assert str(target.id) in {row["id"] for row in found}
    assert all(term.lower() in row["text"].lower() for row in found)
    # Two words narrow the search: each must match the first or the last name.
    both = browser.get("/lookup/case_director",
                       query_string={"q": f"{target.first_name} {target.last_name}"}).get_json()
    assert [row["id"] for row in both["results"]] == [str(target.id)]
    assert both["results"][0]["text"] == target.get_full_name()
    # Someone who may not direct a case is not offered, by search or by id.
    assert browser.get("/lookup/case_director", query_string={"q": outsider_name}).get_json()[
        "results"] == [] or str(outsider_id) not in {
        r["id"] for r in browser.get("/lookup/case_director",
                                     query_string={"q": outsider_name}).get_json()["results"]}
    assert browser.get(f"/lookup/case_director?id={outsider_id}").status_code == 404
    one = browser.get(f"/lookup/case_director?id={target.id}").get_json()
    assert one["results"] == [{"id": str(target.id), "text": target.get_full_name()}]
    # LIKE wildcards are searched as text.
    assert browser.get("/lookup/case_director?q=%25").get_json()["results"] == []


def test_lookup_pages_through_twenty_rows_at_a_time(app, browser):
    with app.app_context(), system_access("test"):
        for i in range(45):
            db.session.add(Organisation(name=f"Buurtteam Zoeklijst {i:02d}",
                                        tier=OrganisationTier.case_partner,
                                        kind=OrganisationKind.other, active=True))
        db.session.add(Organisation(name="Buurtteam Zoeklijst gesloten",
                                    tier=OrganisationTier.case_partner,
                                    kind=OrganisationKind.other, active=False))
        db.session.commit()
    browser.login("coordinator")
    pages = [browser.get(f"/lookup/organisation?q=zoeklijst&page={n}").get_json()
             for n in (1, 2, 3)]
    assert [len(p["results"]) for p in pages] == [20, 20, 5]
    assert [p["pagination"]["more"] for p in pages] == [True, True, False]
    names = [row["text"] for p in pages for row in p["results"]]
    assert names == [f"Buurtteam Zoeklijst {i:02d}" for i in range(45)]  # inactive left out
    with count_queries(app) as statements:
        assert browser.get("/lookup/organisation?q=zoek&page=2").status_code == 200
    assert len(statements) <= 4, statements


def test_lookup_refuses_unknown_names_bad_pages_and_anonymous_users(app, browser):
    anonymous = browser.get("/lookup/case_director?q=a")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    xhr = browser.get("/lookup/case_director?q=a", headers={"X-Requested-With": "XMLHttpRequest"})
    assert xhr.status_code == 401
    browser.login("coordinator")
    assert browser.get("/lookup/ab_user?q=a").status_code == 404
    for bad in ("0", "-1", "x", "100000"):
        resp = browser.get(f"/lookup/organisation?page={bad}")
        assert resp.status_code == 400, bad
        assert "page" in resp.get_json()["error"] or "pagina" in resp.get_json()["error"]
    assert browser.get("/lookup/case_director?id=nope").status_code == 404


def test_a_user_without_a_view_using_the_lookup_is_refused(app, browser):
    # The privacy officer works with the permission log, not with case lists or admissions.
    browser.login("privacy")
    for name in ("case_director", "organisation", "case"):
        resp = browser.get(f"/lookup/{name}?q=")
        assert resp.status_code == 403, name
        assert "results" not in resp.get_json()


def test_a_partner_loses_the_lookup_with_the_permission(app, browser):
    from casusregie.app.roles import ROLE_PARTNER

    browser.login("jongerenwerk")
    assert browser.get("/lookup/case_director?q=").status_code == 200
    # An administrator takes the case list from the partner role.
    with app.app_context(), system_access("test: role change"):
        sm = app.appbuilder.sm
        role = sm.find_role(ROLE_PARTNER)
        for perm in ("can_list", "can_edit"):
            pv = sm.find_permission_view_menu(perm, "CaseModelView")
            if pv is not None and pv in role.permissions:
                role.permissions.remove(pv)
        db.session.commit()
    assert browser.get("/lookup/case_director?q=").status_code == 403


def _expected_numbers(username: str) -> set[str]:
    with system_access("test"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        actor = actor_for_user(user)
        return {number for (number,) in db.session.execute(
            sa.select(Case.number).where(row_criteria(Case, actor)))}


def test_the_case_lookup_shows_only_cases_the_guard_lets_through(app, browser):
    with app.app_context():
        expected = _expected_numbers("regisseur")
        with system_access("test"):
            hidden = db.session.query(Case).filter(Case.number.notin_(expected)).first()
            hidden_id = hidden.id
    assert hidden_id is not None and expected
    browser.login("regisseur")
    seen: set[str] = set()
    for page in range(1, 20):
        data = browser.get(f"/lookup/case?q=&page={page}").get_json()
        seen |= {row["text"] for row in data["results"]}
        if not data["pagination"]["more"]:
            break
    assert seen == expected
    assert browser.get(f"/lookup/case?id={hidden_id}").status_code == 404


def test_the_case_list_no_longer_loads_the_filter_choices(app, browser):
    """Before: the signed-in user, permissions, count, rows, subjects, risk groups, every
    user who may direct and every organisation (8). Now the last two are asked for by the
    browser, a page of 20 at a time, when somebody filters on them."""
    browser.login("coordinator")
    browser.get("/casemodelview/list/")
    with count_queries(app) as statements:
        assert browser.get("/casemodelview/list/").status_code == 200
    assert not [s for s in statements if "FROM organisation" in s and "active" in s]
    assert len([s for s in statements if s.lstrip().startswith("SELECT ab_user.")]) <= 1
    # 6, plus the bell's unread count in the navigation bar (issue 19).
    assert len(statements) <= 7, statements


def test_admission_screens_search_cases_instead_of_listing_them(app, browser):
    with app.app_context(), system_access("test"):
        numbers = {number for (number,) in db.session.query(Case.number)}
    browser.login("coordinator")
    for url in ("/caseadmissionmodelview/list/", "/caseadmissionmodelview/add"):
        page = browser.get(url)
        assert page.status_code == 200, url
        assert not _option_texts(page.text) & numbers, url
        assert 'data-lookup="/lookup/case"' in _unescaped(page.text), url
    found = browser.get("/lookup/case", query_string={"q": sorted(numbers)[0]}).get_json()
    assert [row["text"] for row in found["results"]] == [sorted(numbers)[0]]
