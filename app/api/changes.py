"""The changes feed: ``GET /api/v1/changes/?since=<cursor>``.

A partner system learns here of what concerns its organisation: it was admitted to a
case, an intervention it delivers was registered or changed (agreed in the case
conference and registered on its behalf, or its own), or a case conference took a
decision on a case it is admitted to. Each change is one ``partner_change`` row, written
in the same transaction as the change itself, whatever wrote it (screens, API, plugins,
scripts). Which rows a caller reads is the access policy's row rule for them
(``app.access.rows``): its own organisation's changes, on cases it may see today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Response, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext as _
from marshmallow import Schema, fields
from sqlalchemy import event
from sqlalchemy.orm import Session

from casusregie.app import clock
from casusregie.app.models import (
    Case,
    CaseAdmission,
    Decision,
    DecisionBody,
    Intervention,
    PartnerChange,
)
from casusregie.app.models.base import utcnow

ADMISSION = "admission"
INTERVENTION = "intervention"
CONFERENCE_DECISION = "conference_decision"
KINDS = (ADMISSION, INTERVENTION, CONFERENCE_DECISION)
#: Changes per answer; ask again with the ``next`` cursor for more.
PAGE = 100

_admission = CaseAdmission.__table__


def _admitted_organisations(connection: Any, case_id: int) -> set[int]:
    today = dt.date.today()
    return set(connection.execute(
        sa.select(_admission.c.organisation_id).where(
            _admission.c.case_id == case_id, _admission.c.starts_on <= today,
            _admission.c.ends_on >= today)).scalars())


def _changes_in(session: Session) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for obj in (*session.new, *session.dirty):
        is_new = obj in session.new
        if isinstance(obj, CaseAdmission) and is_new:
            found.append({"organisation_id": obj.organisation_id, "kind": ADMISSION,
                          "case_id": obj.case_id, "object_id": obj.id})
        elif isinstance(obj, Intervention) and (is_new or session.is_modified(obj)):
            found.append({"organisation_id": obj.organisation_id, "kind": INTERVENTION,
                          "case_id": obj.case_id, "object_id": obj.id})
        elif (isinstance(obj, Decision) and is_new and obj.case_id is not None
              and obj.body == DecisionBody.case_conference):
            organisations = {o.id for o in obj.organisations}
            organisations |= _admitted_organisations(session.connection(), obj.case_id)
            found.extend({"organisation_id": org, "kind": CONFERENCE_DECISION,
                          "case_id": obj.case_id, "object_id": obj.id}
                         for org in sorted(organisations))
    return found


def _after_flush(session: Session, _context: Any) -> None:
    rows = [row for row in _changes_in(session)
            if row["organisation_id"] is not None and row["case_id"] is not None]
    if rows:
        at = utcnow()
        # Written on the connection, in the flush's transaction: the row belongs to the
        # change, not to the caller (a partner may not write the log itself).
        session.connection().execute(PartnerChange.__table__.insert(),
                                     [{**row, "at": at} for row in rows])


def install_change_log(session_factory: Any) -> None:
    """Write a ``partner_change`` row for every change that concerns an organisation."""
    if not event.contains(session_factory, "after_flush", _after_flush):
        event.listen(session_factory, "after_flush", _after_flush)


class ChangeSchema(Schema):
    cursor = fields.Integer(required=True, metadata={
        "description": "Ask for changes after this one with ?since=<cursor>"})
    at = fields.String(required=True, metadata={
        "description": "When, in Amsterdam time with its offset"})
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    case = fields.Integer(required=True, metadata={"description": "id of the case"})
    case_number = fields.String(required=True, allow_none=True)
    object_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "id of the admission, intervention or decision"})


class ChangesResponseSchema(Schema):
    result = fields.List(fields.Nested(ChangeSchema), required=True)
    next = fields.Integer(required=True, metadata={
        "description": "The cursor for the next call (unchanged when nothing is new)"})


class ChangesApi(BaseApi):
    """What changed for the caller's organisation since a cursor."""

    resource_name = "changes"
    openapi_spec_tag = "Changes"
    allow_browser_login = False
    openapi_spec_component_schemas = (ChangeSchema, ChangesResponseSchema)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self) -> Response:
        """Changes that concern your organisation, oldest first
        ---
        get:
          summary: Changes that concern your organisation, oldest first
          parameters:
          - in: query
            name: since
            required: false
            schema:
              type: integer
              minimum: 0
              maximum: 2147483647
              default: 0
            description: the ``next`` of your previous call; 0 for everything
          responses:
            200:
              description: Up to 100 changes after ``since``
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ChangesResponseSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            429:
              $ref: '#/components/responses/429'
        """
        from casusregie.app.extensions import db

        raw = request.args.get("since", "0")
        if not raw.isdigit() or int(raw) > 2**31 - 1:
            return self.response(400, message=_(
                "since must be a whole number from 0: the next of your previous call."))
        since = int(raw)
        rows = db.session.execute(
            sa.select(PartnerChange, Case.number)
            .join(Case, Case.id == PartnerChange.case_id, isouter=True)
            .where(PartnerChange.id > since).order_by(PartnerChange.id).limit(PAGE)
        ).all()
        result = [{"cursor": change.id, "at": clock.iso(change.at), "kind": change.kind,
                   "case": change.case_id, "case_number": number,
                   "object_id": change.object_id} for change, number in rows]
        return self.response(200, result=result,
                             next=result[-1]["cursor"] if result else since)

    def response_401(self) -> Response:
        return self.response(401, message=_("Log in first: send a valid access token."))

    def response_403(self) -> Response:
        return self.response(403, message=_("You are not allowed to do this."))
