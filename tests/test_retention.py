"""Retention and destruction, as the privacy officer and a second approver do it: a case
past its retention date is proposed on the retention list, approved by another person
under "Changes to review", listed by ``casus retention --dry-run`` (which changes
nothing) and destroyed by ``--apply``: case content and the subjects no other case needs
are gone, a destruction record without personal data remains. A legal hold blocks it;
nobody approves their own proposal. The plugins' rows: ``tests/test_plugins_access.py``.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask import Flask

from tests.support import Browser, csrf_token

RETENTION = "/retention/"
APPROVALS = "/approvalrequestmodelview/list/"


def _second_privacy_officer(app: Flask) -> None:
    """A municipality has more than one person who may approve: a second officer."""
    from casusregie.app.access import system_access

    with app.app_context(), system_access("test: a second privacy officer"):
        sm = app.appbuilder.sm
        org = sm.find_user("privacy").organisation
        user = sm.add_user("privacy2", "Tweede", "Functionaris", "privacy2@example.org",
                           [sm.find_role("Privacy officer")], "Casusregie-demo-2026")
        user.organisation = org
        from casusregie.app.extensions import db

        db.session.commit()
        db.session.remove()


def _db(app: Flask, fn):
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test"):
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _aged_case(app: Flask, phase: str) -> dict:
    """Age a case past retention and give it a note, a print log row and a subject
    shared with another case."""
    from casusregie.app.models import Case, CaseNote, CaseSubject, Organisation
    from casusregie.reports.models import PrintLog

    today = dt.date.today()

    def age(s):
        case = (s.query(Case).filter(Case.phase == phase)
                .order_by(Case.id).first())
        case.retention_until = today - dt.timedelta(days=1)
        own = [cs.subject_id for cs in case.case_subjects]
        other = s.query(Case).filter(Case.id != case.id).order_by(Case.id).first()
        shared = other.case_subjects[0].subject_id
        s.add(CaseSubject(case_id=case.id, subject_id=shared, primary=False))
        ggd = s.query(Organisation).filter_by(name="GGD Amsterdam").one()
        s.add(CaseNote(case=case, author_id=1, organisation=ggd, text="Geheime notitie"))
        s.add(PrintLog(user_id=1, username="politie", organisation="Politie", document="dossier",
                       case_id=case.id, reference=case.number, sections="all",
                       purpose="Geheim doel", recipient="Geheime ontvanger", locale="nl",
                       pages=3))
        s.commit()
        return {"id": case.id, "number": case.number, "own_subjects": own,
                "shared_subject": shared}
    def age_quietly(s):
        with s.no_autoflush:
            return age(s)
    return _db(app, age_quietly)


def _table_counts(app: Flask) -> dict[str, int]:
    from flask_appbuilder import Model

    tables = Model.metadata.sorted_tables
    return _db(app, lambda s: {t.name: s.execute(sa.select(sa.func.count()).select_from(t))
                               .scalar_one() for t in tables
                               if not t.name.startswith(("ab_", "alembic"))})


def _propose(browser: Browser, app: Flask, case: dict, reason: str = "Bewaartermijn voorbij"):
    page = browser.get(RETENTION)
    assert page.status_code == 200
    return browser.post(f"/retention/propose/case/{case['id']}",
                        {"reason": reason, "csrf_token": csrf_token(page.text)},
                        follow_redirects=True)


def _request_id(app: Flask, case_id: int) -> int:
    from casusregie.app.models import ApprovalRequest

    return _db(app, lambda s: s.execute(sa.select(ApprovalRequest.id).where(
        ApprovalRequest.kind == "destruction",
        ApprovalRequest.target_id == case_id)).scalar_one())


def _decide(browser: Browser, request_id: int, action: str = "approve"):
    page = browser.get(APPROVALS)
    return browser.post("/approvalrequestmodelview/action_post", {
        "action": action, "rowid": str(request_id), "csrf_token": csrf_token(page.text)},
        follow_redirects=True)


def _cli(app: Flask, *args: str):
    result = app.test_cli_runner().invoke(args=["casus", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_case_past_retention_is_destroyed_after_four_eyes(app: Flask):
    from casusregie.app.models import Case, CaseNote, DestructionRecord, Intervention, Subject
    from casusregie.reports.models import PrintLog

    _second_privacy_officer(app)
    case = _aged_case(app, "closed")
    privacy = Browser(app).login("privacy")
    listed = privacy.get(RETENTION).text
    assert case["number"] in listed and "Geheim" not in listed
    assert "Vernietiging van" in _propose(privacy, app, case).text
    request_id = _request_id(app, case["id"])

    # The proposer cannot approve, also not through the screen.
    refused = _decide(privacy, request_id)
    assert "U kunt niet zelf besluiten over uw eigen aanvraag" in refused.text
    # Nothing is carried out before approval.
    assert "1 approved" not in _cli(app, "retention", "--dry-run")
    approved = _decide(Browser(app).login("privacy2"), request_id)
    assert "Goedgekeurd; de volgende vernietigingsronde voert het uit" in approved.text
    assert "Goedgekeurd en doorgevoerd" not in approved.text  # nothing destroyed until the run
    assert _db(app, lambda s: s.get(Case, case["id"])) is not None

    before = _table_counts(app)
    dry = _cli(app, "retention", "--dry-run")
    assert f"case {case['number']}:" in dry and "case_note 1" in dry and "subject 1" in dry
    assert _table_counts(app) == before, "--dry-run changed the database"

    from tests.management_support import stored_equal_fresh

    stored_equal_fresh(app)
    applied = _cli(app, "retention", "--apply")
    assert "destroyed: 1" in applied
    # The dashboard's kept counts lose the case (its plain SQL deletes are recounted).
    stored_equal_fresh(app)

    def gone(s):
        return {
            "case": s.get(Case, case["id"]),
            "interventions": s.query(Intervention).filter_by(case_id=case["id"]).count(),
            "notes": s.query(CaseNote).filter_by(case_id=case["id"]).count(),
            "own_subjects": s.query(Subject).filter(
                Subject.id.in_(case["own_subjects"])).count(),
            "shared_subject": s.get(Subject, case["shared_subject"]) is not None,
            "prints": [(p.purpose, p.recipient, p.reference) for p in
                       s.query(PrintLog).filter_by(case_id=case["id"])],
            "records": [(r.reference, r.proposed_by, r.approved_by, json.loads(r.counts))
                        for r in s.query(DestructionRecord)],
        }
    state = _db(app, gone)
    assert state["case"] is None
    assert (state["interventions"], state["notes"]) == (0, 0)
    assert state["own_subjects"] == 0 and state["shared_subject"]
    assert state["prints"] == [("", "", case["number"])]
    [(reference, proposed, approved_by, counts)] = state["records"]
    assert (reference, proposed, approved_by) == (case["number"], "privacy", "privacy2")
    assert counts["case"] == 1 and counts["case_note"] >= 1 and counts["intervention"] >= 1
    assert "Geheim" not in json.dumps(state["records"])
    # The record is listed for the privacy officer; the case no longer on the list.
    assert case["number"] in privacy.get("/destructionrecordmodelview/list/").text
    assert case["number"] not in privacy.get(RETENTION).text
    # Running again destroys nothing more.
    assert "destroyed: 0" in _cli(app, "retention", "--apply")
    # The audit trail keeps its chain and the records of the destruction; the records
    # of the destroyed case lose their personal details.
    assert "audit trail intact" in _cli(app, "audit-verify")
    from casusregie.app.audit import AuditDetail, AuditRecord

    def trail(s):
        steps = [json.loads(r.details.content)["detail"]["step"] if r.details else None
                 for r in s.query(AuditRecord).filter_by(action="destruction",
                                                         case_id=case["id"])
                 .order_by(AuditRecord.seq)]
        details = (s.query(AuditDetail).join(AuditRecord)
                   .filter(AuditRecord.case_id == case["id"]).count())
        return steps, details
    # Requested and approved lost their details; the execution's (counts only) follows.
    assert _db(app, trail) == ([None, None, "executed"], 1)


def test_a_legal_hold_blocks_destruction(app: Flask):
    from casusregie.app.models import Case

    _second_privacy_officer(app)
    case = _aged_case(app, "monitoring")
    privacy = Browser(app).login("privacy")
    assert "Vernietiging van" in _propose(privacy, app, case).text
    _decide(Browser(app).login("privacy2"), _request_id(app, case["id"]))

    page = privacy.get(RETENTION)
    # A hold without a reason is refused, and says why.
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    refused = privacy.post(f"/retention/hold/case/{case['id']}",
                           {"reason": "", "until": until, "csrf_token": csrf_token(page.text)},
                           follow_redirects=True)
    assert "Een juridische blokkade heeft een reden en een einddatum nodig" in refused.text
    held = privacy.post(f"/retention/hold/case/{case['id']}",
                        {"reason": "Lopende rechtszaak", "until": until,
                         "csrf_token": csrf_token(page.text)}, follow_redirects=True)
    assert "Lopende rechtszaak" in held.text

    assert "legal hold until" in _cli(app, "retention", "--dry-run")
    assert "destroyed: 0" in _cli(app, "retention", "--apply")
    assert _db(app, lambda s: s.get(Case, case["id"])) is not None

    # A new proposal is refused while the hold lasts.
    from casusregie.app.models import ApprovalRequest

    _db(app, lambda s: (s.query(ApprovalRequest).filter_by(target_id=case["id"]).delete(),
                        s.commit()))
    refused = _propose(privacy, app, case)
    assert "juridische blokkade" in refused.text


def test_every_table_holding_case_content_is_destroyed_with_its_case():
    """A new table pointing at a case, subject or signal must be added to the
    destruction (``app.retention.destroy``), or a destroyed case would leave it behind."""
    from flask_appbuilder import Model

    from casusregie.app.retention.destroy import HANDLED_TABLES

    content = {"case", "subject", "signal", "intervention", "action_plan", "decision",
               "task", "goal"}
    pointing = {table.name for table in Model.metadata.sorted_tables
                for fk in table.foreign_keys if fk.column.table.name in content}
    assert pointing <= HANDLED_TABLES, sorted(pointing - HANDLED_TABLES)


def test_a_signal_not_included_is_destroyed_with_its_weighing_and_subject(app: Flask):
    from casusregie.app.models import (
        OrganisationKind,
        Signal,
        SignalStatus,
        Subject,
        Weighing,
        WeighingOutcome,
    )

    def add(s):
        person = Subject(first_name="Eenmalig", last_name="Gemeld")
        signal = Signal(reporter_kind=OrganisationKind.police, concern="Geheime zorg",
                        subject=person, status=SignalStatus.weighed,
                        retention_until=dt.date.today() - dt.timedelta(days=1))
        s.add(Weighing(signal=signal, weighed_on=dt.date.today() - dt.timedelta(days=400),
                       participants="OOV, politie", reasons="Geen aanleiding",
                       outcome=WeighingOutcome.no_action))
        s.commit()
        return signal.id, person.id
    signal_id, person_id = _db(app, add)
    _second_privacy_officer(app)
    privacy = Browser(app).login("privacy")
    page = privacy.get(RETENTION)
    assert f"#{signal_id}" in page.text and "Geheime zorg" not in page.text
    privacy.post(f"/retention/propose/signal/{signal_id}",
                 {"reason": "", "csrf_token": csrf_token(page.text)})
    from casusregie.app.models import ApprovalRequest

    request_id = _db(app, lambda s: s.execute(sa.select(ApprovalRequest.id).where(
        ApprovalRequest.kind == "signal_destruction")).scalar_one())
    _decide(Browser(app).login("privacy2"), request_id)
    from tests.management_support import stored_equal_fresh

    assert f"signal #{signal_id}:" in _cli(app, "retention", "--apply")
    stored_equal_fresh(app)
    assert _db(app, lambda s: (s.get(Signal, signal_id), s.get(Subject, person_id),
                               s.query(Weighing).filter_by(signal_id=signal_id).count())
               ) == (None, None, 0)
    # The trail keeps its chain; the records of the signal, its weighing and its person
    # lose their personal details, as a destroyed case's do.
    assert "audit trail intact" in _cli(app, "audit-verify")
    from casusregie.app.audit import AuditDetail, AuditRecord

    def kept(s):
        about = sa.or_(
            sa.and_(AuditRecord.object_type == "signal", AuditRecord.object_id == signal_id),
            sa.and_(AuditRecord.object_type == "subject", AuditRecord.object_id == person_id),
            AuditRecord.object_type == "weighing")
        return [(r.object_type, r.action, r.details.content) for r in s.query(AuditRecord)
                .filter(about, AuditRecord.case_id.is_(None)).join(AuditDetail)
                .order_by(AuditRecord.seq)
                if r.object_type != "weighing" or "Geen aanleiding" in r.details.content]
    left = _db(app, kept)
    assert not [row for row in left if "Geheime zorg" in row[2] or "Eenmalig" in row[2]
                or "Geen aanleiding" in row[2]], left
    assert [row[:2] for row in left] == [("signal", "destruction")], left
