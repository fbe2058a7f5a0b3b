"""The subject access report (art. 15 AVG), produced by the privacy officer on its screen
for a member of the seeded group case: every case, item and receiving organisation is
in it, nothing of the other members; read back from the PDF with pypdf, and as JSON."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from tests.support import Browser, csrf_token

OTHERS = ("Şükrü", "Ağca", "Lars", "Visser")


def _db(app: Flask, fn):
    from casusregie.app.access import system_access
    from casusregie.app.extensions import db

    with app.app_context(), system_access("test"):
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _group_case(app: Flask) -> dict:
    from casusregie.app.models import Case, CaseNote, CaseSubject, Subject

    def find(s):
        tim = s.query(Subject).filter_by(first_name="Tim", last_name="de Wit").one()
        case = (s.query(Case).join(CaseSubject).filter(CaseSubject.subject_id == tim.id)
                .one())
        # A note naming the other members: their names must not reach Tim's report.
        s.add(CaseNote(case=case, author_id=1, organisation=case.lead_organisation,
                       text="Tim en Lars Visser spraken af met Şükrü Ağca bij het station."))
        s.commit()
        return {"id": tim.id, "case": case.number, "case_id": case.id}
    return _db(app, find)


def _report(browser: Browser, subject_id: int, fmt: str):
    page = browser.get("/subject-access/?q=Tim de Wit")
    assert page.status_code == 200 and "Tim de Wit" in page.text
    assert not any(name in page.text for name in OTHERS)
    return browser.post(f"/subject-access/{subject_id}/{fmt}",
                        {"reference": "Verzoek 2026-17", "csrf_token": csrf_token(page.text)})


def test_the_report_of_a_group_member_lists_their_data_and_nothing_of_the_others(app: Flask):
    tim = _group_case(app)
    # The youth workers read the case: the audit trail says so in the report.
    youth = Browser(app).login("jongerenwerk")
    assert youth.get(f"/casemodelview/show/{tim['case_id']}").status_code == 200
    privacy = Browser(app).login("privacy")
    resp = _report(privacy, tim["id"], "pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.data)).pages)
    flat = " ".join(text.split())
    for expected in ("Inzageverzoek", "Tim de Wit", tim["case"], "Groep 'Oostpoort'",
                     "Weerbaarheidstraining", "Mentortraject", "Jongerenwerk Amsterdam",
                     "toegelaten tot de casus", "Doelen en grondslagen", "Art. 6 lid 1 sub e",
                     "Tim en […] spraken af met […] bij het station", "Verzoek 2026-17",
                     "VERTROUWELIJK"):
        assert expected in flat, expected
    for name in OTHERS:
        assert name not in flat, name

    data = json.loads(_report(privacy, tim["id"], "json").data)
    assert data["person"]["name"] == "Tim de Wit"
    assert [c["number"] for c in data["cases"]] == [tim["case"]]
    [case] = data["cases"]
    assert data["person"]["groups"] == ["Groep 'Oostpoort'"]
    assert any(i["type"] == "Mentortraject" for i in case["interventions"])
    organisations = {(o["organisation"], o["how"]) for o in data["organisations"]}
    assert {("Jongerenwerk Amsterdam", "toegelaten tot de casus"),
            ("Jongerenwerk Amsterdam", "heeft ingezien")} <= organisations
    assert {p["legal_basis"] for p in data["purposes"]} >= {case["admissions"][0]["legal_basis"]}
    dumped = json.dumps(data, ensure_ascii=False)
    for name in OTHERS:
        assert name not in dumped, name

    # Each report is itself in the audit trail, by the privacy officer.
    from casusregie.app.audit import AuditRecord

    rows = _db(app, lambda s: s.execute(sa.select(AuditRecord.username).where(
        AuditRecord.action == "subject_access", AuditRecord.object_id == tim["id"])).all())
    assert [r[0] for r in rows] == ["privacy", "privacy"]


def test_only_the_privacy_officer_produces_reports(app: Flask):
    tim = _group_case(app)
    coordinator = Browser(app).login("coordinator")
    assert coordinator.get("/subject-access/?q=Tim").status_code in (302, 403)
    page = coordinator.get("/")
    resp = coordinator.post(f"/subject-access/{tim['id']}/json",
                            {"reference": "x", "csrf_token": csrf_token(page.text)})
    assert resp.status_code in (302, 403) and b"Tim de Wit" not in resp.data
    # A report needs the request it answers.
    privacy = Browser(app).login("privacy")
    page = privacy.get("/subject-access/?q=Tim")
    resp = privacy.post(f"/subject-access/{tim['id']}/pdf",
                        {"reference": "", "csrf_token": csrf_token(page.text)},
                        follow_redirects=True)
    assert "Noem het verzoek" in resp.text
