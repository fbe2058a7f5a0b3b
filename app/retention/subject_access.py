"""The subject access report (AVG art. 15): everything held about one person.

Gathered as a system job (the privacy officer who produces it sees no case content):
the person's own record, every case they are in (also through a group they belong to)
with its signals, decisions, assessments, goals, interventions, notes and conference
dates, signals about them that did not become a case, the purposes and legal bases of
the processing and of each admission, the organisations that received or saw data (the
lead and admitted organisations, those delivering interventions, and who read or printed
it according to the audit trail and the print log), and the retention dates.

Other people's data is withheld: other subjects of a (group) case are left out, the
reporter of a signal is not named, and other people's names in free text are replaced
by "[…]". One ``subject_access`` record in the audit trail notes each report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from casusregie.app import clock
from casusregie.app.access import system_access
from casusregie.app.extensions import db
from casusregie.app.i18n import display_value
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    Assessment,
    Case,
    CaseAdmission,
    CaseNote,
    CaseSubject,
    Decision,
    Goal,
    Intervention,
    Signal,
    Subject,
    SubjectKind,
)
from casusregie.app.retention import trail
from casusregie.reports.models import PrintLog

WITHHELD = "[…]"


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    shown = display_value(value)
    return "" if shown == "—" else str(shown)


def _iso(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return clock.to_local(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


class Redactor:
    """Replaces other people's names in free text; never the person's own."""

    def __init__(self, person: Subject, others: Iterable[Subject]) -> None:
        own = {w.casefold() for w in (person.first_name or "", person.last_name or "") if w}
        names: set[str] = set()
        for other in others:
            if other.id == person.id:
                continue
            names.add(other.full_name)
            for word in (other.first_name, other.last_name):
                if word and word.casefold() not in own:
                    names.add(word)
        names = {n for n in names if len(n.strip()) >= 2}
        # Longest first, so "Tim de Wit" goes as a whole before "Tim".
        self.pattern = (re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in
                                            sorted(names, key=len, reverse=True)),
                                   re.IGNORECASE) if names else None)

    def __call__(self, value: Any) -> str:
        text = _text(value)
        return self.pattern.sub(WITHHELD, text) if self.pattern and text else text


def _cases_of(subject_ids: list[int]) -> list[Case]:
    ids = [r for (r,) in db.session.query(CaseSubject.case_id).filter(
        CaseSubject.subject_id.in_(subject_ids)).distinct()]
    if not ids:
        return []
    return db.session.query(Case).filter(Case.id.in_(ids)).order_by(Case.opened_at).all()


def _organisations(cases: list[Case], person: Subject) -> list[dict[str, str]]:
    """Who received or saw data of these cases, how, first and last time, how often."""
    seen: dict[tuple[str, str], list[Any]] = {}

    def add(name: Any, how: str, first: Any, last: Any = None, times: int = 1) -> None:
        if not name:
            return
        entry = seen.setdefault((str(name), how), [first, last or first, 0])
        entry[0] = min(entry[0], first)
        entry[1] = max(entry[1], last or first)
        entry[2] += times

    case_ids = [c.id for c in cases]
    for case in cases:
        add(case.lead_organisation, _("lead organisation"), case.opened_at)
        for admission in case.admissions:
            add(admission.organisation, _("admitted to the case"), admission.granted_at)
        for item in case.interventions:
            add(item.organisation, _("delivers an intervention"), item.created_at)
    for row in db.session.query(PrintLog).filter(PrintLog.case_id.in_(case_ids or [-1])):
        add(row.organisation, _("printed the dossier"), row.printed_at)
    how = {"read": _("read it"), "search": _("found it in a search"),
           "print": _("printed the dossier"), "export": _("exported it"),
           "admission": _("admitted to the case")}
    for name, action, first, last, times in trail.disclosures(case_ids, person.id):
        add(name, str(how.get(action, action)), first, last, times)
    return [{"organisation": name, "how": way, "first": _iso(first), "last": _iso(last),
             "times": str(times)} for (name, way), (first, last, times) in sorted(seen.items())]


def collect(subject_id: int) -> dict[str, Any] | None:
    """The report's content for one person, or ``None`` if there is no such person."""
    with system_access("subject access report"):
        person = db.session.get(Subject, subject_id)
        if person is None or person.kind != SubjectKind.person:
            return None
        groups = list(person.groups)
        cases = _cases_of([person.id, *(g.id for g in groups)])
        others: set[Subject] = set()
        for case in cases:
            others.update(case.subjects)
        for group in groups:
            others.update(group.members)
        others.update(r.related for r in person.relations)
        redact = Redactor(person, others)
        data: dict[str, Any] = {
            "person": {
                "name": person.full_name, "date_of_birth": _iso(person.date_of_birth),
                "bsn": person.bsn or "", "municipality": person.municipality or "",
                "registered_at": _iso(person.created_at),
                "groups": [g.full_name for g in groups],
                "relations": [_text(r.kind) for r in person.relations],
            },
            "purposes": [{
                "purpose": _("The person-centred approach to radicalisation: weighing "
                             "signals and coordinating care and safety measures."),
                "legal_basis": _("Art. 6(1)(e) AVG (a task in the public interest), under "
                                 "the covenant of the case approach."),
            }],
            "cases": [],
            "signals": [],
        }
        for case in cases:
            data["cases"].append(_case(case, person, redact))
            data["purposes"] += [{"purpose": redact(a.purpose),
                                  "legal_basis": redact(a.legal_basis),
                                  "case": case.number,
                                  "organisation": str(a.organisation)}
                                 for a in case.admissions]
        loose = (db.session.query(Signal).filter(Signal.subject_id == person.id,
                                                 Signal.case_id.is_(None))
                 .order_by(Signal.received_at))
        data["signals"] = [_signal(s, redact) for s in loose]
        data["organisations"] = _organisations(cases, person)
        trail.record("subject_access", object_type="subject", object_id=person.id,
                     detail={"cases": [c.number for c in cases]})
        db.session.commit()
        return data


def _signal(signal: Signal, redact: Redactor) -> dict[str, str]:
    return {"received_at": _iso(signal.received_at), "concern": redact(signal.concern),
            "phenomenon": _text(signal.phenomenon), "status": _text(signal.status),
            "reporter": _text(signal.reporter_kind),
            "retention_until": _iso(signal.retention_until)}


def _case(case: Case, person: Subject, redact: Redactor) -> dict[str, Any]:
    mine = {person.id, *(g.id for g in person.groups)}
    via = "" if any(s.id == person.id for s in case.subjects) else ", ".join(
        s.full_name for s in case.subjects if s.kind == SubjectKind.group
        and person in s.members)
    goals = (db.session.query(Goal).join(ActionPlan)
             .filter(ActionPlan.case_id == case.id).order_by(Goal.position, Goal.id))
    decisions = (db.session.query(Decision).filter(Decision.case_id == case.id)
                 .order_by(Decision.decided_at))
    return {
        "number": case.number, "via_group": via, "phase": _text(case.phase),
        "risk_group": _text(case.risk_group), "lead_organisation": str(case.lead_organisation),
        "opened_at": _iso(case.opened_at), "closed_at": _iso(case.closed_at),
        "close_reason": _text(case.close_reason),
        "retention_until": _iso(case.retention_until) or _("until the case is closed, "
                                                           "then as set at closure"),
        "summary": redact(case.summary),
        # Signals about another member of a family or group case are theirs.
        "signals": [_signal(s, redact) for s in case.signals
                    if s.subject_id is None or s.subject_id in mine],
        "decisions": [{"date": _iso(d.decided_at), "kind": _text(d.kind),
                       "reasons": redact(d.reasons)} for d in decisions],
        "assessments": [{"date": _iso(a.assessed_on), "risk_factors": redact(a.risk_factors),
                         "protective_factors": redact(a.protective_factors),
                         "life_domains": redact(a.life_domains)}
                        for a in db.session.query(Assessment)
                        .filter(Assessment.case_id == case.id).order_by(Assessment.assessed_on)],
        "goals": [redact(g.description) for g in goals],
        "interventions": [{"type": str(i.type), "organisation": str(i.organisation),
                           "status": _text(i.status), "start": _iso(i.start_date),
                           "end": _iso(i.end_date), "outcome": redact(i.outcome)}
                          for i in db.session.query(Intervention)
                          .filter(Intervention.case_id == case.id).order_by(Intervention.id)],
        "notes": [{"date": _iso(n.created_at), "organisation": str(n.organisation or ""),
                   "text": redact(n.text)}
                  for n in db.session.query(CaseNote).filter(CaseNote.case_id == case.id)
                  .order_by(CaseNote.created_at)],
        "conferences": [_iso(item.conference.held_on) for item in
                        db.session.query(AgendaItem).filter(AgendaItem.case_id == case.id)],
        "admissions": [{"organisation": str(a.organisation), "purpose": redact(a.purpose),
                        "legal_basis": redact(a.legal_basis), "from": _iso(a.starts_on),
                        "until": _iso(a.ends_on)}
                       for a in db.session.query(CaseAdmission)
                       .filter(CaseAdmission.case_id == case.id)],
    }
