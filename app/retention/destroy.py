"""Carrying out approved destructions (``flask casus retention --dry-run / --apply``).

A destruction removes, for a case: its signals and their weighings, decisions,
assessments, action plans and goals, interventions (and the plugins' records of them,
hook ``destroy_case_records``), notes, admissions, conference agenda items, tasks and
notifications, the links to its subjects and the subjects no other case or signal
needs; the print log keeps its rows (who printed which number when) but loses their
purpose and recipient. For a signal: the signal, its weighing, decisions, tasks and
notifications, and its subject if nothing else needs it. What remains is one
``DestructionRecord`` without personal data.

The rows go with plain SQL deletes in dependency order: SQLite does not enforce the
foreign keys' ``ON DELETE CASCADE``, and the order keeps PostgreSQL's checks satisfied.
The dry run counts the same rows with the same clauses, so both list the same.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from casusregie.app.extensions import db
from casusregie.app.management import summary
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    ApprovalRequest,
    ApprovalStatus,
    Assessment,
    Case,
    CaseAdmission,
    CaseNote,
    CaseSubject,
    Decision,
    DestructionRecord,
    Goal,
    Intervention,
    Notification,
    PartnerChange,
    Signal,
    Subject,
    SubjectRelation,
    Task,
    Weighing,
    decision_organisation,
    group_member,
)
from casusregie.app.models.base import utcnow
from casusregie.app.retention import CASE, KIND, MODEL, SIGNAL, local_day, on_hold, reference, trail
from casusregie.reports.models import PrintLog

#: Tables whose rows a destruction removes or scrubs; a test checks that every table
#: pointing at case content is among them.
HANDLED_TABLES = frozenset({
    "notification", "task", "agenda_item", "decision_organisation", "decision", "weighing",
    "intervention", "goal", "action_plan", "assessment", "case_note", "case_admission",
    "signal", "case_subject", "subject_relation", "subject_group_member", "subject", "case",
    "partner_change",
})


@dataclass
class Planned:
    """One approved destruction: what it is about and what it would remove."""

    request: ApprovalRequest
    object_type: str
    object_id: int
    reference: str
    blocked: str = ""   # why it cannot go now ("legal hold", "not due", "gone")
    counts: dict[str, int] = field(default_factory=dict)


Step = tuple[str, Callable[[], Any]]   # (name, a DELETE/UPDATE statement builder)


def _ids(stmt: Any) -> list[int]:
    return list(db.session.execute(stmt).scalars())


def _unneeded_subjects(candidates: list[int], case_id: int | None,
                       signal_ids: list[int]) -> list[int]:
    """Of ``candidates``, the subjects no other case and no other signal needs."""
    if not candidates:
        return []
    cs, sig = CaseSubject.__table__, Signal.__table__
    other_case = sa.select(cs.c.subject_id).where(cs.c.subject_id.in_(candidates))
    if case_id is not None:
        other_case = other_case.where(cs.c.case_id != case_id)
    other_signal = sa.select(sig.c.subject_id).where(sig.c.subject_id.in_(candidates),
                                                      sig.c.id.not_in(signal_ids or [-1]))
    needed = set(_ids(other_case)) | set(_ids(other_signal))
    return [s for s in candidates if s not in needed]


def _subject_steps(subject_ids: list[int]) -> list[Step]:
    rel, member, subject = (SubjectRelation.__table__, group_member, Subject.__table__)
    return [
        ("subject_relation", lambda: rel.delete().where(sa.or_(
            rel.c.subject_id.in_(subject_ids), rel.c.related_id.in_(subject_ids)))),
        ("subject_group_member", lambda: member.delete().where(sa.or_(
            member.c.group_id.in_(subject_ids), member.c.member_id.in_(subject_ids)))),
        ("subject", lambda: subject.delete().where(subject.c.id.in_(subject_ids))),
    ]


def _case_steps(case_id: int) -> tuple[list[Step], list[int], list[int]]:
    """The statements that destroy a case, in order; its intervention ids; the ids of
    the subjects that go with it."""
    t = {m.__tablename__: m.__table__ for m in (
        Notification, Task, AgendaItem, Decision, Weighing, Intervention, Goal, ActionPlan,
        Assessment, CaseNote, CaseAdmission, Signal, CaseSubject, Case, PartnerChange)}
    signal_ids = _ids(sa.select(t["signal"].c.id).where(t["signal"].c.case_id == case_id))
    intervention_ids = _ids(sa.select(t["intervention"].c.id)
                            .where(t["intervention"].c.case_id == case_id))
    plan_ids = _ids(sa.select(t["action_plan"].c.id)
                    .where(t["action_plan"].c.case_id == case_id))
    decision = t["decision"]
    decision_ids = _ids(sa.select(decision.c.id).where(sa.or_(
        decision.c.case_id == case_id, decision.c.signal_id.in_(signal_ids))))
    task_ids = _ids(sa.select(t["task"].c.id).where(sa.or_(
        t["task"].c.case_id == case_id, t["task"].c.signal_id.in_(signal_ids))))
    subject_ids = _ids(sa.select(t["case_subject"].c.subject_id)
                       .where(t["case_subject"].c.case_id == case_id))
    signal_subjects = _ids(sa.select(t["signal"].c.subject_id).where(
        t["signal"].c.id.in_(signal_ids), t["signal"].c.subject_id.is_not(None)))
    gone_subjects = _unneeded_subjects(sorted(set(subject_ids) | set(signal_subjects)),
                                       case_id, signal_ids)
    note, task = t["notification"], t["task"]

    def where_case(name: str) -> Callable[[], Any]:
        return lambda: t[name].delete().where(t[name].c.case_id == case_id)

    steps: list[Step] = [
        # What partner systems were told of the case (the changes feed).
        ("partner_change", where_case("partner_change")),
        ("notification", lambda: note.delete().where(sa.or_(
            note.c.case_id == case_id, note.c.signal_id.in_(signal_ids),
            note.c.task_id.in_(task_ids)))),
        ("task", lambda: task.delete().where(task.c.id.in_(task_ids))),
        ("decision_organisation", lambda: decision_organisation.delete().where(
            decision_organisation.c.decision_id.in_(decision_ids))),
        ("decision", lambda: decision.delete().where(decision.c.id.in_(decision_ids))),
        ("agenda_item", where_case("agenda_item")),
        ("weighing", lambda: t["weighing"].delete().where(
            t["weighing"].c.signal_id.in_(signal_ids))),
        ("intervention", where_case("intervention")),
        ("goal", lambda: t["goal"].delete().where(t["goal"].c.action_plan_id.in_(plan_ids))),
        ("action_plan", where_case("action_plan")),
        ("assessment", where_case("assessment")),
        ("case_note", where_case("case_note")),
        ("case_admission", where_case("case_admission")),
        ("signal", lambda: t["signal"].delete().where(t["signal"].c.id.in_(signal_ids))),
        ("case_subject", where_case("case_subject")),
        *_subject_steps(gone_subjects),
        ("case", lambda: t["case"].delete().where(t["case"].c.id == case_id)),
    ]
    return steps, intervention_ids, gone_subjects


def _signal_steps(signal_id: int) -> tuple[list[Step], list[int], dict[str, list[int]]]:
    """The statements that destroy a signal, the ids of the subjects that go with it, and
    the rows whose audit records lose their details (``{object type: ids}``)."""
    note, task, decision = Notification.__table__, Task.__table__, Decision.__table__
    weighing, signal = Weighing.__table__, Signal.__table__
    task_ids = _ids(sa.select(task.c.id).where(task.c.signal_id == signal_id))
    decision_ids = _ids(sa.select(decision.c.id).where(decision.c.signal_id == signal_id))
    weighing_ids = _ids(sa.select(weighing.c.id).where(weighing.c.signal_id == signal_id))
    subjects = _ids(sa.select(signal.c.subject_id).where(signal.c.id == signal_id,
                                                        signal.c.subject_id.is_not(None)))
    gone_subjects = _unneeded_subjects(subjects, None, [signal_id])
    return [
        ("notification", lambda: note.delete().where(sa.or_(
            note.c.signal_id == signal_id, note.c.task_id.in_(task_ids)))),
        ("task", lambda: task.delete().where(task.c.id.in_(task_ids))),
        ("decision_organisation", lambda: decision_organisation.delete().where(
            decision_organisation.c.decision_id.in_(decision_ids))),
        ("decision", lambda: decision.delete().where(decision.c.id.in_(decision_ids))),
        ("weighing", lambda: weighing.delete().where(weighing.c.signal_id == signal_id)),
        ("signal", lambda: signal.delete().where(signal.c.id == signal_id)),
        *_subject_steps(gone_subjects),
    ], gone_subjects, {"signal": [signal_id], "weighing": weighing_ids,
                       "decision": decision_ids}


def _count(stmt: Any) -> int:
    """How many rows a DELETE would remove, without removing them."""
    table = stmt.table
    return db.session.execute(
        sa.select(sa.func.count()).select_from(table).where(stmt.whereclause)).scalar_one()


def destroy_rows(steps: list[tuple[sa.Table, Any]], apply: bool) -> dict[str, int]:
    """Delete the rows of each ``(table, where clause)`` in order (children first), or
    with ``apply`` false only count them; returns ``{table name: rows}``. For plugins'
    ``destroy_case_records``."""
    counts: dict[str, int] = {}
    for table, where in steps:
        stmt = table.delete().where(where)
        n = db.session.execute(stmt).rowcount if apply else _count(stmt)
        if n:
            counts[table.name] = counts.get(table.name, 0) + n
    return counts


def _plugin_records(case_id: int, intervention_ids: list[int], apply: bool) -> dict[str, int]:
    from casusregie.app.plugin_manager import plugins_of

    counts: dict[str, int] = {}
    for plugin, result in plugins_of(current_app).call(
            "destroy_case_records", case_id=case_id, intervention_ids=intervention_ids,
            apply=apply):
        for table, n in dict(result).items():
            counts[f"{plugin}.{table}"] = int(n)
    return counts


def _run(plan: Planned, apply: bool
         ) -> tuple[dict[str, int], list[int], dict[str, list[int]]]:
    """Remove (or count) the rows; returns the counts, the removed subjects' ids and the
    other removed rows outside a case whose audit records lose their details."""
    if not apply:
        return _steps(plan, apply)
    # Plain SQL deletes pass the flush by: the dashboard's counts over every case are
    # taken of this case or signal before and after, and the difference kept.
    case = plan.object_type == CASE
    with summary.recounted(db.session, cases=[plan.object_id] if case else [],
                           signals=[] if case else [plan.object_id]):
        return _steps(plan, apply)


def _steps(plan: Planned, apply: bool
           ) -> tuple[dict[str, int], list[int], dict[str, list[int]]]:
    counts: dict[str, int] = {}
    objects: dict[str, list[int]] = {}
    if plan.object_type == CASE:
        steps, intervention_ids, subjects = _case_steps(plan.object_id)
        # The plugins' rows first: they hang on the interventions.
        counts.update(_plugin_records(plan.object_id, intervention_ids, apply))
    else:
        steps, subjects, objects = _signal_steps(plan.object_id)
    for name, build in steps:
        stmt = build()
        n = db.session.execute(stmt).rowcount if apply else _count(stmt)
        if n:
            counts[name] = counts.get(name, 0) + n
    if plan.object_type == CASE:
        log = PrintLog.__table__
        scrub = log.update().where(log.c.case_id == plan.object_id,
                                   sa.or_(log.c.purpose != "", log.c.recipient != ""))
        n = (db.session.execute(scrub.values(purpose="", recipient="")).rowcount if apply
             else _count(log.delete().where(scrub.whereclause)))
        if n:
            counts["print_log (purpose and recipient)"] = n
    return counts, subjects, objects


def approved(today: dt.date) -> list[Planned]:
    """Approved destructions not yet carried out, with what each would remove."""
    done = db.session.query(DestructionRecord.approval_request_id)
    requests = (db.session.query(ApprovalRequest)
                .filter(ApprovalRequest.kind.in_(list(KIND.values())),
                        ApprovalRequest.status == ApprovalStatus.approved,
                        ApprovalRequest.id.not_in(done))
                .order_by(ApprovalRequest.id).all())
    plans = []
    for req in requests:
        object_type = CASE if req.kind == KIND[CASE] else SIGNAL
        obj = db.session.get(MODEL[object_type], req.target_id)
        plan = Planned(req, object_type, req.target_id,
                       reference(obj) if obj is not None else req.target_label)
        if obj is None:
            plan.blocked = "gone"
        elif on_hold(obj, today):
            plan.blocked = f"legal hold until {obj.legal_hold_until}"
        elif obj.retention_until is None or obj.retention_until >= today:
            plan.blocked = f"retention until {obj.retention_until}"
        else:
            plan.counts = _run(plan, apply=False)[0]
        plans.append(plan)
    return plans


def _record(plan: Planned, obj: Case | Signal, counts: dict[str, int]) -> DestructionRecord:
    req = plan.request
    opened = obj.opened_at if isinstance(obj, Case) else obj.received_at
    closed = obj.closed_at if isinstance(obj, Case) else None
    return DestructionRecord(
        object_type=plan.object_type, object_id=plan.object_id, reference=plan.reference,
        opened_on=local_day(opened), closed_on=local_day(closed),
        retention_until=obj.retention_until, approval_request_id=req.id,
        proposed_by=req.requested_by.username, proposed_at=req.requested_at,
        approved_by=req.decided_by.username, approved_at=req.decided_at,
        executed_at=utcnow(), counts=json.dumps(counts, sort_keys=True))


def apply(today: dt.date) -> list[tuple[Planned, DestructionRecord | None]]:
    """Carry out every approved destruction that is due and not on hold; one
    transaction per destruction, so one failing leaves the others done."""
    results: list[tuple[Planned, DestructionRecord | None]] = []
    for plan in approved(today):
        if plan.blocked:
            results.append((plan, None))
            continue
        obj = db.session.get(MODEL[plan.object_type], plan.object_id)
        record = _record(plan, obj, {})
        db.session.expunge(obj)
        try:
            counts, subjects, objects = _run(plan, apply=True)
            # The audit records stay (the chain with them); their details go.
            forgotten = trail.forget([plan.object_id] if plan.object_type == CASE else [],
                                     subjects, objects)
            if forgotten:
                counts["audit_detail"] = forgotten
            record.counts = json.dumps(counts, sort_keys=True)
            plan.counts = counts
            db.session.add(record)
            trail.record("destruction", object_type=plan.object_type,
                         object_id=plan.object_id,
                         case_id=plan.object_id if plan.object_type == CASE else None,
                         case_number=plan.reference if plan.object_type == CASE else None,
                         detail={"step": "executed", "request": plan.request.id,
                                 "counts": counts})
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        results.append((plan, record))
    return results
