"""Amsterdam time: a conference planned at 14:00 reads 14:00 everywhere, in winter and
in summer; instants are stored in UTC (app/clock.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel.dates import format_date

from casusregie.app import clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    CaseConference,
    CasusUser,
    Decision,
    DecisionBody,
    DecisionKind,
)
from tests.support import Browser
from tests.test_api import API, token
from tests.test_reports import flat, pages_of, print_dossier

NEXT_YEAR = clock.local_today().year + 1
#: (the day, its offset from UTC in Amsterdam, the hour 14:00 is stored as)
SEASONS = [
    pytest.param(dt.date(NEXT_YEAR, 1, 15), "+01:00", 13, id="winter"),
    pytest.param(dt.date(NEXT_YEAR, 7, 15), "+02:00", 12, id="summer"),
]


def _plan_at_two(browser: Browser, app, day: dt.date) -> int:
    """Plan a conference through the screen, typed the Dutch way: 15-01-2027 14:00."""
    resp = browser.submit("/caseconferencemodelview/add", {
        "held_on": f"{day:%d-%m-%Y} 14:00", "location": "Stadhuis, kamer 2.01",
        "status": "planned", "notes": ""})
    assert resp.status_code == 302, resp.text
    with app.app_context(), system_access("test"):
        return db.session.query(CaseConference.id).filter(
            CaseConference.location == "Stadhuis, kamer 2.01").one()[0]


def _stored(app, conference_id: int) -> tuple[dt.datetime, int]:
    with app.app_context(), system_access("test"):
        conference = db.session.get(CaseConference, conference_id)
        first_case = db.session.query(AgendaItem.case_id).filter(
            AgendaItem.conference_id == conference_id).order_by(AgendaItem.position).first()
        return conference.held_on, first_case[0]


@pytest.mark.parametrize(("day", "offset", "utc_hour"), SEASONS)
def test_a_conference_at_two_reads_two_everywhere(app, browser: Browser, day: dt.date,
                                                   offset: str, utc_hour: int) -> None:
    browser.login("coordinator")
    conference_id = _plan_at_two(browser, app, day)
    held_on, case_id = _stored(app, conference_id)
    # Stored unambiguously: 14:00 in Amsterdam is 13:00 UTC in winter, 12:00 in summer.
    assert held_on == dt.datetime.combine(day, dt.time(utc_hour))

    # The screens: the conference's own page, its list, and the case page's agenda.
    medium = format_date(day, "medium", locale="nl_NL")
    show = browser.get(f"/caseconferencemodelview/show/{conference_id}").text
    assert f"{medium} 14:00" in show, "show page"
    assert f"{medium} 14:00" in browser.get("/caseconferencemodelview/list/").text
    assert f"{medium} 14:00" in browser.get(f"/conferenceagenda/{conference_id}").text
    assert f"{medium} 14:00" in browser.get(f"/casemodelview/show/{case_id}").text

    # Both PDFs, read back.
    agenda = browser.submit(f"/print/agenda/{conference_id}",
                            {"purpose": "Voorbereiding casusoverleg"})
    assert agenda.mimetype == "application/pdf"
    assert f"{medium} 14:00" in flat(pages_of(agenda.data))
    dossier = print_dossier(browser, case_id, sections=["conferences"])
    assert dossier.mimetype == "application/pdf"
    assert f"{medium} 14:00" in flat(pages_of(dossier.data))

    # The API: ISO 8601 in Amsterdam time with its offset.
    client = app.test_client()
    resp = client.get(f"{API}/case_conference/{conference_id}",
                      headers=token(client, "coordinator"))
    assert resp.status_code == 200, resp.text
    assert resp.json["result"]["held_on"] == f"{day.isoformat()}T14:00:00{offset}"


def test_clock_conversions_across_daylight_saving_changes() -> None:
    # The last Sunday of March and October: 02:30 does not exist, and 02:30 occurs twice.
    spring, autumn = dt.datetime(2027, 3, 28, 2, 30), dt.datetime(2027, 10, 31, 2, 30)
    assert clock.from_local_input(spring) == dt.datetime(2027, 3, 28, 1, 30)
    assert clock.to_local(dt.datetime(2027, 3, 28, 1, 30)).strftime("%H:%M") == "03:30"
    assert clock.from_local_input(autumn) == dt.datetime(2027, 10, 31, 0, 30)  # summer time
    assert clock.iso(dt.datetime(2027, 10, 31, 1, 30)) == "2027-10-31T02:30:00+01:00"
    aware = dt.datetime(2027, 6, 1, 14, tzinfo=clock.LOCAL_ZONE)
    assert clock.to_utc(aware) == dt.datetime(2027, 6, 1, 12)


def test_a_decision_taken_now_shows_the_footer_clock(app, browser: Browser) -> None:
    """Decision times used to lag the footer's clock by the offset from UTC."""
    with app.app_context(), system_access("test"):
        case_id = db.session.query(AgendaItem.case_id).first()[0]
        now = clock.now_utc().replace(second=0, microsecond=0)
        db.session.add(Decision(case_id=case_id, kind=DecisionKind.escalation,
                                body=DecisionBody.case_conference, reasons="Tijdtest.",
                                decided_at=now, decided_by=db.session.query(CasusUser)
                                .filter_by(username="coordinator").one()))
        db.session.commit()
    browser.login("coordinator")
    page = browser.get(f"/casemodelview/show/{case_id}").text
    local = clock.to_local(now)
    assert f"{format_date(local.date(), 'medium', locale='nl_NL')} {local:%H:%M}" in page
    # The footer ("Geraadpleegd door … op"), written the same way.
    assert f"{format_date(local.date(), 'medium', locale='nl_NL')} {local:%H:}" in page


def test_the_permission_log_shows_the_footer_clock(app, browser: Browser) -> None:
    """The permission log read 06:40 while the footer said 07:40."""
    from casusregie.app.access.models import PermissionChange

    # UTC; 07:40 in Amsterdam (winter time). Later than the seed's rows: first in the list.
    now = dt.datetime(NEXT_YEAR, 1, 20, 6, 40)
    with app.app_context(), system_access("test"):
        db.session.add(PermissionChange(changed_at=now, changed_by="tijdtest",
                                        kind="role_granted", role="Coördinator"))
        db.session.commit()
    browser.login("beheerder")
    resp = browser.get("/permissionchangemodelview/list/")
    assert resp.status_code == 200
    page = resp.text
    assert f"20 jan {NEXT_YEAR} 07:40" in page
    assert "06:40" not in page


#: A date written with digits only ("01-06-2027", "2027-06-01"): screens write dates as
#: ``app.i18n.format_date`` does ("1 jun 2027"), instants with the time after it.
NUMERIC_DATE = re.compile(r"\b\d{1,2}-\d{1,2}-\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


def _visible(page: str) -> str:
    """The page's text outside scripts, styles and form inputs (typed dates keep digits)."""
    page = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<input\b[^>]*>", " ", page)
    return re.sub(r"<[^>]+>", " ", page)


def test_lists_and_headers_write_dates_one_way(app, browser: Browser) -> None:
    """The signals list, the weighing page, the conference list, the agenda header, the
    start page and the footer: "17 mei 2026" and "17 mei 2026 14:00", never digits."""
    browser.login("coordinator")
    day = dt.date(NEXT_YEAR, 6, 1)
    conference_id = _plan_at_two(browser, app, day)
    with app.app_context(), system_access("test"):
        from casusregie.app.models import Signal, SignalStatus

        signal = db.session.query(Signal).filter(
            Signal.status == SignalStatus.received).first()
        received = clock.to_local(signal.received_at)
        signal_id = signal.id
        db.session.remove()
    medium = format_date(day, "medium", locale="nl_NL")
    pages = {url: _visible(browser.get(url).text) for url in (
        "/signalworkflow/", f"/signalworkflow/{signal_id}/weigh", "/caseconferencemodelview/list/",
        f"/conferenceagenda/{conference_id}", "/")}
    for url, text in pages.items():
        assert not NUMERIC_DATE.search(text), (url, NUMERIC_DATE.findall(text))
    written = f"{format_date(received.date(), 'medium', locale='nl_NL')} {received:%H:%M}"
    assert written in pages["/signalworkflow/"]
    assert f"{medium} 14:00" in pages[f"/conferenceagenda/{conference_id}"]
