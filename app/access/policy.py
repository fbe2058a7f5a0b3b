"""THE access policy: who may see or change which rows and fields.

The contract other modules rely on:

- ``current_actor()`` — the logged-in user as an ``Actor``, or ``None``.
- ``can_see_field(obj_or_model, field, actor=None)`` — field-level rule.
- ``visible_fields(obj_or_model, fields, actor=None)`` — ``fields`` minus hidden ones.
- ``system_access()`` — context manager for system jobs (CLI, seeding, retention) that
  explicitly opt out of the row guard.
- ``AccessPolicyViewMixin`` — mixed into every model view by ``CasusModelView``.
- ``row_criteria(model, actor)`` — the SQL condition selecting the rows of ``model`` the
  actor may see (used by the ORM guard in ``app.access.guard``).
- ``explain_case(actor, case)`` — whether and why an actor sees a case.

Row rules (DESIGN §3, issue 4):

- core partners (a core organisation and a role with the core scope) see every case and
  every signal; signals not yet weighed only they see;
- a case director sees and changes the cases they direct;
- an admitted organisation (admission running today) sees the case, its subjects' names,
  the goals assigned to it and its own interventions — not other partners' interventions,
  notes, decisions, assessments or conferences;
- the privacy officer sees subject lists (for retention), never case content;
- the functional administrator sees no case content; no user means no rows.

The rules are fixed in code; roles only select which of them apply (``app.roles``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import abort, g, has_request_context, request
from flask_appbuilder import expose

from app.models import (
    ActionPlan,
    AgendaItem,
    Assessment,
    Case,
    CaseAdmission,
    CaseConference,
    CaseNote,
    CaseSubject,
    Decision,
    Goal,
    Intervention,
    InterventionDomain,
    OrganisationTier,
    Signal,
    SignalStatus,
    Subject,
    SubjectRelation,
    Weighing,
)
from app.roles import (
    CLEAR_BSN,
    CLEAR_CRIMINAL,
    CLEAR_HEALTH,
    SCOPE_ADMITTED,
    SCOPE_COORDINATE,
    SCOPE_CORE,
    SCOPE_DIRECTED,
    SCOPE_FIGURES,
    SCOPE_RETENTION,
    clearances_for,
    scopes_for,
)


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    organisation_id: int | None
    organisation_tier: str | None
    role_names: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False

    @property
    def scopes(self) -> frozenset[str]:
        return scopes_for(self.role_names)

    @property
    def clearances(self) -> frozenset[str]:
        return clearances_for(self.role_names)

    @property
    def is_core(self) -> bool:
        """Sees every case: a core-scope role in a core organisation."""
        return (SCOPE_CORE in self.scopes
                and self.organisation_tier == OrganisationTier.core.value)

    @property
    def coordinates(self) -> bool:
        """Changes rows of every organisation and grants admissions."""
        return self.is_core and SCOPE_COORDINATE in self.scopes

    @property
    def directs(self) -> bool:
        return SCOPE_DIRECTED in self.scopes and self.user_id is not None

    @property
    def admitted_scope(self) -> bool:
        return SCOPE_ADMITTED in self.scopes and self.organisation_id is not None


SYSTEM = Actor(user_id=None, username="system", organisation_id=None, organisation_tier=None,
               is_system=True)

_system_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "casus_system_access", default=None)


def today() -> dt.date:
    """The policy's clock (admissions run from ``starts_on`` to ``ends_on`` inclusive).

    Tests freeze it with ``monkeypatch.setattr(policy, "today", ...)``.
    """
    return dt.date.today()


@contextlib.contextmanager
def system_access(reason: str = "system") -> Iterator[None]:
    """Opt a system job (CLI, seeding, migrations, test set-up) out of the row guard."""
    token = _system_reason.set(reason)
    try:
        yield
    finally:
        _system_reason.reset(token)


def in_system_access() -> bool:
    return _system_reason.get() is not None


def actor_for_user(user: Any) -> Actor:
    org = getattr(user, "organisation", None)
    tier = getattr(org, "tier", None)
    return Actor(
        user_id=user.id,
        username=user.username,
        organisation_id=getattr(user, "organisation_id", None),
        organisation_tier=str(tier.value if hasattr(tier, "value") else tier) if tier else None,
        role_names=frozenset(r.name for r in user.roles),
    )


def _request_user() -> Any:
    from flask_login import current_user

    user = None
    with contextlib.suppress(Exception):
        if current_user and current_user.is_authenticated:
            user = current_user._get_current_object()
    if user is None:
        # A REST call authenticated by a JWT: Flask-AppBuilder puts the user in g.user.
        candidate = g.get("user")
        with contextlib.suppress(Exception):
            if candidate is not None and candidate.is_authenticated:
                user = getattr(candidate, "_get_current_object", lambda: candidate)()
    if user is None or not getattr(user, "is_active", False):
        return None
    return user


def current_actor() -> Actor | None:
    """The actor of this request or job; ``None`` means nobody (the guard shows nothing)."""
    if in_system_access():
        return SYSTEM
    if not has_request_context():
        return None
    # Resolving the user loads their roles; do it once per request and user. ``g`` may
    # outlive a request (a test or job keeping the app context open): the cache is tied
    # to the request object, so a role change shows on the next request, and to the
    # logged-in user object, so a login or logout within the request is seen at once.
    current = request._get_current_object()
    login_user = g.get("_login_user")
    cached = g.get("_casus_actor")
    if cached is not None and cached[0] is current and cached[2] is login_user \
            and cached[3] is g.get("user"):
        return cached[1]
    user = _request_user()
    if user is None:
        return None
    with system_access("resolving the actor"):
        actor = actor_for_user(user)
    g._casus_actor = (current, actor, g.get("_login_user"), g.get("user"))
    return actor


# --------------------------------------------------------------------------- row rules

_case = Case.__table__
_admission = CaseAdmission.__table__
_case_subject = CaseSubject.__table__
_plan = ActionPlan.__table__
_signal = Signal.__table__
_agenda = AgendaItem.__table__


def _any(parts: list[Any]) -> Any:
    return sa.or_(*parts) if parts else sa.false()


# The row rules test "this row's case is directed by / admitted to the actor" as a
# correlated EXISTS on an alias of its own. ``case_id IN (SELECT … WHERE director = me)``
# inside an OR makes PostgreSQL read every case the user directs for every query (a
# hashed sub-plan: 20–35 ms for a director of 5,000 cases at city scale); the EXISTS is
# one index probe per candidate row. The alias keeps the sub-select from correlating with
# a ``case`` or ``case_admission`` table the outer query happens to join.


_directed_case = _case.alias("guard_directed_case")
_guard_admission = _admission.alias("guard_admission")


def directed_by(column: Any, user_id: int) -> Any:
    """``column`` (a case id) belongs to a case ``user_id`` directs."""
    case = _directed_case
    return sa.exists(sa.select(1).where(case.c.id == column,
                                        case.c.case_director_id == user_id)
                     .correlate_except(case))


def admitted_to(column: Any, organisation_id: int, on: dt.date | None = None) -> Any:
    """``column`` (a case id) belongs to a case ``organisation_id`` is admitted to today."""
    on = on or today()
    admission = _guard_admission
    return sa.exists(sa.select(1).where(admission.c.case_id == column,
                                        admission.c.organisation_id == organisation_id,
                                        admission.c.starts_on <= on,
                                        admission.c.ends_on >= on)
                     .correlate_except(admission))


def _directed_ids(user_id: int) -> sa.Select:
    return sa.select(_case.c.id).where(_case.c.case_director_id == user_id)


def _admitted_ids(organisation_id: int, on: dt.date | None = None) -> sa.Select:
    on = on or today()
    return sa.select(_admission.c.case_id).where(
        _admission.c.organisation_id == organisation_id,
        _admission.c.starts_on <= on,
        _admission.c.ends_on >= on)


# Inside a sub-select that narrows another table (the subjects of visible cases, the
# conferences of directed cases) the plain ``IN`` is the better form: SQLite would run a
# correlated EXISTS once for every row of that inner table (every agenda item, every
# case-subject link), where PostgreSQL turns either form into the same semi-join.


def content_case_ids_criteria(column: Any, actor: Actor) -> Any:
    """Rows of case content (notes, decisions, plans...): core partners and directors."""
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        return directed_by(column, actor.user_id)
    return sa.false()


def visible_case_ids_criteria(column: Any, actor: Actor, *, correlated: bool = True) -> Any:
    """The cases themselves: core partners, directors and admitted organisations.

    ``correlated=False`` gives the ``IN`` form, for use inside another sub-select.
    """
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        parts.append(directed_by(column, actor.user_id) if correlated
                     else column.in_(_directed_ids(actor.user_id)))
    if actor.admitted_scope:
        parts.append(admitted_to(column, actor.organisation_id) if correlated
                     else column.in_(_admitted_ids(actor.organisation_id)))
    return _any(parts)


def _case_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        # The case row itself: no sub-select, the director index serves it.
        parts.append(Case.case_director_id == actor.user_id)
    if actor.admitted_scope:
        parts.append(admitted_to(Case.id, actor.organisation_id))
    return _any(parts)


def _case_subject_rule(actor: Actor) -> Any:
    return visible_case_ids_criteria(CaseSubject.case_id, actor)


def _subject_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core or SCOPE_RETENTION in actor.scopes:
        return sa.true()
    visible = visible_case_ids_criteria(_case_subject.c.case_id, actor, correlated=False)
    return Subject.id.in_(sa.select(_case_subject.c.subject_id).where(visible))


def _subject_relation_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        subjects = sa.select(_case_subject.c.subject_id).where(
            _case_subject.c.case_id.in_(_directed_ids(actor.user_id)))
        return SubjectRelation.subject_id.in_(subjects)
    return sa.false()


def _signal_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        return sa.and_(Signal.status == SignalStatus.weighed,
                       directed_by(Signal.case_id, actor.user_id))
    return sa.false()


def _weighing_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        signals = sa.select(_signal.c.id).where(
            _signal.c.status == SignalStatus.weighed.value,
            _signal.c.case_id.in_(_directed_ids(actor.user_id)))
        return Weighing.signal_id.in_(signals)
    return sa.false()


def _decision_rule(actor: Actor) -> Any:
    return content_case_ids_criteria(Decision.case_id, actor)


def _conference_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    if actor.directs:
        return CaseConference.id.in_(sa.select(_agenda.c.conference_id).where(
            _agenda.c.case_id.in_(_directed_ids(actor.user_id))))
    return sa.false()


def _goal_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        parts.append(Goal.action_plan_id.in_(sa.select(_plan.c.id).where(
            _plan.c.case_id.in_(_directed_ids(actor.user_id)))))
    if actor.admitted_scope:
        parts.append(sa.and_(
            Goal.organisation_id == actor.organisation_id,
            Goal.action_plan_id.in_(sa.select(_plan.c.id).where(
                _plan.c.case_id.in_(_admitted_ids(actor.organisation_id))))))
    return _any(parts)


def _intervention_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        parts.append(directed_by(Intervention.case_id, actor.user_id))
    if actor.admitted_scope:
        parts.append(sa.and_(
            Intervention.organisation_id == actor.organisation_id,
            admitted_to(Intervention.case_id, actor.organisation_id)))
    return _any(parts)


def _admission_rule(actor: Actor) -> Any:
    if actor.is_system or actor.is_core:
        return sa.true()
    parts = []
    if actor.directs:
        parts.append(directed_by(CaseAdmission.case_id, actor.user_id))
    if actor.admitted_scope:
        parts.append(CaseAdmission.organisation_id == actor.organisation_id)
    return _any(parts)


def _content(model: Any) -> Callable[[Actor], Any]:
    return lambda actor: content_case_ids_criteria(model.case_id, actor)


#: Every model holding case content, with its row rule. The guard applies exactly these;
#: ``tests/test_access_guard.py`` fails when a model linked to a case is missing here.
ROW_RULES: dict[type, Callable[[Actor], Any]] = {
    Case: _case_rule,
    CaseSubject: _case_subject_rule,
    Subject: _subject_rule,
    SubjectRelation: _subject_relation_rule,
    Signal: _signal_rule,
    Weighing: _weighing_rule,
    Decision: _decision_rule,
    CaseConference: _conference_rule,
    AgendaItem: _content(AgendaItem),
    Assessment: _content(Assessment),
    ActionPlan: _content(ActionPlan),
    Goal: _goal_rule,
    Intervention: _intervention_rule,
    CaseNote: _content(CaseNote),
    CaseAdmission: _admission_rule,
}


def guarded_model(model: type) -> type | None:
    """The guarded model ``model`` is or inherits from (plugin interventions)."""
    for base in getattr(model, "__mro__", ()):
        if base in ROW_RULES:
            return base
    return None


def row_criteria(model: type, actor: Actor | None) -> Any:
    """SQL condition for the rows of ``model`` visible to ``actor`` (None: nothing)."""
    base = guarded_model(model)
    if base is None:
        return sa.true()
    if actor is None:
        return sa.false()
    return ROW_RULES[base](actor)


def visible_query(model: type, actor: Actor | None) -> sa.Select:
    """ids of ``model`` rows the actor may see, evaluated without the request's user."""
    return sa.select(model.id).where(row_criteria(model, actor))


# --------------------------------------------------------------------------- figures


def figures_only(actor: Actor | None) -> bool:
    """Whether ``actor`` sees figures over cases it may not see one by one (the
    Management role): such figures are pseudonymised, small counts suppressed."""
    return bool(actor and not actor.is_system and SCOPE_FIGURES in actor.scopes
                and not (actor.is_core or actor.directs or actor.admitted_scope))


@contextlib.contextmanager
def figures_access(actor: Actor | None) -> Iterator[None]:
    """Read aggregate figures as ``actor`` may: a figures-only actor counts over every
    case (the caller must publish counts only, suppressed); anyone else through the
    ordinary row rules of the guarded session."""
    if figures_only(actor):
        with system_access("aggregate figures for a figures-only role"):
            yield
    else:
        yield


# --------------------------------------------------------------------------- writes


def can_change_case(actor: Actor | None, case_id: int | None, session: Any) -> bool:
    """Case content may be changed by core partners and by the case's director."""
    if actor is None:
        return False
    if actor.is_system or actor.is_core:
        return True
    if case_id is None or not actor.directs:
        return False
    director = session.execute(
        sa.select(_case.c.case_director_id).where(_case.c.id == case_id)).scalar()
    return director == actor.user_id


def case_visible(actor: Actor | None, case_id: int | None, session: Any) -> bool:
    if actor is None or case_id is None:
        return bool(actor and (actor.is_system or actor.is_core))
    return session.execute(
        sa.select(_case.c.id).where(_case.c.id == case_id,
                                    visible_case_ids_criteria(_case.c.id, actor))
    ).first() is not None


# --------------------------------------------------------------------------- fields

#: (model, field) → the clearance needed to see it.
SENSITIVE_FIELDS: dict[tuple[type, str], str] = {
    (Subject, "bsn"): CLEAR_BSN,
}

#: Intervention domains whose content (outcome) is sensitive, and the clearance needed.
SENSITIVE_DOMAINS: dict[InterventionDomain, str] = {
    InterventionDomain.criminal: CLEAR_CRIMINAL,
    InterventionDomain.care: CLEAR_HEALTH,
}
#: Fields of an intervention that carry its (possibly sensitive) content.
INTERVENTION_CONTENT_FIELDS = frozenset({"outcome"})


def _model_of(obj_or_model: Any) -> type:
    return obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)


def _sensitive_category(model: type, field_name: str) -> str | None:
    for base in getattr(model, "__mro__", ()):
        category = SENSITIVE_FIELDS.get((base, field_name))
        if category:
            return category
    return None


def can_see_field(obj_or_model: Any, field_name: str, actor: Actor | None = None) -> bool:
    """Whether ``actor`` (default: the current one) may see ``field_name``.

    Given a class, the answer holds for every row; given a row, per-row rules apply
    (the outcome of a criminal-law or care intervention only for its own organisation
    and for cleared roles).
    """
    actor = actor if actor is not None else current_actor()
    if actor is None:
        return False
    if actor.is_system:
        return True
    # Dotted names (``subject.bsn``) are judged on their last part's model by callers;
    # here the last part decides, so ``case_subjects.subject.bsn`` is hidden too.
    name = field_name.rsplit(".", 1)[-1]
    model = _model_of(obj_or_model)
    category = _sensitive_category(model, name)
    if name == "bsn":
        category = CLEAR_BSN
    if category and category not in actor.clearances:
        return False
    if guarded_model(model) is Intervention and name in INTERVENTION_CONTENT_FIELDS:
        if isinstance(obj_or_model, type):
            return {CLEAR_CRIMINAL, CLEAR_HEALTH} <= actor.clearances
        return intervention_content_visible(obj_or_model, actor)
    return True


def intervention_content_visible(item: Any, actor: Actor) -> bool:
    if actor.is_system or item.organisation_id == actor.organisation_id:
        return True
    domain = getattr(getattr(item, "type", None), "domain", None)
    needed = SENSITIVE_DOMAINS.get(InterventionDomain(domain)) if domain else None
    return needed is None or needed in actor.clearances


def visible_fields(obj_or_model: Any, fields: Iterable[str],
                   actor: Actor | None = None) -> list[str]:
    return [f for f in fields if can_see_field(obj_or_model, f, actor)]


def _field_rule(obj_or_model: Any, field_name: str) -> bool:
    """The policy's field rule combined with the enabled plugins' field rules.

    The answer for a model as a whole is asked many times per page (every column list a
    view reads, every cell it masks): it is remembered for the rest of the request, per
    actor.
    """
    from app.plugins import field_visible

    if not isinstance(obj_or_model, type):
        return field_visible(obj_or_model, field_name)
    memo = _request_memo("_casus_field_rules")
    if memo is None:
        return field_visible(obj_or_model, field_name)
    key = (current_actor(), obj_or_model, field_name)
    answer = memo.get(key)
    if answer is None:
        answer = memo[key] = field_visible(obj_or_model, field_name)
    return answer


def _request_memo(name: str) -> dict[Any, Any] | None:
    """A dict living as long as the current request (``None`` outside one)."""
    if not has_request_context():
        return None
    current = request._get_current_object()
    slot = g.get(name)
    if slot is None or slot[0] is not current:
        slot = (current, {})
        setattr(g, name, slot)
    return slot[1]


def field_per_row(model: type, field_name: str) -> bool:
    """Whether ``field_name`` of ``model`` may be visible in some rows and not in others
    (an intervention's outcome; a plugin's per-row field rule)."""
    if guarded_model(model) is Intervention and field_name in INTERVENTION_CONTENT_FIELDS:
        return True
    if any(name == field_name and issubclass(sub, model) and sub is not model
           for sub, name in SENSITIVE_FIELDS):
        return True
    from app.plugins import field_rule_per_row

    return field_rule_per_row(model, field_name)


def column_visible(model: type, field_name: str) -> bool:
    """Whether a screen may show the column at all: per-row fields (an intervention's
    outcome) stay, and their values are masked row by row."""
    if guarded_model(model) is Intervention and field_name in INTERVENTION_CONTENT_FIELDS:
        return current_actor() is not None
    return _field_rule(model, field_name)


HIDDEN = "—"


class _MaskingInterface:
    """Mixed into a view's data interface: per-row hidden values are shown as a dash."""

    def get_values_item(self, item, show_columns):
        values = super().get_values_item(item, show_columns)
        return [v if _field_rule(item, c) else HIDDEN for c, v in zip(show_columns, values,
                                                                       strict=True)]

    def _masked_columns(self, list_columns) -> tuple[list[str], list[str]]:
        """Columns hidden in every row, and columns to judge row by row."""
        hidden, per_row = [], []
        for col in list_columns:
            if field_per_row(self.obj, col):
                per_row.append(col)
            elif not _field_rule(self.obj, col):
                hidden.append(col)
        return hidden, per_row

    def _mask(self, item, row, hidden, per_row) -> None:
        for col in hidden:
            row[col] = HIDDEN
        for col in per_row:
            if not _field_rule(item, col):
                row[col] = HIDDEN

    def get_values(self, lst, list_columns):
        hidden, per_row = self._masked_columns(list_columns)
        for item, row in zip(lst, super().get_values(lst, list_columns), strict=False):
            self._mask(item, row, hidden, per_row)
            yield row

    def get_values_json(self, lst, list_columns):
        rows = super().get_values_json(lst, list_columns)
        hidden, per_row = self._masked_columns(list_columns)
        for item, row in zip(lst, rows, strict=False):
            self._mask(item, row, hidden, per_row)
        return rows


_masking_classes: dict[type, type] = {}


def _masking(datamodel: Any) -> None:
    cls = type(datamodel)
    if issubclass(cls, _MaskingInterface):
        return
    if cls not in _masking_classes:
        _masking_classes[cls] = type(f"Masking{cls.__name__}", (_MaskingInterface, cls), {})
    datamodel.__class__ = _masking_classes[cls]


_POLICY_COLUMN_ATTRS = ("list_columns", "show_columns", "add_columns", "edit_columns",
                        "search_columns", "order_columns", "show_fieldsets")


def _filtered(model: type | None, attr: str, value: Any) -> Any:
    if model is None or not value or not has_request_context():
        return value
    if attr == "show_fieldsets":
        return [(title, {**spec, "fields": [f for f in spec.get("fields", [])
                                            if column_visible(model, f)]})
                for title, spec in value]
    return [f for f in value if column_visible(model, f)]


def _policy_property(attr: str) -> property:
    """A view's column list, seen through the access policy of the current request.

    Views are shared by every request (and thread): the stored list stays whole and each
    request reads its own filtered copy, so one user's request never changes another's.
    """
    slot = f"_policy_{attr}"

    def getter(self):
        value = self.__dict__.get(slot, getattr(type(self), slot, None))
        model = getattr(getattr(self, "datamodel", None), "obj", None)
        return _filtered(model, attr, value)

    def setter(self, value) -> None:
        self.__dict__[slot] = value

    return property(getter, setter)


class AccessPolicyViewMixin:
    """Hooks the access policy into a Flask-AppBuilder view.

    Rows are filtered by the ORM guard for every query the view makes; this mixin
    removes the fields the current user may not see from list, show, add and edit
    columns, search and filters, and masks per-row sensitive values.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A view class declaring ``list_columns = [...]`` would hide the policy's property:
        # keep its value aside and put the property back.
        for attr in _POLICY_COLUMN_ATTRS:
            value = cls.__dict__.get(attr)
            if not isinstance(value, property):
                if attr in cls.__dict__:
                    setattr(cls, f"_policy_{attr}", value)
                setattr(cls, attr, _policy_property(attr))

    def _apply_field_policy(self) -> None:
        datamodel = getattr(self, "datamodel", None)
        model = getattr(datamodel, "obj", None)
        if model is None or not has_request_context():
            return
        _masking(datamodel)
        # FAB accepts ``_flt_<n>_<column>`` for every column, searchable or not: filtering
        # on a hidden column would reveal its value by elimination. (FAB keeps its filter
        # state on the shared view and resets it per request; so does this.)
        filters = getattr(self, "_filters", None)
        if filters is not None:
            originals = self.__dict__.setdefault("_policy_filters", {})
            if "_all_filters" not in originals:
                originals["_all_filters"] = dict(filters._all_filters)
                originals["_search_filters"] = dict(filters._search_filters)
            # Filtering is per column: a per-row field is filterable only if every row is.
            filters._all_filters = {k: v for k, v in originals["_all_filters"].items()
                                    if _field_rule(model, k)}
            filters._search_filters = {k: v for k, v in originals["_search_filters"].items()
                                       if _field_rule(model, k)}
            filters.search_columns = list(self.search_columns or [])

    def _list(self, **kwargs):
        self._apply_field_policy()
        return super()._list(**kwargs)

    def _show(self, pk):
        self._apply_field_policy()
        return super()._show(pk)

    def _add(self):
        self._apply_field_policy()
        return super()._add()

    def _refuse_unless_changeable(self, pk, operation: str) -> None:
        """Open an edit form or delete only for a row the user may change: a form for a
        row the write check would refuse shows content for nothing (404 if hidden)."""
        from app.access.guard import AccessDenied, check_write, guard_actor

        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        try:
            check_write(guard_actor(), item, operation, self.datamodel.session)
        except AccessDenied:
            abort(403)

    def _edit(self, pk):
        self._apply_field_policy()
        self._refuse_unless_changeable(pk, "update")
        return super()._edit(pk)

    def _delete(self, pk):
        self._refuse_unless_changeable(pk, "delete")
        return super()._delete(pk)

    # Actions: Flask-AppBuilder hands ``None`` to the action for an id the guard hides;
    # answer 404 before any action code runs, like show and edit do.
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if self.datamodel.get(self._deserialize_pk_if_composite(pk)) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        pks = request.form.getlist("rowid")
        if not pks or any(self.datamodel.get(self._deserialize_pk_if_composite(pk)) is None
                          for pk in pks):
            abort(404)
        return super().action_post()

    def process_form(self, form, is_created) -> None:
        # A hidden field is not in the page, so the posted form lacks it: without this its
        # stored value would be overwritten with an empty one.
        pk = None if is_created else getattr(form, "_id", None)
        item = self.datamodel.get(pk) if pk is not None else None
        for name in list(form._fields):
            if not _field_rule(item if item is not None else self.datamodel.obj, name):
                del form[name]
        super().process_form(form, is_created)

    def prefill_form(self, form, pk) -> None:
        super().prefill_form(form, pk)
        item = self.datamodel.get(pk)
        if item is None:
            return
        for name in list(form._fields):
            if not _field_rule(item, name):
                form[name].data = None


# --------------------------------------------------------------------------- explanation


@dataclass(frozen=True)
class Explanation:
    """Whether an actor sees a case, the rule that decides it, and what it means."""

    visible: bool
    rule: str
    reason: str
    details: tuple[str, ...] = ()


def _rule_labels() -> dict[str, Any]:
    from flask_babel import lazy_gettext as _l

    return {
        "no_user": _l("No user: nothing is shown."),
        "inactive": _l("Inactive users cannot log in and see nothing."),
        "core": _l("Core partner: a core organisation with a core-partner role sees every "
                   "included case."),
        "directed": _l("Case director: sees and changes the cases they direct."),
        "admitted": _l("Admission: the organisation is admitted to this case until the "
                       "end date."),
        "admission_expired": _l("The organisation's admission to this case has ended."),
        "admission_future": _l("The organisation's admission to this case has not started "
                               "yet."),
        "no_case_role": _l("None of this user's roles gives access to case content "
                           "(functional administrators and privacy officers see no case "
                           "content)."),
        "core_role_outside_core": _l("The core-partner role only gives access to every case "
                                     "in a core organisation; this user's organisation is "
                                     "not one."),
        "not_admitted": _l("The organisation is not admitted to this case and the user does "
                           "not direct it."),
    }


def explain_case(actor: Actor | None, case: Case, *, active: bool = True,
                 on: dt.date | None = None) -> Explanation:
    """Why ``actor`` does or does not see ``case`` — the same rules as ``row_criteria``.

    Reads admissions directly (call it inside ``system_access``).
    """
    from flask_babel import gettext as _

    labels = _rule_labels()
    on = on or today()
    if actor is None:
        return Explanation(False, "no_user", str(labels["no_user"]))
    if not active:
        return Explanation(False, "inactive", str(labels["inactive"]))
    if actor.is_system or actor.is_core:
        return Explanation(True, "core", str(labels["core"]), _within_case(actor, "core"))
    if actor.directs and case.case_director_id == actor.user_id:
        return Explanation(True, "directed", str(labels["directed"]),
                           _within_case(actor, "directed"))
    admissions = [a for a in case.admissions if a.organisation_id == actor.organisation_id]
    running = [a for a in admissions if a.starts_on <= on <= a.ends_on]
    if actor.admitted_scope and running:
        adm = max(running, key=lambda a: a.ends_on)
        detail = _("Purpose: %(purpose)s. Legal basis: %(basis)s. Until %(end)s.",
                   purpose=adm.purpose, basis=adm.legal_basis,
                   end=adm.ends_on.strftime("%d-%m-%Y"))
        return Explanation(True, "admitted", str(labels["admitted"]),
                           (detail, *_within_case(actor, "admitted")))
    if not actor.scopes - {SCOPE_RETENTION}:
        return Explanation(False, "no_case_role", str(labels["no_case_role"]))
    if actor.admitted_scope and admissions:
        if all(a.ends_on < on for a in admissions):
            end = max(a.ends_on for a in admissions)
            return Explanation(False, "admission_expired", str(labels["admission_expired"]),
                               (_("Ended on %(end)s.", end=end.strftime("%d-%m-%Y")),))
        start = min((a.starts_on for a in admissions if a.starts_on > on), default=None)
        if start is not None:
                return Explanation(
                False, "admission_future", str(labels["admission_future"]),
                (_("Starts on %(start)s.", start=start.strftime("%d-%m-%Y")),))
    if SCOPE_CORE in actor.scopes and not actor.is_core and not actor.admitted_scope:
        return Explanation(False, "core_role_outside_core", str(labels["core_role_outside_core"]))
    return Explanation(False, "not_admitted", str(labels["not_admitted"]))


def _within_case(actor: Actor, rule: str) -> tuple[str, ...]:
    from flask_babel import gettext as _

    if rule == "admitted":
        lines = [_("Within the case: the summary, the goals assigned to the organisation and "
                   "its own interventions; not other partners' interventions, notes, "
                   "decisions or assessments.")]
    else:
        lines = [_("Within the case: everything — subjects, decisions, assessment, plan, "
                   "interventions of all partners and notes.")]
    hidden = []
    if CLEAR_BSN not in actor.clearances:
        hidden.append(_("BSN"))
    if CLEAR_CRIMINAL not in actor.clearances:
        hidden.append(_("outcomes of other organisations' criminal-law interventions"))
    if CLEAR_HEALTH not in actor.clearances:
        hidden.append(_("outcomes of other organisations' care interventions"))
    if hidden:
        lines.append(_("Hidden: %(fields)s.", fields=", ".join(hidden)))
    return tuple(lines)
