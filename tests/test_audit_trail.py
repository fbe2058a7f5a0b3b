"""The audit trail as users produce it: screens and API as the demo users."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask

from casusregie.app.access import system_access
from casusregie.app.audit import AuditRecord
from casusregie.app.extensions import db
from casusregie.app.models import Case
from tests.support import Browser
from tests.test_api import API, token

pytestmark = pytest.mark.rollback

#: The demo users who see case content, and the privacy officer and management who do not.
READERS = ("coordinator", "regisseur", "politie", "om", "ggd", "jongerenwerk")


def _last_seq(app: Flask) -> int:
    with app.app_context():
        seq = db.session.scalar(sa.select(sa.func.max(AuditRecord.seq))) or 0
        db.session.remove()
        return seq


def _since(app: Flask, seq: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.seq > seq)
                                  .order_by(AuditRecord.seq)).all()
        result = [{"action": r.action, "object_type": r.object_type, "object_id": r.object_id,
                   "case_id": r.case_id, "case_number": r.case_number,
                   "username": r.username, "channel": r.channel, "purpose": r.purpose,
                   "organisation": r.organisation, "roles": r.roles,
                   "detail": r.details.content if r.details else None} for r in rows]
        db.session.remove()
        return result


def _ids_on_page(html: str) -> list[int]:
    return sorted({int(pk) for pk in re.findall(r"/casemodelview/show/(\d+)", html)})


@pytest.mark.parametrize("username", READERS)
def test_a_read_records_one_record_per_object_shown(app: Flask, username: str) -> None:
    browser = Browser(app).login(username)
    start = _last_seq(app)
    listing = browser.get("/casemodelview/list/")
    assert listing.status_code == 200
    shown = _ids_on_page(listing.text)
    records = _since(app, start)
    assert [r["action"] for r in records] == ["search"], records
    assert records[0]["object_type"] == "case" and records[0]["username"] == username
    assert sorted(eval_ids(records[0]["detail"])) == shown

    case_id = shown[0]
    start = _last_seq(app)
    assert browser.get(f"/casemodelview/show/{case_id}").status_code == 200
    records = _since(app, start)
    assert [(r["action"], r["object_type"], r["object_id"]) for r in records] == [
        ("read", "case", case_id)]
    assert records[0]["case_number"].startswith("CR-")
    assert records[0]["organisation"] and records[0]["roles"]


def eval_ids(detail: str) -> list[int]:
    import json

    return json.loads(detail)["detail"]["ids"]


def test_the_api_records_the_same_as_the_screens(app: Flask) -> None:
    browser = Browser(app).login("politie")
    client = app.test_client()
    headers = token(client, "politie")
    with app.app_context(), system_access("test"):
        case = db.session.scalars(sa.select(Case).order_by(Case.number)).first()
        case_id = case.id
        db.session.remove()
    start = _last_seq(app)
    screen = browser.get(f"/casemodelview/show/{case_id}")
    screen_records = _since(app, start)
    start = _last_seq(app)
    api = client.get(f"{API}/case/{case_id}", headers=headers)
    api_records = _since(app, start)
    assert screen.status_code == api.status_code
    if screen.status_code != 200:  # politie does not see this case: nothing is recorded
        assert screen_records == api_records == []
        return
    keep = ("action", "object_type", "object_id", "case_id", "case_number", "username",
            "organisation", "roles")
    assert [{k: r[k] for k in keep} for r in screen_records] == \
        [{k: r[k] for k in keep} for r in api_records]
    assert [r["channel"] for r in api_records] == ["api"]


def _first_case(app: Flask) -> tuple[int, str, str]:
    with app.app_context(), system_access("test"):
        case = db.session.scalars(sa.select(Case).order_by(Case.number)).first()
        result = case.id, case.number, case.summary or ""
        db.session.remove()
        return result


def test_a_write_records_the_changed_fields_with_old_and_new_values(app: Flask) -> None:
    import json

    from tests.forms import main_form

    case_id, number, summary = _first_case(app)
    browser = Browser(app).login("coordinator")
    page = browser.get(f"/casemodelview/edit/{case_id}")
    assert page.status_code == 200
    data = main_form(page.text).data()
    data["summary"] = "Samenvatting herzien na het casusoverleg."
    start = _last_seq(app)
    resp = browser.post(f"/casemodelview/edit/{case_id}", data=data)
    assert resp.status_code == 302, resp.text[:300]
    records = _since(app, start)
    updates = [r for r in records if r["action"] == "update"]
    assert [(r["object_type"], r["object_id"], r["case_number"]) for r in updates] == [
        ("case", case_id, number)]
    assert json.loads(updates[0]["detail"])["fields"] == {
        "summary": [summary, "Samenvatting herzien na het casusoverleg."]}
    assert updates[0]["username"] == "coordinator"


def test_a_print_records_its_sections_and_purpose(app: Flask) -> None:
    import json

    case_id, number, _summary = _first_case(app)
    browser = Browser(app).login("coordinator")
    start = _last_seq(app)
    resp = browser.submit(f"/print/dossier/{case_id}", {
        "purpose": "Voorbereiding casusoverleg", "sections": ["decisions", "notes"]})
    assert resp.status_code == 200
    prints = [r for r in _since(app, start) if r["action"] == "print"]
    assert [(r["object_type"], r["case_id"], r["case_number"], r["purpose"]) for r in prints] \
        == [("dossier", case_id, number, "Voorbereiding casusoverleg")]
    assert json.loads(prints[0]["detail"])["detail"]["sections"] == ["decisions", "notes"]


def test_privacy_officer_workbench_and_signed_pdf(app: Flask) -> None:
    import io

    from pypdf import PdfReader

    from casusregie.reports.audit import signature

    case_id, number, _summary = _first_case(app)
    Browser(app).login("coordinator").get(f"/casemodelview/show/{case_id}")
    privacy = Browser(app).login("privacy")
    listing = privacy.get("/auditrecordmodelview/list/?_flt_0_username=coordinator")
    assert listing.status_code == 200 and number in listing.text
    prints = privacy.get("/auditrecordmodelview/list/?_flt_0_action=print")
    assert prints.status_code == 200
    timeline = privacy.get(f"/privacy/case/{case_id}")
    assert timeline.status_code == 200 and "coordinator" in timeline.text
    assert privacy.get("/privacy/unusual/").status_code == 200

    pdf = privacy.get(f"/privacy/case/{case_id}?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    signed = pdf.headers["X-Casus-Signature"]
    assert signed in text.replace("\n", "") and "coordinator" in text and number in text
    with app.app_context():
        from casusregie.app.audit.analysis import case_timeline
        from casusregie.app.audit.chain import head

        records = case_timeline(db.session, case_id)
        title = f"Audit trail of case {case_id}"
        expected = [signature([r.hash for r in records], head(db.session), t)
                    for t in (title, f"Audittrail van casus {case_id}")]
        db.session.remove()
    assert signed in expected


@pytest.mark.parametrize("username", ["beheerder", "coordinator"])
def test_others_do_not_see_the_trail(app: Flask, username: str) -> None:
    browser = Browser(app).login(username)
    for url in ("/auditrecordmodelview/list/", "/privacy/case/1", "/privacy/unusual/"):
        resp = browser.get(url)
        assert resp.status_code in (302, 403), (url, resp.status_code)
        assert "audit_record" not in resp.text


def test_a_signed_trail_pdf_is_verified_and_a_changed_one_refused(app: Flask, tmp_path) -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    from casusregie.reports.audit import MANIFEST_KEY

    case_id, _number, _summary = _first_case(app)
    Browser(app).login("coordinator").get(f"/casemodelview/show/{case_id}")
    pdf = Browser(app).login("privacy").get(f"/privacy/case/{case_id}?format=pdf")
    assert pdf.status_code == 200
    runner = app.test_cli_runner()

    good = tmp_path / "trail.pdf"
    good.write_bytes(pdf.data)
    result = runner.invoke(args=["casus", "audit-verify-pdf", str(good)])
    assert result.exit_code == 0, result.output
    assert "signature valid" in result.output

    # One record left out of what the PDF says it covers: the signature no longer holds.
    reader = PdfReader(io.BytesIO(pdf.data))
    import json

    content = json.loads(reader.metadata[MANIFEST_KEY])
    assert content["records"], content
    content["records"] = content["records"][1:]
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({MANIFEST_KEY: json.dumps(content, separators=(",", ":"))})
    changed = tmp_path / "changed.pdf"
    with changed.open("wb") as out:
        writer.write(out)
    result = runner.invoke(args=["casus", "audit-verify-pdf", str(changed)])
    assert result.exit_code == 1
    assert "signature does not match" in result.output

    # A PDF that was never signed (a dossier print, say) is refused as well.
    unsigned = tmp_path / "unsigned.pdf"
    plain = PdfWriter()
    plain.add_blank_page(100, 100)
    with unsigned.open("wb") as out:
        plain.write(out)
    result = runner.invoke(args=["casus", "audit-verify-pdf", str(unsigned)])
    assert result.exit_code == 1 and "no audit trail signature" in result.output


def test_the_trail_shows_its_actions_in_words(app: Flask) -> None:
    case_id, _number, _summary = _first_case(app)
    Browser(app).login("coordinator").get(f"/casemodelview/show/{case_id}")
    privacy = Browser(app).login("privacy")
    listing = privacy.get("/auditrecordmodelview/list/?_flt_0_username=coordinator&_oc_"
                          "auditrecordmodelview=at&_od_auditrecordmodelview=desc")
    assert listing.status_code == 200
    cells = re.findall(r"<td>\s*([^<]*?)\s*</td>", listing.text)
    assert "Ingezien" in cells and "read" not in cells
    timeline = privacy.get(f"/privacy/case/{case_id}")
    assert "<td>Ingezien</td>" in timeline.text and "<td>read</td>" not in timeline.text
    privacy.submit("/", {}, post_url="/lang/en")
    assert "<td>Viewed</td>" in privacy.get(f"/privacy/case/{case_id}").text
