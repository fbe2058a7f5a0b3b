"""Exports of the case, intervention and subject lists: as each demo user, exactly the
rows and fields the access policy gives that user, with the list's filters, recorded."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from casusregie.app.access import can_see_field, system_access
from casusregie.app.access.actor import actor_for_user
from casusregie.app.access.fields import HIDDEN
from casusregie.app.access.rows import row_criteria
from casusregie.app.exports import ExportLog
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase, CasusUser, Intervention, Subject
from tests.support import DEMO_USERNAMES, Browser

PURPOSE = "Maandelijkse controle van de cijfers"
LISTS = {"cases": "/casemodelview/list/", "interventions": "/interventionmodelview/list/",
         "subjects": "/subjectmodelview/list/"}
_CHOICE = re.compile(r'<input[^>]*name="columns"[^>]*value="([^"]+)"')


def offered(browser: Browser, name: str, query: str = "") -> list[str]:
    page = browser.get(f"/export/{name}/{query}")
    assert page.status_code == 200
    return _CHOICE.findall(page.text)


def export_csv(browser: Browser, name: str, columns: list[str], query: str = "",
               purpose: str = PURPOSE) -> list[list[str]]:
    resp = browser.submit(f"/export/{name}/{query}", {
        "columns": columns, "file_format": "csv", "purpose": purpose})
    assert resp.status_code == 200 and resp.mimetype == "text/csv", resp.status_code
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))


def _expected(app, username: str, name: str) -> list[tuple]:
    """The rows the access policy gives ``username``, in the export's first columns."""
    with app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        actor = actor_for_user(user)
        if name == "cases":
            return [(c.number,) for c in db.session.query(Case).filter(
                row_criteria(Case, actor))]
        if name == "subjects":
            return [(s.last_name or "",) for s in db.session.query(Subject).filter(
                row_criteria(Subject, actor))]
        rows = []
        for i in db.session.query(Intervention).filter(row_criteria(Intervention, actor)):
            outcome = (i.outcome or "") if can_see_field(i, "outcome", actor) else HIDDEN
            rows.append((i.case.number, outcome))
        return rows


def _may_export(browser: Browser, name: str) -> bool:
    return browser.get(f"/export/{name}/").status_code == 200


def _log_count(app) -> int:
    with app.app_context(), system_access("test"):
        return db.session.query(ExportLog).count()


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_each_user_exports_exactly_what_the_policy_gives(app, username):
    browser = Browser(app).login(username)
    exported = 0
    for name, list_url in LISTS.items():
        if not _may_export(browser, name):
            assert browser.get(list_url).status_code != 200 or username in (
                "beheerder", "privacy", "management"), (username, name)
            continue
        columns = offered(browser, name)
        before = _log_count(app)
        rows = export_csv(browser, name, columns)
        header, body = rows[0], rows[1:]
        assert len(header) == len(columns)
        keys = {"cases": ["number"], "subjects": ["last_name"],
                "interventions": ["case", "outcome"]}[name]
        picks = [columns.index(k) for k in keys]
        got = Counter(tuple(r[i] for i in picks) for r in body)
        assert got == Counter(_expected(app, username, name)), (username, name)
        # A field the policy hides is not offered, so never exported.
        if name == "subjects":
            assert ("bsn" in columns) == (username in ("coordinator", "politie", "om"))
        with app.app_context(), system_access("test"):
            log = db.session.query(ExportLog).order_by(ExportLog.id.desc()).first()
            assert _log_count(app) == before + 1
            assert (log.username, log.list_name, log.row_count, log.purpose) == (
                username, name, len(body), PURPOSE)
            assert log.columns.split(",") == columns
        exported += 1
    may = {"coordinator": 3, "regisseur": 3, "politie": 3, "om": 3, "ggd": 2,
           "jongerenwerk": 2}
    assert exported == may.get(username, 0), username


def test_export_follows_the_lists_filters_and_records_them(app):
    browser = Browser(app).login("coordinator")
    query = "?_flt_0_phase=monitoring"
    rows = export_csv(browser, "cases", ["number", "phase"], query)
    with app.app_context(), system_access("test"):
        expected = {c.number for c in db.session.query(Case).filter(
            Case.phase == CasePhase.monitoring)}
        log = db.session.query(ExportLog).one()
    assert {r[0] for r in rows[1:]} == expected and len(expected) > 1
    assert "phase" in log.filters and "monitoring" in log.filters
    # The list page offers the export with its own filters.
    page = browser.get(f"/casemodelview/list/{query}").text
    assert re.search(r'href="/export/cases/\?_flt_0_phase=monitoring"', page)


def test_excel_export_has_the_chosen_columns_in_the_lists_order(app):
    browser = Browser(app).login("coordinator")
    resp = browser.submit("/export/interventions/", {
        "columns": ["status", "case", "type"], "file_format": "xlsx", "purpose": PURPOSE})
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Casus", "Interventietype", "Status")
    with app.app_context(), system_access("test"):
        assert len(rows) - 1 == db.session.query(Intervention).count()


def test_missing_purpose_and_columns_are_refused_with_the_choices_kept(app):
    browser = Browser(app).login("coordinator")
    resp = browser.submit("/export/cases/", {"columns": ["phase"], "file_format": "csv",
                                             "purpose": ""})
    assert resp.status_code == 200 and "text/html" in resp.content_type
    assert "Geef het doel van deze export op." in resp.text
    assert re.search(r'<input checked[^>]*value="phase"|value="phase"[^>]*checked', resp.text)
    resp = browser.submit("/export/cases/", {"file_format": "csv", "purpose": PURPOSE})
    assert "Kies ten minste één kolom." in resp.text
    assert _log_count(app) == 0


def test_a_cell_that_looks_like_a_formula_stays_text(app):
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).order_by(Case.id).first()
        case.summary = "=HYPERLINK(\"http://example.org\")"
        db.session.commit()
    browser = Browser(app).login("coordinator")
    rows = export_csv(browser, "cases", ["number", "summary"])
    assert "'=HYPERLINK(\"http://example.org\")" in [r[1] for r in rows]
    # In Excel the cell is a text cell holding the value as typed, not a formula.
    resp = browser.submit("/export/cases/", {
        "columns": ["number", "summary", "opened_at"], "file_format": "xlsx",
        "purpose": PURPOSE})
    sheet = load_workbook(io.BytesIO(resp.data)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    formula = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s" and formula.value == "=HYPERLINK(\"http://example.org\")"
    # Dates stay dates, shown as dates.
    opened = next(row[2] for row in sheet.iter_rows(min_row=2) if row[2].value is not None)
    assert opened.is_date and opened.number_format.startswith("yyyy-mm-dd")


def test_subject_names_are_read_once_per_batch_not_per_case(app):
    from tests.support import count_queries

    browser = Browser(app).login("coordinator")
    with app.app_context(), system_access("test"):
        cases = db.session.query(Case).count()
    assert cases >= 5
    with count_queries(app) as statements:
        rows = export_csv(browser, "cases", ["number", "subject_names"])
    assert len(rows) - 1 == cases and any(r[1] for r in rows[1:])
    assert len(statements) < 20, len(statements)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_an_export_reads_plain_values_not_a_mapped_object_per_row(app, name):
    """Every offered column, and no row of the list (nor a case, subject or intervention
    behind a related name or a computed column) is built as a mapped object: only the
    small tables named in cells (organisations, risk groups, users, types) are."""
    from flask_appbuilder import Model

    from casusregie.app.models import CaseSubject, Goal

    browser = Browser(app).login("coordinator")
    columns = offered(browser, name)
    large = (Case, CaseSubject, Subject, Intervention, Goal)
    built: Counter = Counter()

    def _loaded(target, _context) -> None:
        if isinstance(target, large):
            built[type(target).__name__] += 1

    sa.event.listen(Model, "load", _loaded, propagate=True)
    try:
        rows = export_csv(browser, name, columns)
    finally:
        sa.event.remove(Model, "load", _loaded)
    # Every column holds values: the cells were read, not left out.
    assert len(rows) > 5 and all(any(row[i] for row in rows[1:])
                                 for i in range(len(columns))), rows[:3]
    assert not built, built


def test_an_excel_download_states_its_size_for_the_browsers_progress(app):
    browser = Browser(app).login("coordinator")
    resp = browser.submit("/export/cases/", {
        "columns": ["number", "phase"], "file_format": "xlsx", "purpose": PURPOSE})
    assert resp.status_code == 200
    assert int(resp.headers["Content-Length"]) == len(resp.data) > 0


def test_the_workbook_is_written_by_a_helper_with_every_row_and_type(tmp_path, monkeypatch):
    """``app.workbook`` hands the rows to a helper process in batches: every row arrives
    in order, each value with its own type; a failure of the helper or of the rows is
    raised to the request and leaves no file behind."""
    import datetime as dt
    import tempfile

    from casusregie.app import workbook

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = [[f"CR-{n:05d}", n, n / 4, n % 2 == 0, dt.date(2026, 1, 1 + n % 28),
             dt.datetime(2026, 2, 3, 4, 5), None, "", "=1+1"]
            for n in range(2 * workbook.BATCH + 7)]
    handle = workbook.xlsx_file([f"k{i}" for i in range(9)], iter(rows), "cases")
    with handle:
        sheet = load_workbook(handle, read_only=True).active
        read = list(sheet.iter_rows(values_only=True))
    assert read[0] == tuple(f"k{i}" for i in range(9))
    assert len(read) == len(rows) + 1
    for written, back in zip(rows, read[1:], strict=True):
        assert back[:4] == tuple(written[:4]) and back[6:] == (None, None, "=1+1")
        assert back[4] == dt.datetime.combine(written[4], dt.time()) and back[5] == written[5]
    assert list(tmp_path.iterdir()) == []

    # The helper refuses a sheet name Excel does not allow: its message reaches the caller.
    with pytest.raises(workbook.WorkbookError, match="Invalid"):
        workbook.xlsx_file(["a"], iter([["x"]]), "no [brackets]")

    def failing():
        yield ["one"]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        workbook.xlsx_file(["a"], failing(), "cases")
    assert list(tmp_path.iterdir()) == []
