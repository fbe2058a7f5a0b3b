"""All models, imported so that Alembic and Flask-AppBuilder see one metadata."""

from app.models import indexes  # noqa: F401  (indexes for the screens' filters and sorts)
from app.models.approval import ApprovalRequest, ApprovalStatus
from app.models.base import *  # noqa: F403
from app.models.case import Case, CaseNumberCounter, CaseSubject, RiskGroup
from app.models.conference import AgendaItem, CaseConference
from app.models.intervention import Intervention, InterventionType
from app.models.note import CaseAdmission, CaseNote
from app.models.organisation import CasusUser, Organisation
from app.models.partner import IdempotentRequest, PartnerChange
from app.models.plan import ActionPlan, Assessment, Goal
from app.models.process import Decision, Signal, Weighing, decision_organisation
from app.models.retention import DestructionRecord
from app.models.subject import Subject, SubjectRelation, group_member
from app.models.task import EmailPreference, Notification, OutboxMail, Task

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
