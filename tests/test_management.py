"""The management dashboard: every figure equals an independent count, follows the
viewer's access, and shows a figures-only viewer no person and no small count."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import re
from collections import defaultdict
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask_login import login_user
from pypdf import PdfReader

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.management.figures import Filters, build_dashboard, lead_time_rows, load_domains
from casusregie.app.management.suppression import ALL, marginals, suppressed_keys
from casusregie.app.models import (
    Case,
    CaseAdmission,
    CaseNote,
    CasusUser,
    Organisation,
    Signal,
    Subject,
)
from casusregie.app.roles import ROLE_MANAGEMENT
from casusregie.reports.models import PrintLog
from tests.management_support import (
    held_conferences,
    independent_counts,
    lead_time_days,
    page_tables,
    stored_equal_fresh,
)
from tests.support import DEMO_PASSWORD, Browser, generated_copy, make_app

TODAY = dt.date.today()
YEAR = TODAY.year
GENERATED_CASES = 400
CASE_NUMBER = re.compile(r"CR-\d{4}-\d{4}")


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def generated_app(test_database) -> Iterator:
    """An app on a database of generated cases (benchmarks/generate.py) plus a
    Management user."""
    url, drop = generated_copy(test_database, "mi", GENERATED_CASES)
    app = make_app(url)
    with app.app_context(), system_access("test set-up"):
        sm = app.appbuilder.sm
        org = db.session.query(Organisation).order_by(Organisation.id).first()
        user = sm.add_user("mi-management", "Mira", "Cijfers", "mi@casusregie.example",
                           sm.find_role(ROLE_MANAGEMENT), password=DEMO_PASSWORD)
        user.organisation_id = org.id
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _years_with_cases(app) -> list[int]:
    with app.app_context(), system_access("test"):
        years = {c.opened_at.year for c in db.session.query(Case).all()}
    return sorted(y for y in years if YEAR - 5 <= y <= YEAR)


def _dashboard(browser: Browser, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items() if v is not None)
    resp = browser.get(f"/management/?{query}")
    assert resp.status_code == 200, resp.status_code
    return resp.text


def _assert_equal(tables, expected, keys=None) -> None:
    for key in keys or expected:
        cells = tables[key]
        two_dimensional = any(c != ALL for _r, c in cells)
        for (row, col), value in cells.items():
            if row == ALL or (two_dimensional and col == ALL):
                continue
            assert value == expected[key].get((row, col), 0), (key, row, col)
        for (row, col), count in expected[key].items():
            assert cells.get((row, col)) == count, (key, row, col, "missing on the page")
        total = tables[key].get((ALL, ALL))
        if key != "attention":
            assert total == sum(expected[key].values()), (key, "total")


# --------------------------------------------------------------------------- figures

@pytest.mark.parametrize("source", ["seeded", "generated"])
def test_every_figure_equals_an_independent_count(source, app, generated_app):
    target = app if source == "seeded" else generated_app
    user = "coordinator" if source == "seeded" else "bench-coordinator"
    browser = Browser(target).login(user)
    for year in _years_with_cases(target):
        tables = page_tables(_dashboard(browser, year=year))
        with target.app_context():
            expected = independent_counts(year, TODAY)
            held = held_conferences(year)
        assert set(tables) >= set(expected)
        _assert_equal(tables, expected)
        page = _dashboard(browser, year=year)
        assert re.search(rf'id="mi-conferences">[^<]*<strong>{held}</strong>', page)


def test_lead_times_equal_durations_counted_in_python(generated_app):
    """The durations behind the medians, counted by the database, are those of each
    signal's latest weighing and each case, day for day, also for one risk group."""
    with generated_app.app_context(), system_access("test"):
        group = db.session.query(Case.risk_group_id).first()[0]
    checked = 0
    for year in _years_with_cases(generated_app):
        for risk_group in (None, group):
            with generated_app.test_request_context(), system_access("test"):
                counted = lead_time_rows(year, Filters(year, risk_group_id=risk_group))
                expected = lead_time_days(year, risk_group)
            assert counted == expected, (year, risk_group)
            checked += sum(len(v) for v in counted.values())
    assert checked > 100


def test_a_filter_narrows_every_figure_to_its_cases(generated_app):
    browser = Browser(generated_app).login("bench-coordinator")
    year = _years_with_cases(generated_app)[-1]
    with generated_app.app_context(), system_access("test"):
        group = db.session.query(Case.risk_group_id).filter(
            sa.extract("year", Case.opened_at) == year).first()[0]
        ids = {i for (i,) in db.session.query(Case.id).filter(Case.risk_group_id == group)}
    tables = page_tables(_dashboard(browser, year=year, risk_group=group))
    with generated_app.app_context():
        expected = independent_counts(year, TODAY, case_ids=ids)
    keys = [k for k in expected if k != "signals"]
    _assert_equal(tables, expected, keys)


def test_a_partners_dashboard_counts_only_admitted_cases(generated_app):
    browser = Browser(generated_app).login("bench-partner")
    with generated_app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username="bench-partner").one()
        admitted = {a.case_id for a in db.session.query(CaseAdmission).filter(
            CaseAdmission.organisation_id == user.organisation_id,
            CaseAdmission.starts_on <= TODAY, CaseAdmission.ends_on >= TODAY)}
        everything = db.session.query(Case).count()
    assert 0 < len(admitted) < everything
    seen = 0
    for year in _years_with_cases(generated_app):
        tables = page_tables(_dashboard(browser, year=year))
        with generated_app.app_context():
            expected = independent_counts(year, TODAY, case_ids=admitted)
        # The partner sees its own interventions only, like on its intervention list.
        keys = ["phase", "risk_group", "escalation", "lead_organisation", "closures"]
        _assert_equal(tables, expected, keys)
        assert all(v == 0 for v in tables["signals"].values())
        seen += tables["phase"][(ALL, ALL)]
    assert seen <= len(admitted)


# --------------------------------------------------------------------------- management

def _all_filters(app) -> list[Filters]:
    with app.test_request_context(), system_access("test"):
        domains = load_domains()
    years = _years_with_cases(app)
    return [Filters(y, g, o) for y in years
            for g in [None, *(v for v, _l in domains.risk_groups)]
            for o in [None, *(v for v, _l in domains.organisations)]]


def _as(app, username: str):
    """A request context logged in as ``username`` (for the exhaustive filter walk)."""
    ctx = app.test_request_context("/management/")
    ctx.push()
    with system_access("test"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
    login_user(user)
    return ctx


def test_no_filter_combination_reveals_a_small_count(generated_app):
    """Every offered filter combination, as the Management role: no count from 1 to 4 is
    published, and no difference between two published counts of the same cell, where one
    filter set contains the other, is from 1 to 4 (differencing), nor is a published total
    minus its published parts (the parts of a filter dimension)."""
    minimum = 5
    ctx = _as(generated_app, "mi-management")
    try:
        boards = {f: build_dashboard(f, today=TODAY) for f in _all_filters(generated_app)}
    finally:
        ctx.pop()
    assert all(b.suppressed and b.minimum == minimum for b in boards.values())
    shown = 0
    published: dict[tuple, int | None] = {}
    for f, board in boards.items():
        for figure in board.figures:
            for (row, col), cell in figure.cells.items():
                assert cell.value is None or not 0 < cell.value < minimum, (f, figure.key)
                published[(figure.key, row, col, f)] = cell.value
                shown += cell.value is not None
    assert shown > 1000, "the test data is too thin to prove anything"
    suppressed = sum(v is None for v in published.values())
    assert suppressed > 0
    for (key, row, col, f), value in published.items():
        if value is None:
            continue
        for wider in (Filters(f.year, None, f.organisation_id),
                      Filters(f.year, f.risk_group_id, None), Filters(f.year)):
            other = published.get((key, row, col, wider))
            if other is not None:
                assert not 0 < other - value < minimum, (key, row, col, f, wider)
    # A total minus the sum of its published parts, per filter dimension.
    groups = {f.risk_group_id for f in boards} - {None}
    orgs = {f.organisation_id for f in boards} - {None}
    for (key, row, col, f), total in published.items():
        if total is None or (f.risk_group_id is not None and f.organisation_id is not None):
            continue
        if f.risk_group_id is None:
            parts = [published.get((key, row, col, Filters(f.year, g, f.organisation_id)))
                     for g in groups]
            rest = total - sum(p for p in parts if p is not None)
            assert not 0 < rest < minimum, (key, row, col, f, "risk groups")
        if f.organisation_id is None:
            parts = [published.get((key, row, col, Filters(f.year, f.risk_group_id, o)))
                     for o in orgs]
            rest = total - sum(p for p in parts if p is not None)
            assert not 0 < rest < minimum, (key, row, col, f, "organisations")


def test_suppression_hides_a_small_cell_and_its_complement():
    # Two risk groups under one row: 7 and 3. The 3 is suppressed, and so is the 7,
    # because the published total (10) minus 7 would give the 3 away.
    cube = {("r", "g1"): 7, ("r", "g2"): 3}
    hidden = suppressed_keys(cube, [["r"], ["g1", "g2"]],
                             [frozenset({"r"}), frozenset({"g1", "g2"})], 5)
    assert ("r", "g2") in hidden and ("r", "g1") in hidden
    assert ("r", ALL) not in hidden
    assert marginals(cube, 2)[("r", ALL)] == 10
    # Large enough on every side: nothing hidden.
    cube = {("r", "g1"): 7, ("r", "g2"): 6}
    assert not suppressed_keys(cube, [["r"], ["g1", "g2"]],
                               [frozenset({"r"}), frozenset({"g1", "g2"})], 5)


def test_the_threshold_is_a_setting(generated_app):
    generated_app.config["CASUS_SMALL_CELL_MINIMUM"] = 10
    try:
        page = _dashboard(Browser(generated_app).login("mi-management"))
    finally:
        generated_app.config["CASUS_SMALL_CELL_MINIMUM"] = 5
    values = [v for t in page_tables(page).values() for v in t.values()]
    assert "&lt; 10" in page
    assert not any(isinstance(v, int) and 0 < v < 10 for v in values)


def _crawl(browser: Browser, start: str = "/") -> dict[str, str]:
    """Every page reachable from ``start`` by links, as this user."""
    seen: dict[str, str] = {}
    todo = [start, "/management/"]
    while todo and len(seen) < 200:
        url = todo.pop()
        if url in seen or url.startswith(("/logout", "/lang/", "/static", "/appbuilder")):
            continue
        resp = browser.get(url)
        seen[url] = resp.text if resp.status_code == 200 else ""
        if resp.status_code != 200 or "html" not in resp.content_type:
            continue
        for link in re.findall(r'href="(/[^"#]*)"', resp.text):
            link = link.replace("&amp;", "&")
            if link not in seen:
                todo.append(link)
    return seen


def _person_markers(app) -> set[str]:
    with app.app_context(), system_access("test"):
        names = {n for s in db.session.query(Subject).all()
                 for n in (s.first_name, s.last_name) if n and len(n) > 3}
        texts = {t for (t,) in db.session.query(Case.summary) if t}
        texts |= {t for (t,) in db.session.query(Signal.concern) if t}
        texts |= {t for (t,) in db.session.query(CaseNote.text) if t}
    return names | {t[:30] for t in texts}


@pytest.mark.parametrize("source", ["seeded", "generated"])
def test_management_sees_no_person_number_or_text_anywhere(source, app, generated_app):
    target = app if source == "seeded" else generated_app
    user = "management" if source == "seeded" else "mi-management"
    browser = Browser(target).login(user)
    pages = _crawl(browser)
    assert "/management/" in pages and pages["/management/"]
    markers = _person_markers(target)
    for url, html in pages.items():
        assert not CASE_NUMBER.search(html), url
        text = re.sub(r"<[^>]+>", " ", html)
        for marker in markers:
            assert marker not in text, (url, marker)
        for value in page_tables(html).values():
            assert not any(isinstance(v, int) and 0 < v < 5 for v in value.values()), url
    for url in ("/casemodelview/list/", "/subjectmodelview/list/", "/export/cases/",
                "/signalmodelview/list/"):
        assert browser.get(url).status_code in (302, 403, 404), url


# --------------------------------------------------------------------------- PDF

def test_management_report_pdf_is_watermarked_suppressed_and_logged(app):
    browser = Browser(app).login("coordinator")
    resp = browser.submit("/management/", {"purpose": "Raadsrapportage vierde kwartaal"},
                          post_url=f"/management/report?year={YEAR}")
    assert resp.status_code == 200 and resp.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    text = " ".join((p.extract_text() or "") for p in reader.pages)
    assert "VERTROUWELIJK" in text and "Managementrapportage" in text
    assert "Signalen per maand en wegingsuitkomst" in text
    assert "< 5" in text
    assert not CASE_NUMBER.search(text)
    with app.app_context(), system_access("test"):
        log = db.session.query(PrintLog).filter_by(document="management").one()
        assert log.username == "coordinator" and log.pages == len(reader.pages)
        assert log.purpose == "Raadsrapportage vierde kwartaal"


def test_report_without_purpose_is_refused_with_the_filters_kept(app):
    browser = Browser(app).login("coordinator")
    resp = browser.submit(f"/management/?year={YEAR}", {"purpose": ""},
                          post_url=f"/management/report?year={YEAR}&risk_group=1")
    assert resp.status_code == 200
    assert "Vermeld het doel van deze afdruk." in resp.text
    assert re.search(r'<option value="1" selected', resp.text)


def test_unknown_filter_value_gets_a_message_and_keeps_the_others(app):
    browser = Browser(app).login("coordinator")
    page = _dashboard(browser, year=1850, risk_group=2)
    assert "Kies een jaar uit de lijst." in page
    assert re.search(r'<option value="2" selected', page)


def test_dashboard_offers_each_filter_combination_in_one_page_load(app):
    from tests.support import count_queries

    browser = Browser(app).login("coordinator")
    browser.get("/management/")
    with count_queries(app) as statements:
        browser.get(f"/management/?year={YEAR}&risk_group=1")
    assert len(statements) < 30, statements



def test_counts_are_kept_until_case_content_changes(app, monkeypatch):
    """At city scale counting a year takes seconds: the counts are kept per access scope
    and year, and a committed change to case content is on the next page at once."""
    from casusregie.app.management.figures import note_change
    from casusregie.app.models import Intervention, InterventionStatus, InterventionType
    from tests.support import count_queries

    monkeypatch.setitem(app.config, "CASUS_FIGURES_CACHE_SECONDS", 600)
    note_change()
    coordinator = Browser(app).login("coordinator")
    with count_queries(app) as cold:
        _dashboard(coordinator, year=YEAR)
    with count_queries(app) as warm:
        first = page_tables(_dashboard(coordinator, year=YEAR))
    # Counted afresh, a coordinator's figures are read from the kept counts over every
    # case (``figure_count``), not counted from the cases; kept, not read at all.
    assert any("FROM figure_count" in s for s in cold), cold
    assert not any("FROM intervention" in s for s in cold), cold
    assert len(warm) <= len(cold) - 5, (len(cold), len(warm))
    # A partner's counts are its own, not the coordinator's kept ones.
    partner = page_tables(_dashboard(Browser(app).login("ggd"), year=YEAR))
    assert partner["intervention_partner"] != first["intervention_partner"]
    with app.app_context(), system_access("test set-up"):
        case = db.session.query(Case).filter(Case.phase == "monitoring").first()
        itype = db.session.query(InterventionType).first()
        db.session.add(Intervention(case=case, type=itype,
                                    organisation_id=itype.organisation_id or 1,
                                    status=InterventionStatus.active, start_date=TODAY))
        db.session.commit()
        expected = independent_counts(YEAR, TODAY)
    after = page_tables(_dashboard(coordinator, year=YEAR))
    _assert_equal(after, expected)
    assert after["intervention_domain"] != first["intervention_domain"]
    note_change()


def test_the_dashboard_follows_changes_made_on_the_screens(generated_app, monkeypatch):
    """A coordinator's dashboard reads the kept counts over every case. Changes made on
    the screens (a case's risk group and lead organisation edited, an intervention
    registered) and a job's deletion of an intervention are on the next dashboard, every
    figure equal to an independent count, and the kept counts equal a fresh count."""
    from casusregie.app.models import Intervention, RiskGroup
    from tests.forms import main_form

    app = generated_app
    monkeypatch.setitem(app.config, "CASUS_FIGURES_CACHE_SECONDS", 600)
    assert stored_equal_fresh(app) > 100
    browser = Browser(app).login("bench-coordinator")
    before = page_tables(_dashboard(browser, year=YEAR))
    with app.app_context(), system_access("test"):
        case = (db.session.query(Case).filter(Case.opened_at >= dt.datetime(YEAR, 1, 1),
                                              Case.closed_at.is_(None))
                .order_by(Case.id).first())
        group = db.session.query(RiskGroup.id).filter(RiskGroup.id != case.risk_group_id) \
            .order_by(RiskGroup.id).limit(1).scalar()
        lead = db.session.query(Organisation.id) \
            .filter(Organisation.id != case.lead_organisation_id) \
            .order_by(Organisation.id).limit(1).scalar()
        case_id, number = case.id, case.number
        template = db.session.query(Intervention).filter(Intervention.case_id == case_id) \
            .first() or db.session.query(Intervention).first()
        type_id, organisation_id = template.type_id, template.organisation_id
        db.session.rollback()

    page = browser.get(f"/casemodelview/edit/{case_id}")
    assert page.status_code == 200
    data = main_form(page.text).data()
    data["risk_group"], data["lead_organisation"] = str(group), str(lead)
    resp = browser.post(f"/casemodelview/edit/{case_id}", data=data)
    assert resp.status_code == 302, resp.text[:500]
    resp = browser.submit("/interventionmodelview/add", {
        "case": number, "type": str(type_id), "organisation": str(organisation_id),
        "status": "active", "start_date": TODAY.isoformat(), "end_date": "", "outcome": "",
        "goal": ""}, follow_redirects=False)
    assert resp.status_code == 302, resp.text[:500]
    with app.app_context(), system_access("test"):
        edited = db.session.get(Case, case_id)
        assert (edited.risk_group_id, edited.lead_organisation_id) == (group, lead)
        db.session.rollback()

    # A job deletes an intervention it read before a commit (its columns expired).
    with app.app_context(), system_access("test: a job removes an intervention"):
        gone = db.session.query(Intervention).filter(
            Intervention.case_id == case_id,
            Intervention.created_at >= dt.datetime(YEAR, 1, 1)).first()
        db.session.commit()
        db.session.delete(gone)
        db.session.commit()

    after = page_tables(_dashboard(browser, year=YEAR))
    with app.app_context():
        expected = independent_counts(YEAR, TODAY)
    _assert_equal(after, expected)
    for key in ("risk_group", "lead_organisation"):
        assert after[key] != before[key], key
    stored_equal_fresh(app)


def test_marginals_are_every_distinct_generalisation_of_each_atom() -> None:
    """The roll-up equals the definition: each atom counts once in every distinct key
    made by setting any of its dimensions to "all" (atoms may already hold "all")."""
    rng = random.Random(7)
    for _ in range(200):
        dims = rng.randint(1, 4)
        cube: dict[tuple, int] = defaultdict(int)
        for _atom in range(rng.randint(0, 40)):
            values = ["a", "b", "c", None, ALL] if rng.random() < 0.3 else ["a", "b", "c"]
            cube[tuple(rng.choice(values) for _ in range(dims))] += rng.randint(1, 9)
        expected: dict[tuple, int] = defaultdict(int)
        for key, count in cube.items():
            for up in {tuple(ALL if m else v for v, m in zip(key, mask, strict=True))
                       for mask in itertools.product((False, True), repeat=dims)}:
                expected[up] += count
        assert dict(marginals(cube, dims)) == dict(expected), cube
