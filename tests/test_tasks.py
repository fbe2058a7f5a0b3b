"""Tasks, notifications and e-mail (issue 19), through the paths users take.

E-mail goes to a real SMTP server (aiosmtpd) on a free loopback port, not a mock.
"""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from casusregie.app.access import clock, system_access
from casusregie.app.extensions import db
from casusregie.app.models import (
    AgendaItem,
    Case,
    CaseAdmission,
    CaseConference,
    CasePhase,
    CasusUser,
    Intervention,
    InterventionStatus,
    InterventionType,
    Notification,
    Organisation,
    OrganisationKind,
    OutboxMail,
    Signal,
    Subject,
    Task,
)
from casusregie.app.models.base import utcnow


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def smtp(app, monkeypatch):
    """A real SMTP server on a free loopback port; the app is configured to use it."""
    inbox = _Inbox()
    port = _free_port()
    monkeypatch.setitem(app.config, "CASUS_MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "CASUS_MAIL_PORT", port)
    inbox.port = port
    inbox.controller = Controller(inbox, hostname="127.0.0.1", port=port)
    inbox.controller.start()
    yield inbox
    if inbox.controller is not None:
        inbox.controller.stop()


def _users_notified(app, kind: str, case_id: int | None = None) -> set[str]:
    with app.app_context(), system_access("test"):
        query = (db.session.query(CasusUser.username).join(Notification,
                                                           Notification.user_id == CasusUser.id)
                 .join(Task, Notification.task_id == Task.id).filter(Task.kind == kind))
        if case_id is not None:
            query = query.filter(Task.case_id == case_id)
        return {name for (name,) in query}


def _open_task(app, kind: str, case_id: int | None = None) -> Task | None:
    with app.app_context(), system_access("test"):
        query = db.session.query(Task).filter(Task.kind == kind, Task.closed_at.is_(None))
        if case_id is not None:
            query = query.filter(Task.case_id == case_id)
        return query.first()


def _case_without_admissions(app) -> tuple[int, str]:
    with app.app_context(), system_access("test"):
        case = (db.session.query(Case).filter(~Case.admissions.any(),
                                              Case.phase == CasePhase.monitoring).first())
        return case.id, case.number


def _org(app, name: str) -> int:
    with app.app_context(), system_access("test"):
        return db.session.query(Organisation).filter_by(name=name).one().id


def _admit(browser, case_id: int, org_id: int, days: int = 180):
    today = dt.date.today()
    return browser.submit("/caseadmissionmodelview/add", {
        "case": str(case_id), "organisation": str(org_id), "purpose": "Zorgtraject",
        "legal_basis": "Convenant art. 5", "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=days)).isoformat()})


def test_admitted_partner_gets_the_task_and_registering_closes_it(app, browser):
    case_id, number = _case_without_admissions(app)
    ggd_org = _org(app, "GGD Amsterdam")
    browser.login("coordinator")
    _admit(browser, case_id, ggd_org)
    assert _users_notified(app, "register_intervention", case_id) == {"ggd"}
    ggd = type(browser)(app).login("ggd")
    page = ggd.get("/tasks/").text
    assert number in page and "registreer uw interventie" in page
    assert re.search(r'id="casus-bell-count">\s*[1-9]', ggd.get("/").text)
    assert number in ggd.get("/").text  # the start page lists the task
    # Nobody else hears of it: another partner sees neither task nor case number.
    other = type(browser)(app).login("jongerenwerk")
    assert number not in other.get("/tasks/").text
    assert number not in other.get("/tasks/notifications/").text
    with app.app_context(), system_access("test"):
        ggz = db.session.query(InterventionType).filter_by(name="GGZ-behandeling").one().id
    resp = ggd.submit(f"/interventionmodelview/add?_flt_0_case={case_id}", {
        "case": number, "type": str(ggz), "organisation": str(ggd_org), "status": "active",
        "start_date": dt.date.today().isoformat()},
        post_url=f"/interventionmodelview/add?_flt_0_case={case_id}")
    assert resp.status_code == 302
    assert _open_task(app, "register_intervention", case_id) is None
    assert number not in ggd.get("/tasks/").text


def test_a_partner_whose_admission_ended_learns_nothing(app, browser, monkeypatch):
    case_id, number = _case_without_admissions(app)
    ggd = type(browser)(app).login("ggd")
    before = _bell_count(ggd.get("/").text)  # the demo's own invitations and tasks
    browser.login("coordinator")
    _admit(browser, case_id, _org(app, "GGD Amsterdam"), days=5)
    assert number in ggd.get("/tasks/").text
    later = dt.date.today() + dt.timedelta(days=10)
    monkeypatch.setattr(clock, "today", lambda: later)
    assert number not in ggd.get("/tasks/").text
    assert number not in ggd.get("/tasks/notifications/").text
    assert _bell_count(ggd.get("/").text) <= before


def _bell_count(page: str) -> int:
    return int(re.search(r'id="casus-bell-count">\s*(\d+)<', page).group(1))


def test_a_new_signal_is_a_task_for_the_weighing_team_only(app, browser):
    with app.app_context(), system_access("test"):
        subject = db.session.query(Subject).first()
        signal = Signal(reporter_kind=OrganisationKind.police, concern="Zorgwekkende uitingen",
                        subject=subject)
        db.session.add(signal)
        db.session.commit()
        signal_id = signal.id
    notified = _users_notified(app, "weigh_signal")
    assert {"coordinator", "politie", "om"} <= notified
    assert notified.isdisjoint({"ggd", "jongerenwerk", "regisseur", "beheerder", "privacy"})
    browser.login("politie")
    assert f"#{signal_id}" in browser.get("/tasks/").text
    with app.app_context(), system_access("test"):
        db.session.get(Signal, signal_id).status = "weighed"
        db.session.commit()
        assert db.session.query(Task).filter(Task.signal_id == signal_id,
                                             Task.closed_at.is_(None)).count() == 0


def test_appointing_a_director_closes_the_coordinators_task(app, browser):
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.case_director_id.is_(None),
                                             Case.phase.in_(["conference", "monitoring"])).first()
        case_id = case.id
    assert _users_notified(app, "appoint_director", case_id) == {"coordinator"}
    with app.app_context(), system_access("test"):
        case = db.session.get(Case, case_id)
        case.case_director_id = db.session.query(CasusUser).filter_by(
            username="regisseur").one().id
        db.session.commit()
    assert _open_task(app, "appoint_director", case_id) is None


def test_overdue_review_goes_to_the_director_and_a_new_review_date_closes_it(app):
    task = _open_task(app, "review_case")
    assert task is not None
    assert _users_notified(app, "review_case", task.case_id) <= {"regisseur", "coordinator"}
    runner = app.test_cli_runner()
    assert runner.invoke(args=["casus", "daily"]).exit_code == 0
    with app.app_context(), system_access("test"):
        overdue = (db.session.query(CasusUser.username).join(Notification)
                   .join(Task).filter(Notification.event == "overdue",
                                      Task.kind == "review_case").all())
        assert ("regisseur",) in overdue
        case = db.session.query(Case).filter_by(case_director_id=db.session.query(
            CasusUser.id).filter_by(username="regisseur").scalar_subquery()).first()
        for case in db.session.query(Case).filter(Case.review_date.isnot(None)):
            case.review_date = dt.date.today() + dt.timedelta(days=60)
        db.session.commit()
    assert _open_task(app, "review_case") is None


def test_expiring_admission_tells_coordinator_and_partner(app, browser):
    case_id, _number = _case_without_admissions(app)
    browser.login("coordinator")
    _admit(browser, case_id, _org(app, "Jongerenwerk Amsterdam"), days=20)
    assert _users_notified(app, "renew_admission", case_id) == {"coordinator"}
    assert _users_notified(app, "admission_ending", case_id) == {"jongerenwerk"}
    with app.app_context(), system_access("test"):
        admission = db.session.query(CaseAdmission).filter_by(case_id=case_id).one()
        admission.ends_on = dt.date.today() + dt.timedelta(days=200)
        db.session.commit()
    assert _open_task(app, "renew_admission", case_id) is None


def test_agreed_intervention_overdue_until_started(app):
    with app.app_context(), system_access("test"):
        intervention = db.session.query(Intervention).filter_by(
            status=InterventionStatus.planned).first()
        intervention.start_date = dt.date.today() - dt.timedelta(days=3)
        db.session.commit()
        iid, org_id = intervention.id, intervention.organisation_id
        task = db.session.query(Task).filter_by(kind="start_intervention", object_id=iid,
                                                closed_at=None).one()
        assert task.owner_organisation_id == org_id and task.due_on < dt.date.today()
        db.session.get(Intervention, iid).status = InterventionStatus.active
        db.session.commit()
        assert db.session.get(Task, task.id).closed_at is not None


def test_case_on_the_agenda_is_a_task_for_its_director(app):
    with app.app_context(), system_access("test"):
        case = db.session.query(Case).filter(Case.case_director_id.isnot(None),
                                             Case.phase == CasePhase.monitoring).first()
        conference = CaseConference(held_on=dt.datetime.combine(
            dt.date.today() + dt.timedelta(days=7), dt.time(13, 30)))
        db.session.add(conference)
        item = AgendaItem(conference=conference, case=case, position=0)
        db.session.add(item)
        db.session.commit()
        director = case.case_director.username
        item_id = item.id
    task = _open_task(app, "prepare_agenda_item")
    assert task is not None
    with app.app_context(), system_access("test"):
        mine = db.session.query(Task).filter_by(kind="prepare_agenda_item", object_id=item_id).one()
        assert mine.owner_user.username == director
        db.session.get(AgendaItem, item_id).discussed = True
        db.session.commit()
        assert db.session.get(Task, mine.id).closed_at is not None


def test_partners_admitted_to_a_case_on_the_agenda_are_invited(app):
    """A case on a coming conference's agenda: its admitted partners are invited, a
    partner not admitted learns nothing, and recording the item closes the invitation."""
    from tests.support import Browser

    with app.app_context(), system_access("test"):
        ggd = db.session.query(Organisation).filter(Organisation.name.ilike("%GGD%")).one()
        today = dt.date.today()
        admission = (db.session.query(CaseAdmission).join(Case)
                     .filter(CaseAdmission.organisation_id == ggd.id,
                             CaseAdmission.starts_on <= today, CaseAdmission.ends_on >= today,
                             Case.phase == CasePhase.monitoring).first())
        assert admission is not None, "the demo admits GGD to a case under monitoring"
        case = db.session.get(Case, admission.case_id)
        number = case.number
        conference = CaseConference(held_on=dt.datetime.combine(
            today + dt.timedelta(days=5), dt.time(13, 30)))
        db.session.add(conference)
        item = AgendaItem(conference=conference, case=case, position=0)
        db.session.add(item)
        db.session.commit()
        item_id = item.id
        admitted = {a.organisation_id for a in case.admissions
                    if a.starts_on <= today <= a.ends_on}
        invited = db.session.query(Task).filter_by(kind="conference_invitation",
                                                   object_id=item_id).all()
        assert {t.owner_organisation_id for t in invited} == admitted
        outsiders = [u.username for u in db.session.query(CasusUser).filter(
            CasusUser.username.in_(["ggd", "jongerenwerk", "om"]),
            CasusUser.organisation_id.notin_(admitted))]
    partner = Browser(app).login("ggd")
    assert "Uitgenodigd voor het casusoverleg over casus " + number in partner.get("/tasks/").text
    assert outsiders, "a demo user whose organisation is not admitted"
    for username in outsiders:
        assert number not in Browser(app).login(username).get("/tasks/").text
    with app.app_context(), system_access("test"):
        db.session.get(AgendaItem, item_id).discussed = True
        db.session.commit()
        assert db.session.get(Task, invited[0].id).closed_at is not None


def _mails(app) -> list[OutboxMail]:
    with app.app_context(), system_access("test"):
        return db.session.query(OutboxMail).order_by(OutboxMail.id).all()


def test_daily_twice_sends_once_and_mails_carry_no_case_content(app, smtp):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["casus", "daily"])
    assert first.exit_code == 0, first.output
    sent = len(smtp.messages)
    assert sent > 0
    second = runner.invoke(args=["casus", "daily"])
    assert second.exit_code == 0 and "e-mails sent 0" in second.output
    assert len(smtp.messages) == sent
    with app.app_context(), system_access("test"):
        numbers = [n for (n,) in db.session.query(Case.number)]
        names = [w for s in db.session.query(Subject) for w in (s.first_name, s.last_name) if w]
        births = [s.date_of_birth for s in db.session.query(Subject) if s.date_of_birth]
        texts = [t for (t,) in db.session.query(Case.summary) if t]
    for _to, content in smtp.messages:
        assert "Casusregie" in content and "/tasks/" in content
        assert not re.search(r"CR-\d{4}-\d+", content)
        for forbidden in (*numbers, *names, *texts):
            assert forbidden not in content
        for born in births:
            assert born.strftime("%d-%m-%Y") not in content and born.isoformat() not in content


def test_mail_server_down_then_up_loses_nothing(app, browser, smtp):
    smtp.controller.stop()
    smtp.controller = None
    case_id, _number = _case_without_admissions(app)
    browser.login("coordinator")
    resp = _admit(browser, case_id, _org(app, "GGD Amsterdam"))
    assert resp.status_code == 302  # the page does not wait for or fail on mail
    runner = app.test_cli_runner()
    down = runner.invoke(args=["casus", "send-mail"])
    assert down.exit_code == 0 and "e-mails sent 0" in down.output
    waiting = [m for m in _mails(app) if m.sent_at is None]
    assert waiting and all(m.attempts == 1 and m.last_error for m in waiting)
    # The server comes back (a new listener on the same port).
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    smtp.controller.start()
    # The next attempt waits for its back-off; a run too early sends nothing.
    assert "e-mails sent 0," in runner.invoke(args=["casus", "send-mail"]).output
    from casusregie.app.tasks.mail import send_due

    with app.app_context(), system_access("test"):
        result = send_due(utcnow() + dt.timedelta(minutes=5))
    assert result.sent == len(waiting) and result.failed == 0
    assert all(m.sent_at is not None for m in _mails(app))
    ggd_mail = [to for to, _c in smtp.messages if to == ["ggd@casusregie.example"]]
    assert ggd_mail


def test_email_setting_digest_and_never(app, browser, smtp):
    ggd = type(browser)(app).login("ggd")
    resp = ggd.submit("/tasks/settings", {"email_notifications": "digest"})
    assert resp.status_code == 302
    jw = type(browser)(app).login("jongerenwerk")
    jw.submit("/tasks/settings", {"email_notifications": "never"})
    with app.app_context(), system_access("test"):
        db.session.query(OutboxMail).delete()
        db.session.commit()
    case_id, _number = _case_without_admissions(app)
    browser.login("coordinator")
    _admit(browser, case_id, _org(app, "GGD Amsterdam"))
    _admit(browser, case_id, _org(app, "Jongerenwerk Amsterdam"))
    runner = app.test_cli_runner()
    runner.invoke(args=["casus", "send-mail"])
    recipients = [to[0] for to, _c in smtp.messages]
    assert "ggd@casusregie.example" not in recipients
    runner.invoke(args=["casus", "daily"])
    runner.invoke(args=["casus", "daily"])
    recipients = [to[0] for to, _c in smtp.messages]
    assert recipients.count("ggd@casusregie.example") == 1
    assert "jongerenwerk@casusregie.example" not in recipients


def test_english_user_gets_english_mail(app, browser, smtp):
    with app.app_context(), system_access("test"):
        db.session.query(CasusUser).filter_by(username="ggd").one().locale = "en"
        db.session.query(OutboxMail).delete()
        db.session.commit()
    case_id, _number = _case_without_admissions(app)
    browser.login("coordinator")
    _admit(browser, case_id, _org(app, "GGD Amsterdam"))
    app.test_cli_runner().invoke(args=["casus", "send-mail"])
    english = [c for to, c in smtp.messages if to == ["ggd@casusregie.example"]]
    assert english and "You have a new task in Casusregie" in english[0]
    dutch = [c for to, c in smtp.messages if to == ["coordinator@casusregie.example"]]
    assert all("Casusregie" in c for c in dutch)


def test_admission_after_an_agreed_intervention_tells_the_partner(app, browser):
    """The intervention was agreed (and its task opened) before GGD could see the case:
    admitting GGD tells its users about the task that already existed."""
    case_id, number = _case_without_admissions(app)
    ggd_org = _org(app, "GGD Amsterdam")
    with app.app_context(), system_access("test"):
        ggz = db.session.query(InterventionType).filter_by(name="GGZ-behandeling").one()
        db.session.add(Intervention(case_id=case_id, type=ggz, organisation_id=ggd_org,
                                    status=InterventionStatus.planned,
                                    start_date=dt.date.today() + dt.timedelta(days=7)))
        db.session.commit()
    assert _open_task(app, "start_intervention", case_id) is not None
    assert _users_notified(app, "start_intervention", case_id) == set()
    browser.login("coordinator")
    _admit(browser, case_id, ggd_org)
    assert _users_notified(app, "start_intervention", case_id) == {"ggd"}
    assert _open_task(app, "register_intervention", case_id) is None
    assert number in type(browser)(app).login("ggd").get("/tasks/").text
    # A second change to the case does not tell GGD again.
    with app.app_context(), system_access("test"):
        db.session.get(Case, case_id).summary = "Bijgewerkt"
        db.session.commit()
        assert db.session.query(Notification).join(Task).filter(
            Task.kind == "start_intervention", Task.case_id == case_id).count() == 1


def test_the_rest_api_closes_the_task_too(app):
    """A partner system starting the intervention through the API closes the task."""
    with app.app_context(), system_access("test"):
        task = db.session.query(Task).filter_by(kind="start_intervention",
                                                closed_at=None).first()
        intervention = db.session.get(Intervention, task.object_id)
        org = db.session.get(Organisation, intervention.organisation_id)
        user = db.session.query(CasusUser).filter_by(organisation_id=org.id).first()
        task_id, iid, version, username = task.id, intervention.id, intervention.version, \
            user.username
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": username, "password": "Casusregie-demo-2026", "provider": "db"})
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    resp = client.put(f"/api/v1/intervention/{iid}", headers=headers,
                      json={"version": version, "status": "active"})
    assert resp.status_code == 200, resp.json
    with app.app_context(), system_access("test"):
        assert db.session.get(Task, task_id).closed_at is not None


def test_opening_a_notification_marks_it_read_and_leads_to_the_work(app, browser):
    case_id, _number = _case_without_admissions(app)
    browser.login("coordinator")
    _admit(browser, case_id, _org(app, "GGD Amsterdam"))
    ggd = type(browser)(app).login("ggd")
    with app.app_context(), system_access("test"):
        note = db.session.query(Notification).join(Task).filter(
            Task.case_id == case_id, Task.kind == "register_intervention").one()
        note_id = note.id
    assert ggd.get(f"/tasks/notifications/{note_id}").status_code == 405  # GET changes nothing
    resp = ggd.submit("/tasks/notifications/", {}, post_url=f"/tasks/notifications/{note_id}")
    assert resp.status_code == 302
    assert f"/interventionmodelview/add?_flt_0_case={case_id}" in resp.headers["Location"]
    with app.app_context(), system_access("test"):
        assert db.session.get(Notification, note_id).read_at is not None
    # Nobody opens another user's notification.
    other = type(browser)(app).login("jongerenwerk")
    assert other.submit("/tasks/notifications/", {},
                        post_url=f"/tasks/notifications/{note_id}").status_code == 404


def test_administrator_sees_the_email_queue_without_case_content(app, browser):
    app.test_cli_runner().invoke(args=["casus", "send-mail"])  # server down: errors kept
    browser.login("beheerder")
    page = browser.get("/outboxmailmodelview/list/")
    assert page.status_code == 200
    assert "E-mailwachtrij" in page.text and "nieuwe taak" in page.text
    assert not re.search(r"CR-\d{4}-\d+", page.text)
