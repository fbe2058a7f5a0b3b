"""Indexes for the filters, sorts and access checks of the screens, at city scale.

Single-column indexes on foreign keys and the main dates live with the models. These are
the ones the benchmarks asked for (``benchmarks/indexes.py`` lists what the screens
offer; ``docs/performance.md`` has the figures): every column a list lets users filter
or sort on in the large tables, and composite indexes that let a filtered, sorted page
read its 25 rows straight from the index instead of sorting every match.

Free-text "contains" filters (notes, goal descriptions) cannot use a B-tree and are left
without one.
"""

from __future__ import annotations

import sqlalchemy as sa

from casusregie.app.models.case import Case, CaseSubject  # noqa: F401  (CaseSubject: keeps import order)
from casusregie.app.models.conference import AgendaItem, CaseConference
from casusregie.app.models.intervention import Intervention
from casusregie.app.models.note import CaseAdmission
from casusregie.app.models.plan import ActionPlan, Assessment, Goal
from casusregie.app.models.process import Decision, Signal, Weighing
from casusregie.app.models.subject import Subject, SubjectRelation

INDEXES: tuple[sa.Index, ...] = (
    # Management figures (app/management): periods of closure, registration, weighing.
    sa.Index("ix_case_closed_at", Case.closed_at),
    # Interventions by year, domain, status, partner and case in one index, so that the
    # dashboard's largest count reads the index alone (PostgreSQL: index-only scan).
    sa.Index("ix_intervention_created_figures", Intervention.created_at,
             Intervention.type_id, Intervention.status, Intervention.organisation_id,
             Intervention.case_id, Intervention.id),
    sa.Index("ix_weighing_weighed_on", Weighing.weighed_on),
    # "Is this weighing its signal's latest": one index-only probe per weighing.
    sa.Index("ix_weighing_signal_latest", Weighing.signal_id, Weighing.id),
    # Cases discussed per conference, read from the index alone.
    sa.Index("ix_agenda_item_discussed", AgendaItem.conference_id, AgendaItem.case_id,
             postgresql_where=AgendaItem.discussed.is_(True),
             sqlite_where=AgendaItem.discussed.is_(True)),
    # Case list: filtered by phase or case director, newest number first.
    sa.Index("ix_case_phase_number", Case.phase, Case.number),
    sa.Index("ix_case_director_number", Case.case_director_id, Case.number),
    sa.Index("ix_case_phase_review_date", Case.phase, Case.review_date),
    # Start page: open cases by review date (NULLS LAST is the index's own order).
    sa.Index("ix_case_open_review", Case.review_date, Case.number,
             postgresql_where=Case.phase.in_(("conference", "monitoring")),
             sqlite_where=Case.phase.in_(("conference", "monitoring"))),
    # Start page (coordinator): open cases without a director, oldest first. Walking
    # every case by opening date read the whole table when there are none (2,600 pages
    # at 100,000 cases); this index holds only the undirected open ones.
    sa.Index("ix_case_open_undirected", Case.opened_at, Case.number,
             postgresql_where=sa.and_(Case.case_director_id.is_(None),
                                      Case.phase.in_(("conference", "monitoring"))),
             sqlite_where=sa.and_(Case.case_director_id.is_(None),
                                  Case.phase.in_(("conference", "monitoring")))),
    # Case page and a partner's list: interventions by case or organisation, by date.
    sa.Index("ix_intervention_case_start", Intervention.case_id, Intervention.start_date),
    # The case id too: a partner's list counts its interventions in admitted cases from
    # this index alone (PostgreSQL: index-only scan), not from rows spread over the table.
    sa.Index("ix_intervention_org_start", Intervention.organisation_id,
             Intervention.start_date, Intervention.case_id),
    sa.Index("ix_intervention_end_date", Intervention.end_date),
    # Coordinator's start page: overdue interventions, oldest first. Walking every
    # intervention by start date read 345,000 finished ones before the first open one
    # (1.3 s at 100,000 cases); this index holds only the planned and running ones.
    sa.Index("ix_intervention_open_start", Intervention.start_date, Intervention.id,
             postgresql_where=Intervention.status.in_(("planned", "active")),
             sqlite_where=Intervention.status.in_(("planned", "active"))),
    # The access check "is this organisation admitted to this case, from and until when",
    # answered from the index alone.
    sa.Index("ix_case_admission_org_case", CaseAdmission.organisation_id,
             CaseAdmission.case_id, CaseAdmission.ends_on, CaseAdmission.starts_on),
    sa.Index("ix_case_admission_starts_on", CaseAdmission.starts_on),
    # Subject list and name search. Flask-AppBuilder searches with ILIKE, which no B-tree
    # serves on PostgreSQL: a trigram index does (pg_trgm, created by the migration).
    sa.Index("ix_subject_last_name_trgm", Subject.last_name, postgresql_using="gin",
             postgresql_ops={"last_name": "gin_trgm_ops"}),
    sa.Index("ix_subject_last_first", Subject.last_name, Subject.first_name),
    sa.Index("ix_subject_first_name", Subject.first_name),
    # A name search's page and bounded count: the surname key's matches as one range of
    # this index, already in the page's order (app/views/filters.py).
    sa.Index("ix_subject_surname_order", Subject.surname_key, Subject.name_key, Subject.id),
    sa.Index("ix_subject_municipality", Subject.municipality),
    sa.Index("ix_subject_kind", Subject.kind),
    sa.Index("ix_subject_relation_kind", SubjectRelation.kind),
    # Signals, decisions, plans: the remaining list filters and sorts.
    sa.Index("ix_signal_phenomenon", Signal.phenomenon),
    # Coordinator's start page: signals still to be weighed, oldest first (3% of them).
    sa.Index("ix_signal_status_received", Signal.status, Signal.received_at),
    sa.Index("ix_signal_reporter_kind", Signal.reporter_kind),
    sa.Index("ix_decision_case_decided", Decision.case_id, Decision.decided_at),
    sa.Index("ix_decision_kind", Decision.kind),
    sa.Index("ix_decision_body", Decision.body),
    sa.Index("ix_action_plan_created_at", ActionPlan.created_at),
    sa.Index("ix_action_plan_current", ActionPlan.current),
    sa.Index("ix_assessment_assessed_on", Assessment.assessed_on),
    sa.Index("ix_goal_status", Goal.status),
    sa.Index("ix_case_conference_location", CaseConference.location),
    sa.Index("ix_agenda_item_case_position", AgendaItem.case_id, AgendaItem.position),
)
