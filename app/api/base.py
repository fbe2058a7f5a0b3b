"""The base every Casusregie REST API builds on.

Flask-AppBuilder's ``ModelRestApi`` does the listing, filtering, paging and OpenAPI
description. This base adds what Casusregie needs on top:

- responses leave out the fields the access policy hides from the caller (rows are
  already filtered by the ORM guard, since every query goes through the app's session);
- writes run the same rules as the screens and answer in the caller's language;
- database errors never reach the caller as SQL or parameters;
- a ``PUT`` must carry the ``version`` the caller read; a stale one is refused with 409.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
import functools
import json
import logging
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema
import prison
from apispec import APISpec
from flask import Response, current_app, request
from flask_appbuilder.api import BaseApi, ModelRestApi, expose, safe
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.api.schemas import get_item_schema, get_list_schema
from flask_appbuilder.const import API_URI_RIS_KEY
from flask_appbuilder.exceptions import ApplyFilterException, DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect
from flask_appbuilder.utils.base import (
    get_column_leaf,
    get_column_root_relation,
    is_column_dotted,
)
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, post_dump
from sqlalchemy import BinaryExpression, Enum, String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Load, aliased, contains_eager
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from casusregie.app import clock, services
from casusregie.app.access import Actor, can_see_field, current_actor
from casusregie.app.api import idempotency
from casusregie.app.audit import content as audit_content
from casusregie.app.datamodel import COUNT_LIMIT, BoundedCount
from casusregie.app.errors import MAX_ID, TELLTALES
from casusregie.app.i18n import display_value
from casusregie.app.labels import enum_label
from casusregie.app.validation import check_length

log = logging.getLogger(__name__)

#: Errors as ``{field: [message, ...]}``; ``_schema`` holds errors not tied to one field.
FieldErrors = dict[str, list[str]]


class RequestRefused(Exception):
    """A write the caller may not make; answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str | FieldErrors) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _FieldPolicy:
    """Drops from every dumped object the fields the access policy hides from the caller.

    Mixed into each schema Flask-AppBuilder generates, nested ones included, so a hidden
    field stays hidden however a client selects its columns. Instants are written in
    Amsterdam time with their offset (``2026-12-17T14:00:00+01:00``, see app.clock).
    """

    @post_dump(pass_original=True)
    def _drop_hidden_fields(self, data: dict[str, Any], original: Any,
                            **_kwargs: Any) -> dict[str, Any]:
        actor = _DUMP_ACTOR.get() or current_actor()
        if actor is None:
            return {}
        return {name: value for name, value in data.items()
                if can_see_field(original, name, actor)}


#: The caller, resolved once for a whole response instead of once per field and row.
_DUMP_ACTOR: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "casus_api_dump_actor", default=None)


@contextlib.contextmanager
def dumping_for_caller() -> Iterator[None]:
    reset = _DUMP_ACTOR.set(current_actor())
    try:
        yield
    finally:
        _DUMP_ACTOR.reset(reset)


class PolicySchemaConverter(Model2SchemaConverter):
    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        mixin = type("PolicySchemaMixin", (class_mixin, _FieldPolicy), {})
        schema = super()._meta_schema_factory(columns, model, mixin, parent_schema_name)
        for field_obj in schema._declared_fields.values():
            _write_in_local_time(field_obj)
        return schema


def _write_in_local_time(field_obj: fields.Field) -> None:
    # Stored instants are naive UTC; a client gets them in Amsterdam time with the offset.
    if isinstance(field_obj, fields.DateTime) and not isinstance(
            field_obj, fields.Date | fields.Time):
        field_obj.SERIALIZATION_FUNCS = {  # type: ignore[misc]
            **field_obj.SERIALIZATION_FUNCS, "iso": clock.iso}


class ListInterface(SQLAInterface):
    """Lists for the REST APIs: a bounded count, and only the related rows they show.

    - Flask-AppBuilder counts with every join of the dotted list columns; on SQLite that
      costs about 160 ms per 100,000 rows (docs/design.md, section 6). Outer joins to a
      parent row never change the count, so only the joins a filter needs are kept; and
      the count stops at ``COUNT_LIMIT`` (``app.datamodel``): a full count of a million
      interventions costs 200 ms on PostgreSQL, more than the page it serves.
    - A dotted column (``case.number``) joins the related row; without more, that row
      brings its own eagerly loaded relations (a case its risk group, organisation,
      director and subjects), which a list that shows only ``case.number`` never uses:
      at city scale PostgreSQL spent 240 ms planning those 15 joins. They are loaded
      lazily instead, should a caller's column ever need them.
    - Flask-AppBuilder's loader options are built in one go rather than column by column.
    """

    count_limit: int = COUNT_LIMIT

    def query_count(self, query, filters=None, select_columns=None) -> int:
        filtered = [flt.column_name for flt in (filters.filters if filters else [])
                    if is_column_dotted(flt.column_name)]
        inner = self._apply_inner_all(query, filters, select_columns=filtered or None,
                                      aliases_mapping={})
        count = inner.limit(self.count_limit + 1).count()
        return BoundedCount(self.count_limit) if count > self.count_limit else count

    def _query_join_relation(self, query, root_relation, aliases_mapping=None):
        # As Flask-AppBuilder's, but the aliased related class and its join condition are
        # made once per relation instead of per request (an alias builds a proxy for
        # every column: 7 ms of CPU per list request for four relations).
        if aliases_mapping is None:
            aliases_mapping = {}
        cache = self.__dict__.setdefault("_casus_joins", {})
        joins = cache.get(root_relation)
        if joins is None:
            joins = []
            for model_relation, relation_join in self.get_related_model_and_join(
                    root_relation):
                is_alias = not hasattr(relation_join, "clauses")
                if is_alias:
                    model_relation = aliased(model_relation, name=root_relation)
                    relation_pk = self.get_pk(model_relation)
                    side = (relation_join.left if relation_join.left.foreign_keys
                            else relation_join.right)
                    relation_join = BinaryExpression(side, relation_pk,
                                                     relation_join.operator)
                joins.append((model_relation, relation_join, is_alias))
            cache[root_relation] = joins
        for model_relation, relation_join, is_alias in joins:
            if is_alias:
                aliases_mapping[root_relation] = model_relation
            query = query.join(model_relation, relation_join, isouter=True)
        return query

    def apply_inner_select_joins(self, query, select_columns=None, aliases_mapping=None):
        # Flask-AppBuilder's own version adds one or two loader options per column, each
        # a copy of the query: 15 ms of CPU for the 16 columns of the intervention list.
        # The same joins and options, one option per related row.
        if not select_columns:
            return query
        own: list[Any] = []
        related: dict[str, list[str]] = {}
        for column in select_columns:
            if not is_column_dotted(column):
                if not self.is_relation(column) and not self.is_property_or_function(column):
                    own.append(getattr(self.obj, column))
                continue
            root = get_column_root_relation(column)
            if self.is_relation_many_to_one(root) or self.is_relation_many_to_many_special(
                    root):
                related.setdefault(root, []).append(get_column_leaf(column))
        options = []
        for root, leaves in related.items():
            query = self._query_join_relation(query, root, aliases_mapping=aliases_mapping)
            model = self.get_alias_mapping(root, aliases_mapping)
            query = query.add_entity(model)
            relation = getattr(self.obj, root)
            own.extend(getattr(self.obj, fk.name) for fk in relation.property.local_columns)
            columns = [getattr(model, leaf) for leaf in leaves]
            options.append(contains_eager(relation.of_type(model)).load_only(*columns)
                           .lazyload("*"))
            options.append(Load(model).load_only(*columns).lazyload("*"))
        if own:
            options.insert(0, Load(self.obj).load_only(*own))
        return query.options(*options) if options else query


def _below_rison(view: Callable[..., Any]) -> Callable[..., Any]:
    """Flask-AppBuilder's endpoint function without its decorators down to ``@rison``."""
    fn = view
    while not fn.__code__.co_qualname.startswith("rison."):
        fn = fn.__wrapped__
    return fn.__wrapped__


def cached_rison(schema: dict[str, Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Flask-AppBuilder's ``@rison`` with the JSON-schema validator built once.

    ``jsonschema.validate`` checks the schema itself against its meta-schema on every
    call: 20–90 ms of every list request. The answers (400s and their messages) are
    Flask-AppBuilder's.
    """
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        def wraps(self: BaseApi, *args: Any, **kwargs: Any) -> Response:
            value = request.args.get(API_URI_RIS_KEY, None)
            kwargs["rison"] = {}
            if value:
                try:
                    kwargs["rison"] = prison.loads(value)
                except prison.decoder.ParserException:
                    if not current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
                        return self.response_400(message="Not a valid rison argument")
                    try:
                        kwargs["rison"] = json.loads(urllib.parse.parse_qs(
                            f"{API_URI_RIS_KEY}={value}").get(API_URI_RIS_KEY)[0])
                    except Exception:
                        return self.response_400(message="Not a valid rison/json argument")
            error = jsonschema.exceptions.best_match(validator.iter_errors(kwargs["rison"]))
            if error is not None:
                return self.response_400(message="Not a valid rison schema "
                                                 + str(error).split("\n", 1)[0])
            return f(self, *args, **kwargs)

        return functools.update_wrapper(wraps, f)

    return decorate


def _marshmallow_messages() -> dict[str, str]:
    # marshmallow's own (English) messages, in the caller's language.
    return {
        "Missing data for required field.": _("This field is required."),
        "Field may not be null.": _("This field may not be empty."),
        "Not a valid integer.": _("Enter a whole number."),
        "Not a valid date.": _("Enter a date as YYYY-MM-DD."),
        "Not a valid datetime.": _("Enter a date and time as YYYY-MM-DDTHH:MM:SS."),
        "Not a valid string.": _("Enter text."),
        "Not a valid boolean.": _("Enter true or false."),
        "Unknown field.": _("This field is not known or cannot be changed here."),
        "Invalid input type.": _("Send a JSON object."),
        "Invalid value.": _("This value is not valid."),
        "Related Object doesn't exist in DB": _("No such record, or you may not use it."),
    }


def localise_errors(messages: Any) -> Any:
    """marshmallow's error structure with its English messages in the caller's language."""
    if isinstance(messages, Mapping):
        return {key: localise_errors(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [localise_errors(m) for m in messages]
    if isinstance(messages, str):
        if messages.startswith("Must be one of: "):
            return _("Choose one of: %(choices)s", choices=messages[len("Must be one of: "):]
                     .rstrip("."))
        return _marshmallow_messages().get(messages, messages)
    return messages


def describe_value(value: Any) -> str:
    """A value in a conflict message: as the screens write it, enum members with the
    value a client sends ("Afgerond (completed)")."""
    if isinstance(value, enum.Enum):
        return f"{enum_label(value)} ({value.value})"
    return str(display_value(value))


class CasusModelRestApi(ModelRestApi):
    """A Flask-AppBuilder ``ModelRestApi`` with Casusregie's rules (see module docstring).

    Subclasses that accept writes set ``add_model_schema``/``edit_model_schema`` to plain
    marshmallow schemas (loading dicts) and implement ``create_item`` and ``change_item``;
    those raise ``RequestRefused`` or return field errors.
    """

    # Only bearer tokens: a browser's session cookie is no credential for the API, so a
    # page on another site cannot make a logged-in browser call it (see app.api).
    allow_browser_login = False
    model2schemaconverter = PolicySchemaConverter
    page_size = 25
    max_page_size = 100
    #: Labels of the fields a client may change, for messages (field → label).
    field_labels: dict[str, Any] = {}
    #: The name of the record in messages ("intervention").
    record_name: Any = ""

    # Flask-AppBuilder's two read endpoints, with the Rison schema validator built once.
    get_list = expose("/", methods=["GET"])(protect()(safe(permission_name("get")(
        cached_rison(get_list_schema)(_below_rison(ModelRestApi.get_list))))))
    get = expose("/<int:pk>", methods=["GET"])(protect()(safe(permission_name("get")(
        cached_rison(get_item_schema)(_below_rison(ModelRestApi.get))))))

    def get_list_headless(self, **kwargs: Any) -> Response:
        with dumping_for_caller():
            return super().get_list_headless(**kwargs)

    def get_headless(self, pk: Any, **kwargs: Any) -> Response:
        with dumping_for_caller():
            response = super().get_headless(pk, **kwargs)
        version = (response.get_json(silent=True) or {}).get("result", {}).get("version") \
            if response.status_code == 200 else None
        if isinstance(version, int):
            # The row version as an ETag: a client sends it back in If-Match with a PUT.
            response.set_etag(str(version))
        return response

    # The audit trail: the same records as the screens (app.audit.content).
    def pre_get(self, data: dict[str, Any]) -> None:
        super().pre_get(data)
        audit_content.read_by_id(self.datamodel.obj, data["id"])

    def pre_get_list(self, data: dict[str, Any]) -> None:
        super().pre_get_list(data)
        audit_content.listed(self.datamodel.obj, data.get("ids", ()))

    def add_apispec_components(self, api_spec: APISpec) -> None:
        # Describe only the schemas of the routes this API offers: a read-only API must
        # not show clients a "post" body.
        BaseApi.add_apispec_components(self, api_spec)
        routes = self.include_route_methods
        for route, name, schema in (
                ("get_list", self.list_model_schema_name, self.list_model_schema),
                ("get", self.show_model_schema_name, self.show_model_schema),
                ("post", self.add_model_schema_name, self.add_model_schema),
                ("put", self.edit_model_schema_name, self.edit_model_schema)):
            if routes is None or route in routes:
                api_spec.components.schema(name, schema=schema)

    # ------------------------------------------------------------------ responses

    def response_400(self, message: Any = None) -> Response:
        # Flask-AppBuilder's own 400s (Rison arguments, filters, order columns) carry a
        # technical English detail that helps the client's developer; keep it, framed.
        if isinstance(message, str) and TELLTALES.search(message):
            # A filter value the database refused: its error text holds the SQL.
            log.warning("REST %s %s: %s", request.method, request.path, message[:300])
            return self.response(400, message=_("The request is not valid."))
        if isinstance(message, str) and message:
            return self.response(400, message=_("The request is not valid: %(detail)s",
                                                detail=message))
        return self.response(400, message=localise_errors(message) if message
                             else _("The request is not valid."))

    def response_401(self) -> Response:
        return self.response(401, message=_("Log in first: send a valid access token."))

    def response_403(self) -> Response:
        return self.response(403, message=_("You are not allowed to do this."))

    def response_404(self) -> Response:
        return self.response(404, message=_(
            "Not found, or you are not allowed to see it."))

    def response_422(self, message: Any = None) -> Response:
        return self.response(422, message=localise_errors(message) if message
                             else _("The data could not be processed."))

    def response_500(self, message: Any = None) -> Response:
        # Flask-AppBuilder passes a stack trace here when FAB_API_SHOW_STACKTRACE is set;
        # it can hold personal data and SQL, so it goes to the log only.
        failure = sys.exc_info()[1]
        if isinstance(failure, SQLAlchemyError | DatabaseException | ApplyFilterException
                      | OverflowError):
            # Input the database could not compare or store (an id out of range, a
            # negative page): the caller's mistake, not ours.
            return self.database_error(failure, status=400)
        return self.response(500, message=_(
            "Something went wrong on our side; try again later or contact the functional "
            "administrator."))

    def response_refused(self, exc: RequestRefused) -> Response:
        return self.response(exc.status, message=exc.message)

    def guard_refusal(self, exc: HTTPException) -> Response:
        # The access guard refuses a write while the session flushes (a 403 with the
        # policy's message); answer it as JSON like every other refusal.
        self.datamodel.session.rollback()
        return self.response(exc.code or 403, message=exc.description)

    def database_error(self, exc: Exception, status: int = 422) -> Response:
        # The exception text holds the SQL statement and its parameters (personal data);
        # it goes to the server log, the caller gets a plain message.
        self.datamodel.session.rollback()
        log.warning("REST %s %s refused by the database: %s", request.method, request.path,
                    type(exc).__name__)
        if status == 400:
            return self.response(400, message=_("The request is not valid."))
        return self.response(422, message=_(
            "The change could not be saved because it conflicts with other data; check "
            "the references and try again."))

    # ------------------------------------------------------------------ writes

    # The write path: the row's service checks and completes it (app.services).
    def pre_add(self, item: Any) -> None:
        services.prepare(item, "add")

    def pre_update(self, item: Any) -> None:
        services.prepare(item, "edit")

    def create_item(self, values: dict[str, Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def change_item(self, item: Any, values: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _json_object(self) -> dict[str, Any] | Response:
        payload = request.get_json(silent=True) if request.is_json else None
        if not isinstance(payload, dict):
            return self.response(400, message=_("Send the data as a JSON object "
                                                "(Content-Type: application/json)."))
        return payload

    def _dump(self, item: Any) -> dict[str, Any]:
        return self.show_model_schema.dump(item, many=False)

    def text_limits(self) -> dict[str, int]:
        """The longest text each field takes: its column's length, or the length the
        screens for the same model allow (``MaxLength`` in their ``validators_columns``)."""
        limits = self.__dict__.get("_text_limits")
        if limits is not None:
            return limits
        from casusregie.app.validators import MaxLength

        model = self.datamodel.obj
        limits = {column.key: column.type.length for column in sa_inspect(model).columns
                  if isinstance(column.type, String) and not isinstance(column.type, Enum)
                  and column.type.length}
        for view in self.appbuilder.baseviews:
            if getattr(getattr(view, "datamodel", None), "obj", None) is not model:
                continue
            for name, rules in (getattr(view, "validators_columns", None) or {}).items():
                for rule in rules:
                    if isinstance(rule, MaxLength):
                        limits[name] = min(limits.get(name, rule.maximum), rule.maximum)
        self._text_limits = limits
        return limits

    def _load_values(self, schema: Any, payload: dict[str, Any]) -> dict[str, Any] | Response:
        """The payload as the schema reads it, or the 422 that says what is wrong."""
        try:
            values = schema.load(payload)
        except ValidationError as err:
            return self.response_422(err.messages)
        refused = self._too_long(values)
        return values if refused is None else refused

    def _too_long(self, values: dict[str, Any]) -> Response | None:
        """Texts longer than the screens allow, and numbers no id or column can hold."""
        limits = self.text_limits()
        errors = {name: [message] for name, value in values.items()
                  if isinstance(value, str) and name in limits
                  and (message := check_length(value, limits[name]))}
        errors.update({name: [_("This number is out of range.")]
                       for name, value in values.items()
                       if isinstance(value, int) and not isinstance(value, bool)
                       and abs(value) > MAX_ID})
        return self.response_422(errors) if errors else None

    def post_headless(self) -> Response:
        payload = self._json_object()
        if isinstance(payload, Response):
            return payload
        replay = idempotency.lookup(payload)
        if replay is not None:
            return replay
        values = self._load_values(self.add_model_schema, payload)
        if isinstance(values, Response):
            return values
        try:
            item = self.create_item(values)
            self.pre_add(item)
            with services.saving(item, "add"):
                self.datamodel.session.add(item)
                self.datamodel.session.flush()
                pk = self.datamodel.get_pk_value(item)
                body = {"id": pk, "result": self._dump(item)}
                # Stored in the same transaction as the record: a repeat sent while this
                # one runs cannot create a second one (the key is unique per caller).
                idempotency.remember(payload, 201, body)
                self.datamodel.session.commit()
        except RequestRefused as exc:
            self.datamodel.session.rollback()
            return self.response_refused(exc)
        except HTTPException as exc:
            return self.guard_refusal(exc)
        except SQLAlchemyError as exc:
            self.datamodel.session.rollback()
            replay = idempotency.lookup(payload)
            if replay is not None:
                return replay
            return self.database_error(exc)
        self.post_add(item)
        return self.response(201, **body)

    def put_headless(self, pk: Any) -> Response:
        payload = self._json_object()
        if isinstance(payload, Response):
            return payload
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        values = self._load_values(self.edit_model_schema, payload)
        if isinstance(values, Response):
            return values
        stale = self._check_version(item, values.pop("version", None), payload)
        if stale is not None:
            return stale
        try:
            self.change_item(item, values)
            self.pre_update(item)
            with services.saving(item, "edit"):
                self.datamodel.session.commit()
        except RequestRefused as exc:
            self.datamodel.session.rollback()
            return self.response_refused(exc)
        except HTTPException as exc:
            return self.guard_refusal(exc)
        except StaleDataError:
            # Someone saved between our read and our write (the version check in SQL).
            self.datamodel.session.rollback()
            fresh = self.datamodel.get(pk, self._base_filters)
            if fresh is None:
                return self.response_404()
            return self._conflict(fresh, None, payload)
        except SQLAlchemyError as exc:
            return self.database_error(exc)
        self.post_update(item)
        return self.response(200, id=self.datamodel.get_pk_value(item), result=self._dump(item))

    # ------------------------------------------------------------------ optimistic locking

    def _check_version(self, item: Any, version: int | None, payload: dict[str, Any]
                       ) -> Response | None:
        """The version the caller read, from ``If-Match`` (412 when stale) or the body's
        ``version`` (409 when stale); one of them is required."""
        if_match = request.if_match
        if if_match:
            tags = list(if_match.as_set(include_weak=True)) if not if_match.star_tag else []
            if if_match.star_tag or not tags or not all(t.isdigit() for t in tags):
                return self.response_400(message=_(
                    'If-Match takes the ETag of the record as you read it, e.g. "3".'))
            if str(item.version) not in tags:
                return self._conflict(item, int(tags[0]), payload, status=412)
        elif version is None:
            return self.response_422({"version": [_(
                "Send the version you read, in the version field or as If-Match.")]})
        if version is not None and item.version != version:
            return self._conflict(item, version, payload)
        return None

    def _conflict(self, item: Any, read_version: int | None, payload: dict[str, Any],
                  status: int = 409) -> Response:
        """409 (412 for If-Match): say which current values differ from what the caller
        sent, and show them."""
        current = self._dump(item)
        differences = []
        for name, label in self.field_labels.items():
            if name not in payload or not can_see_field(item, name):
                continue
            now = getattr(item, name, None)
            sent = payload.get(name)
            if describe_value(now) != describe_value(self._parse_for_compare(now, sent)):
                differences.append(_("%(field)s is now %(value)s (you sent %(sent)s)",
                                     field=label, value=describe_value(now),
                                     sent=describe_value(self._parse_for_compare(now, sent))))
        changed_at = describe_value(getattr(item, "updated_at", None))
        message = _(
            "This %(record)s was changed by someone else after you read it "
            "(you read version %(read)s; it is now version %(now)s, changed at %(at)s). "
            "Nothing was saved.",
            record=self.record_name, read=describe_value(read_version), now=item.version,
            at=changed_at)
        if differences:
            message += " " + _("Current values that differ from yours: %(list)s.",
                               list="; ".join(differences))
        message += " " + _("Read it again and repeat your change.")
        response = self.response(status, message=message, current=current,
                                 current_version=item.version)
        response.set_etag(str(item.version))
        return response

    @staticmethod
    def _parse_for_compare(current: Any, sent: Any) -> Any:
        # Bring a JSON value to the type of the current one, so 2026-01-05 equals a date.
        if isinstance(current, enum.Enum) and isinstance(sent, str):
            try:
                return type(current)(sent)
            except ValueError:
                return sent
        if isinstance(current, dt.date) and isinstance(sent, str):
            try:
                return dt.date.fromisoformat(sent)
            except ValueError:
                return sent
        return sent


class VersionedSchema(Schema):
    """A ``PUT`` body: the ``version`` the client read is required."""

    version = fields.Integer(strict=True, metadata={
        "description": "The version of the record as you read it; a stale version is "
                       "refused with 409. Required unless you send it as If-Match."})
