"""Relations between subjects: shown on the subject page, chosen among the case's subjects."""

from __future__ import annotations

import re

from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.models import CaseSubject, Subject, SubjectRelation


def test_relation_form_offers_only_subjects_of_the_same_case(app, browser) -> None:
    with app.app_context(), system_access("test"):
        relation = db.session.query(SubjectRelation).first()
        assert relation is not None, "the demo has a family with relations"
        subject_id = relation.subject_id
        case_ids = [cs.case_id for cs in
                    db.session.query(CaseSubject).filter_by(subject_id=subject_id)]
        same_case = {s.id for s in db.session.query(Subject).join(
            CaseSubject, CaseSubject.subject_id == Subject.id).filter(
            CaseSubject.case_id.in_(case_ids), Subject.id != subject_id)}
        total = db.session.query(Subject).count()
    browser.login("coordinator")
    form = browser.get(f"/subjectrelationmodelview/add?_flt_0_subject={subject_id}").text
    related = re.search(r'<select[^>]*name="related".*?</select>', form, re.S).group(0)
    offered = {int(v) for v in re.findall(r'value="(\d+)"', related)}
    assert offered == same_case
    assert len(offered) < total


def test_subject_page_lists_relations(app, browser) -> None:
    with app.app_context(), system_access("test"):
        relation = db.session.query(SubjectRelation).first()
        subject_id, related_name = relation.subject_id, relation.related.full_name
    browser.login("coordinator")
    page = browser.get(f"/subjectmodelview/show/{subject_id}")
    assert page.status_code == 200
    assert "Relaties" in page.text
    assert related_name in page.text
