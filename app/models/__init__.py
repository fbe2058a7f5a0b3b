"""All models, imported so that Alembic and Flask-AppBuilder see one metadata."""

from casusregie.app.models import indexes  # noqa: F401  (indexes for the screens' filters and sorts)
from casusregie.app.models.approval import ApprovalRequest, ApprovalStatus
from casusregie.app.models.base import *  # noqa: F403
from casusregie.app.models.case import Case, CaseNumberCounter, CaseSubject, RiskGroup
from casusregie.app.models.conference import AgendaItem, CaseConference
from casusregie.app.models.intervention import Intervention, InterventionType
from casusregie.app.models.note import CaseAdmission, CaseNote
from casusregie.app.models.organisation import CasusUser, Organisation
from casusregie.app.models.partner import IdempotentRequest, PartnerChange
from casusregie.app.models.plan import ActionPlan, Assessment, Goal
from casusregie.app.models.process import Decision, Signal, Weighing, decision_organisation
from casusregie.app.models.retention import DestructionRecord
from casusregie.app.models.subject import Subject, SubjectRelation, group_member
from casusregie.app.models.task import EmailPreference, Notification, OutboxMail, Task

__all__ = [
    "ActionPlan",
    "AgendaItem",
    "ApprovalRequest",
    "ApprovalStatus",
    "Assessment",
    "Case",
    "CaseAdmission",
    "CaseConference",
    "CaseNote",
    "CaseNumberCounter",
    "CaseSubject",
    "CasusUser",
    "Decision",
    "DestructionRecord",
    "EmailPreference",
    "Goal",
    "Intervention",
    "Notification",
    "IdempotentRequest",
    "InterventionType",
    "Organisation",
    "OutboxMail",
    "PartnerChange",
    "RiskGroup",
    "Signal",
    "Subject",
    "SubjectRelation",
    "Task",
    "Weighing",
    "decision_organisation",
    "group_member",
]
