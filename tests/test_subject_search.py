"""Searching subjects by name: spelling variants, an index on both databases, access."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import Case, CasePhase, CaseSubject, Subject
from casusregie.app.name_search import name_search, surname_key
from casusregie.app.views.filters import subject_name_criterion
from tests.support import Browser, count_queries

LIST = "/subjectmodelview/list/"


def _search(browser: Browser, term: str) -> str:
    resp = browser.get(LIST, query_string={"_flt_0_name_key": term})
    assert resp.status_code == 200
    return resp.text


def _on_case(app, case: Case | int, first: str | None, last: str,
             born: dt.date | None = None) -> int:
    """A new subject on the given case; its id."""
    with app.app_context(), system_access("test"):
        case_id = case if isinstance(case, int) else case.id
        subject = Subject(first_name=first, last_name=last, date_of_birth=born)
        db.session.add(subject)
        db.session.flush()
        db.session.add(CaseSubject(case_id=case_id, subject_id=subject.id, primary=False))
        db.session.commit()
        return subject.id


def _open_case_id(app) -> int:
    with app.app_context(), system_access("test"):
        return (db.session.query(Case.id).filter(Case.phase == CasePhase.monitoring)
                .order_by(Case.id).first()[0])


# --------------------------------------------------------------------------- the keys

@pytest.mark.parametrize(("last_name", "key"), [
    ("El Amrani", "amrani"), ("el-Amrani", "amrani"), ("Amrani", "amrani"),
    ("van den Berg", "berg"), ("de Jong", "jong"), ("'t Hart", "hart"),
    ("Ağca", "agca"), ("Ødegård", "odegard"), ("Al-Hassan", "hassan"),
    ("Van", "van"), ("El", "el"), ("", ""),
])
def test_surname_key_leaves_out_particles_and_accents(last_name, key) -> None:
    assert surname_key(last_name) == key


def test_a_term_searches_both_keys() -> None:
    assert name_search("Mohammed El-Am") == name_search("mohamed el am")
    assert name_search("Mohamed el-Amrani").name_prefix == "mohamed elamrani"
    assert name_search("el-Amrani").surname_prefix == "amrani"
    assert not name_search(" -' ")


# --------------------------------------------------------------------------- the page

def test_spelling_variants_find_the_subject(app, browser) -> None:
    case_id = _open_case_id(app)
    _on_case(app, case_id, "Mohammed", "El Amrani", dt.date(1998, 5, 17))
    _on_case(app, case_id, "Zoë", "Ağca")
    browser.login("coordinator")
    for term in ("el-Amrani", "El Amrani", "AMRANI", "amr", "Ámrani", "Mohamed el-Am",
                 "mohammed", "Moh"):
        assert "El Amrani" in _search(browser, term), term
    for term in ("agca", "AĞCA", "Zoe", "zoë a"):
        assert "Ağca" in _search(browser, term), term
    page = _search(browser, "Amranix")
    assert "El Amrani" not in page


def test_the_search_uses_the_name_keys_by_prefix(app, browser, db_backend) -> None:
    browser.login("coordinator")
    with count_queries(app) as statements:
        _search(browser, "el-Amrani")
    rows = [s for s in statements if "FROM subject" in s and "LIMIT" in s]
    assert rows, statements
    sql = rows[-1]
    operator = "GLOB" if db_backend == "sqlite" else "LIKE"
    assert f"subject.name_key {operator}" in sql
    assert f"subject.surname_key {operator}" in sql
    assert "lower(" not in sql.lower() and "ilike" not in sql.lower()
    # Sorted by the surname key, which the key's index gives in order (see filters.py).
    assert sql.rstrip().split("ORDER BY ")[-1].startswith(
        "subject.surname_key ASC, subject.name_key ASC, subject.id ASC")


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_criterion_is_a_prefix_of_the_normalised_term(dialect) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    criterion = subject_name_criterion("Mohamed el-Amrani", dialect)
    compiled = criterion.compile(
        dialect=postgresql.dialect() if dialect == "postgresql" else sqlite.dialect(),
        compile_kwargs={"literal_binds": True})
    if dialect == "postgresql":
        # (the driver's paramstyle doubles a literal %)
        assert str(compiled).replace("%%", "%") == ("subject.name_key LIKE 'mohamed elamrani%' "
                                 "OR subject.surname_key LIKE 'mohamedelamrani%'")
    else:
        assert str(compiled) == ("subject.name_key GLOB 'mohamed elamrani*' "
                                 "OR subject.surname_key GLOB 'mohamedelamrani*'")
    assert subject_name_criterion("  ", dialect) is None


@pytest.mark.fresh_db  # Asks for the query plan on a connection of its own.
def test_an_index_serves_the_search(app, db_backend) -> None:
    """Both prefixes are answered from an index, not by reading the table."""
    with app.app_context(), system_access("test"):
        query = (db.session.query(Subject.id)
                 .filter(subject_name_criterion("el-Amrani", db_backend)))
        sql = str(query.statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        with db.engine.connect() as conn:
            if db_backend == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {sql}"))
            else:
                # The small test table would be read whole anyway: ask whether it can be
                # served otherwise. Walking all of ix_subject_surname_order (it holds both
                # keys) is as cheap for a few rows; at 300,000 subjects PostgreSQL
                # chooses the two prefix ranges, as asked here.
                conn.exec_driver_sql("SET enable_seqscan = off")
                conn.exec_driver_sql("SET enable_indexonlyscan = off")
                plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert "ix_subject_name_key" in plan and "ix_subject_surname_order" in plan, plan
    assert not re.search(r"SCAN subject(?! USING)|Seq Scan", plan), plan


def test_the_case_filter_finds_cases_by_a_subject_name(app, db_backend) -> None:
    from casusregie.app.views.filters import FilterCaseSubjectName

    case_id = _open_case_id(app)
    _on_case(app, case_id, "Mohammed", "El Amrani")
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "CaseModelView")
    flt = FilterCaseSubjectName("subject_name", view.datamodel)
    with app.app_context(), system_access("test"):
        query = flt.apply(db.session.query(Case.id), "el-Amrani")
        sql = str(query.statement.compile(db.engine))
        assert "EXISTS" in sql
        assert ("subject.surname_key GLOB" if db_backend == "sqlite"
                else "subject.surname_key LIKE") in sql
        assert [c for (c,) in query] == [case_id]


def test_a_blank_term_lists_every_subject(app, browser) -> None:
    browser.login("coordinator")
    everyone = browser.get(LIST).text
    assert _search(browser, " ").count("<tr") == everyone.count("<tr")


# --------------------------------------------------------------------------- access

def _visible_and_hidden_case(app, username: str) -> tuple[int, int]:
    from casusregie.app.access.actor import actor_for_user
    from casusregie.app.access.rows import visible_query
    from casusregie.app.models.organisation import CasusUser

    with app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username=username).one()
        actor = actor_for_user(user)
        visible = set(db.session.execute(visible_query(Case, actor)).scalars())
        ids = [c for (c,) in db.session.query(Case.id).order_by(Case.id)]
    shown = [c for c in ids if c in visible]
    hidden = [c for c in ids if c not in visible]
    assert shown and hidden, f"the demo admits {username} to some cases, not all"
    return shown[0], hidden[0]


def test_a_partner_finds_only_subjects_of_cases_it_is_admitted_to(app, browser) -> None:
    # A partner organisation outside the core that may read the subject list: ggd with
    # the core partners' role, still seeing only the cases ggd is admitted to.
    from casusregie.app.models.organisation import CasusUser

    with app.app_context(), system_access("test"):
        user = db.session.query(CasusUser).filter_by(username="ggd").one()
        role = app.appbuilder.sm.find_role("Kernpartner")
        user.roles = [*user.roles, role]
        db.session.commit()
    visible, hidden = _visible_and_hidden_case(app, "ggd")
    browser.login("ggd")
    _on_case(app, visible, "Yasmina", "Zeeroovervisible")
    _on_case(app, hidden, "Yasmina", "Zeerooverhidden")
    page = _search(browser, "Zeeroover")
    assert "Zeeroovervisible" in page
    assert "Zeerooverhidden" not in page
    # The count, read from the keys' first matches alone, is narrowed by the guard too.
    assert _SHOWN.search(page).group(1) == "1"
    assert "Zeerooverhidden" not in _search(browser, "Yasmina")


def test_the_privacy_officer_gets_no_subject_list_by_searching(app, browser) -> None:
    """The privacy officer reads no subject list (no grant); a search does not open it."""
    _on_case(app, _open_case_id(app), "Ilham", "el-Ouali")
    browser.login("privacy")
    resp = browser.get(LIST, query_string={"_flt_0_name_key": "Ouali"})
    assert resp.status_code == 403
    assert "el-Ouali" not in resp.text


# --------------------------------------------------------------------------- labels

def test_labels_in_dutch_and_english(browser) -> None:
    browser.login("coordinator")
    page = browser.get(LIST).text
    assert "Voor- of achternaam begint met" in page
    assert ">Naam<" in page or "Naam" in page
    browser.get("/lang/en")
    page = browser.get(LIST).text
    assert "First or last name starts with" in page
    assert "Last name" in page  # the list's column, not a search filter any more


def test_the_old_name_filters_are_gone(app) -> None:
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "SubjectModelView")
    filters = view._filters.get_search_filters()
    assert [type(f).__name__ for f in filters["name_key"]] == ["FilterNameStartsWith"]
    assert "last_name" not in filters and "first_name" not in filters
    assert sa.inspect(Subject).columns["surname_key"] is not None


# --------------------------------------------------------------------------- the capped count

_SHOWN = re.compile(r"(?:Count|Aantal):?</strong>\s*([^<]*?)\s*</div>")


def _search_args(**more: object) -> dict[str, object]:
    return {"_flt_0_name_key": "Quaedvlieg", "psize_SubjectModelView": 1, **more}


def _pager_pages(html: str) -> set[int]:
    return {int(n) for n in re.findall(r"page_SubjectModelView=(\d+)", html)}


def test_a_name_search_counts_up_to_the_limit_and_then_asks_to_refine(app, browser,
                                                                     monkeypatch) -> None:
    """Below the limit the exact number; beyond it the message, in Dutch and English, and
    a pager up to the limit; sorted by the surname key ("van Dijk" under D)."""
    case_id = _open_case_id(app)
    monkeypatch.setitem(app.config, "CASUS_SEARCH_COUNT_LIMIT", 3)
    for first, last in (("Anna", "van Quaedvlieg"), ("Bram", "Quaedvlieg"),
                        ("Cor", "de Quaedvlieg")):
        _on_case(app, case_id, first, last)
    browser.login("coordinator")  # Dutch, the default
    page = browser.get(LIST, query_string=_search_args())
    assert _SHOWN.search(page.text).group(1) == "3"
    _on_case(app, case_id, "Daan", "Quaedvlieg-Smit")
    page = browser.get(LIST, query_string=_search_args())
    assert _SHOWN.search(page.text).group(1) == "meer dan 3 resultaten: verfijn uw zoekopdracht"
    # The pager offers the pages up to the limit (3 of 1), not the fourth match's page.
    assert _pager_pages(page.text) == {1, 2}
    # In surname-key order: Quaedvlieg (Anna, Bram, Cor, all "quaedvlieg"), then "quaedvliegsmit".
    first_rows = [re.search(r"<td>(Anna|Bram|Cor|Daan)</td>", browser.get(
        LIST, query_string=_search_args(page_SubjectModelView=n)).text).group(1)
        for n in range(4)]
    assert first_rows == ["Anna", "Bram", "Cor", "Daan"]
    last_first = browser.get(LIST, query_string=_search_args(
        _oc_SubjectModelView="last_name", _od_SubjectModelView="desc")).text
    assert re.search(r"<td>(Anna|Bram|Cor|Daan)</td>", last_first).group(1) == "Daan"
    browser.submit("/", {}, post_url="/lang/en")
    page = browser.get(LIST, query_string={"_flt_0_name_key": "Quaedvlieg"})
    assert _SHOWN.search(page.text).group(1) == "more than 3 matches: refine your search"


def test_a_name_search_with_another_filter_finds_matches_beyond_the_first(app, browser,
                                                                          monkeypatch) -> None:
    """With a second filter the first matches of the name need not hold the list's first
    rows: the page and count must still find a match the name alone ranks last."""
    monkeypatch.setitem(app.config, "CASUS_SEARCH_COUNT_LIMIT", 2)
    case_id = _open_case_id(app)
    for first in ("Anna", "Bram", "Cor"):
        _on_case(app, case_id, first, "Quaedvlieg")
    with app.app_context(), system_access("test"):
        daan = db.session.get(Subject, _on_case(app, case_id, "Daan", "Quaedvlieg-Smit"))
        daan.municipality = "Zwolle"
        db.session.commit()
    browser.login("coordinator")
    page = browser.get(LIST, query_string=_search_args(_flt_3_municipality="Zwolle"))
    assert "<td>Daan</td>" in page.text
    assert _SHOWN.search(page.text).group(1) == "1"
    # The name alone: Daan comes last, after the limit, yet his page is there.
    page = browser.get(LIST, query_string=_search_args(page_SubjectModelView=3))
    assert "<td>Daan</td>" in page.text
    assert _SHOWN.search(page.text).group(1) == "meer dan 2 resultaten: verfijn uw zoekopdracht"
