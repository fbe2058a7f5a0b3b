"""REST APIs for partner organisations' own systems: cases (read), interventions (read and
write), the intervention catalogue (read) and case conferences (read).

Which rows a caller sees is decided by the ORM guard of the access policy (every query
here runs through the app's session); these classes only add the rules of the screens.
Interventions cannot be deleted through the API: a registered intervention is part of
the case's history, and stopping one is recorded as status ``stopped``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates_schema

from casusregie.app.access import Actor, current_actor
from casusregie.app.api.base import (
    CasusModelRestApi,
    FieldErrors,
    ListInterface,
    RequestRefused,
    VersionedSchema,
)
from casusregie.app.lookups import goal_belongs_to_case
from casusregie.app.models import (
    Case,
    CaseConference,
    Goal,
    Intervention,
    InterventionStatus,
    InterventionType,
    Organisation,
)
from casusregie.app.validation import check_date_order

LABELS = {
    "number": _l("Case number"),
    "phase": _l("Phase"),
    "risk_group": _l("Risk group"),
    "risk_group.number": _l("Risk group"),
    "risk_group.name": _l("Risk group"),
    "lead_organisation.name": _l("Lead organisation"),
    "case_director.first_name": _l("Case director"),
    "case_director.last_name": _l("Case director"),
    "case_director": _l("Case director"),
    "review_date": _l("Review date"),
    "summary": _l("Summary"),
    "subject_names": _l("Subjects"),
    "opened_at": _l("Opened"),
    "case.number": _l("Case"),
    "type.name": _l("Intervention type"),
    "organisation.name": _l("Organisation"),
    "goal.description": _l("Goal"),
    "status": _l("Status"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "outcome": _l("Outcome"),
    "version": _l("Version"),
    "name": _l("Name"),
    "domain": _l("Domain"),
    "active": _l("Active"),
    "description": _l("Description"),
    "held_on": _l("Date and time"),
    "location": _l("Location"),
}


class CaseApi(CasusModelRestApi):
    """Cases a caller may see, with their subjects' names, phase, risk group and director."""

    resource_name = "case"
    openapi_spec_tag = "Cases"
    datamodel = ListInterface(Case)
    include_route_methods = {"get", "get_list"}
    list_title = _l("Cases")
    show_title = _l("Case")
    label_columns = LABELS
    list_columns = [
        "id", "number", "subject_names", "phase", "escalation_level", "risk_group.number",
        "risk_group.name", "lead_organisation.id", "lead_organisation.name",
        "case_director.id", "case_director.first_name", "case_director.last_name",
        "review_date",
    ]
    show_columns = [*list_columns, "summary", "opened_at", "closed_at", "close_reason"]
    # Nothing is written through this API; the schemas below only keep FAB from
    # describing every column of the model as writable.
    add_columns = edit_columns = ["summary"]
    search_columns = ["number", "phase", "risk_group", "case_director", "review_date"]
    order_columns = ["number", "phase", "review_date"]
    base_order = ("number", "desc")


class InterventionTypeApi(CasusModelRestApi):
    """The intervention catalogue."""

    resource_name = "intervention_type"
    openapi_spec_tag = "Intervention catalogue"
    datamodel = ListInterface(InterventionType)
    include_route_methods = {"get", "get_list"}
    list_title = _l("Intervention catalogue")
    show_title = _l("Intervention type")
    label_columns = LABELS
    list_columns = show_columns = ["id", "name", "domain", "organisation.id",
                                   "organisation.name", "active", "description"]
    add_columns = edit_columns = ["name"]
    search_columns = ["name", "domain", "organisation", "active"]
    order_columns = ["name", "domain"]
    base_order = ("name", "asc")


class _DatesInOrder:
    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        message = check_date_order(data.get("start_date"), data.get("end_date"))
        if message:
            raise ValidationError(message, field_name="end_date")


class InterventionPostSchema(_DatesInOrder, Schema):
    case = fields.Integer(required=True, strict=True,
                          metadata={"description": "id of a case you may see"})
    type = fields.Integer(required=True, strict=True,
                          metadata={"description": "id of an active intervention type"})
    organisation = fields.Integer(strict=True, load_default=None, metadata={
        "description": "id of the delivering organisation; default: your own. Only "
                       "coordinators and the case's director may name another one."})
    goal = fields.Integer(strict=True, allow_none=True, load_default=None,
                          metadata={"description": "id of a goal of the case's action plan"})
    status = fields.Enum(InterventionStatus, by_value=True,
                         load_default=InterventionStatus.planned)
    start_date = fields.Date(allow_none=True, load_default=None)
    end_date = fields.Date(allow_none=True, load_default=None,
                           metadata={"description": "not before start_date"})
    outcome = fields.String(allow_none=True, load_default=None)


class InterventionPutSchema(VersionedSchema):
    status = fields.Enum(InterventionStatus, by_value=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "not before start_date"})
    outcome = fields.String(allow_none=True)


def acts_for_other_organisations(actor: Actor, case: Case) -> bool:
    """Coordinators, and the director of this case, register interventions agreed in the
    case conference on behalf of partners; everybody else only for their own organisation."""
    if actor.is_system or actor.coordinates:
        return True
    return actor.directs and case.case_director_id == actor.user_id


class InterventionApi(CasusModelRestApi):
    """Interventions: partners register and update their own; see the module docstring."""

    resource_name = "intervention"
    openapi_spec_tag = "Interventions"
    datamodel = ListInterface(Intervention)
    include_route_methods = {"get", "get_list", "post", "put"}
    list_title = _l("Interventions")
    show_title = _l("Intervention")
    label_columns = LABELS
    record_name = _l("intervention")
    list_columns = show_columns = [
        "id", "case.id", "case.number", "type.id", "type.name", "type.domain",
        "organisation.id", "organisation.name", "goal.id", "goal.description", "status",
        "start_date", "end_date", "outcome", "version", "updated_at",
    ]
    add_columns = ["case", "type", "organisation", "goal", "status", "start_date", "end_date",
                   "outcome"]
    edit_columns = ["status", "start_date", "end_date", "outcome"]
    add_model_schema = InterventionPostSchema()
    edit_model_schema = InterventionPutSchema()
    search_columns = ["case", "type", "organisation", "status", "start_date", "end_date"]
    # Sorting only on indexed columns: an unindexed sort joins every row before LIMIT.
    order_columns = ["start_date", "status"]
    base_order = ("id", "desc")
    field_labels = {"status": _l("Status"), "start_date": _l("Start date"),
                    "end_date": _l("End date"), "outcome": _l("Outcome")}

    def _actor(self) -> Actor:
        actor = current_actor()
        if actor is None:  # protect() has checked the token; this is defence in depth
            raise RequestRefused(401, _("Log in first: send a valid access token."))
        return actor

    def _one(self, model: type, pk: int | None) -> Any:
        # A query (not Session.get) so the guard's row criteria always apply.
        if pk is None:
            return None
        return self.datamodel.session.scalars(sa.select(model).where(model.id == pk)).first()

    def create_item(self, values: dict[str, Any]) -> Intervention:
        actor = self._actor()
        errors: FieldErrors = {}
        case = self._one(Case, values["case"])
        if case is None:
            errors["case"] = [_("There is no case with this id that you may see.")]
        elif not case.is_open:
            errors["case"] = [_("Case %(number)s is not open; interventions can only be "
                                "registered on an open case.", number=case.number)]
        itype = self._one(InterventionType, values["type"])
        if itype is None:
            errors["type"] = [_("There is no intervention type with this id.")]
        elif not itype.active:
            errors["type"] = [_("The intervention type %(name)s is no longer in use.",
                                name=itype.name)]
        elif itype.kind:
            errors["type"] = [_("Interventions of type %(name)s have their own fields; "
                                "register them on their own screen.", name=itype.name)]
        organisation_id = values["organisation"] or actor.organisation_id
        organisation = self._one(Organisation, organisation_id)
        if organisation is None:
            errors["organisation"] = [_("There is no organisation with this id.")]
        elif not organisation.active:
            errors["organisation"] = [_("The organisation %(name)s is no longer active.",
                                        name=organisation.name)]
        goal = self._one(Goal, values["goal"])
        if values["goal"] is not None and goal is None:
            errors["goal"] = [_("There is no goal with this id that you may see.")]
        elif goal is not None and case is not None and not goal_belongs_to_case(goal.id,
                                                                                case.id):
            errors["goal"] = [_("This goal belongs to another case's action plan.")]
        if errors:
            raise RequestRefused(422, errors)
        if organisation.id != actor.organisation_id and not acts_for_other_organisations(
                actor, case):
            raise RequestRefused(403, {"organisation": [_(
                "You can only register interventions for your own organisation.")]})
        return Intervention(case=case, type=itype, organisation=organisation, goal=goal,
                            status=values["status"], start_date=values["start_date"],
                            end_date=values["end_date"], outcome=values["outcome"])

    def change_item(self, item: Intervention, values: dict[str, Any]) -> None:
        actor = self._actor()
        if item.organisation_id != actor.organisation_id and not acts_for_other_organisations(
                actor, item.case):
            raise RequestRefused(403, _(
                "You can only change interventions of your own organisation."))
        start = values.get("start_date", item.start_date)
        end = values.get("end_date", item.end_date)
        message = check_date_order(start, end)
        if message:
            raise RequestRefused(422, {"end_date": [message]})
        for name, value in values.items():
            setattr(item, name, value)


class CaseConferenceApi(CasusModelRestApi):
    """Case conferences: when and where they are held (core partners only, as on screen)."""

    resource_name = "case_conference"
    openapi_spec_tag = "Case conferences"
    datamodel = ListInterface(CaseConference)
    include_route_methods = {"get", "get_list"}
    list_title = _l("Case conferences")
    show_title = _l("Case conference")
    label_columns = LABELS
    list_columns = show_columns = ["id", "held_on", "location", "status"]
    add_columns = edit_columns = ["location"]
    search_columns = ["held_on", "status"]
    order_columns = ["held_on"]
    base_order = ("held_on", "desc")
