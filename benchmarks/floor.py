"""The floor: the same rows fetched with one hand-written SQL query, bare Jinja output.

Each scenario's floor is what a page showing those rows costs at the least — one query,
no framework, no permission checks — so the ratio page/floor says how much the framework
and the access policy add.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from jinja2 import Environment

_PAGE = Environment(autoescape=True).from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><table>"
    "{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>"
    "{% endfor %}</table></body></html>")


@dataclass(frozen=True)
class FloorQuery:
    sql: str
    params: dict[str, Any]
    json: bool = False


def _name_agg(dialect: str) -> str:
    name = "COALESCE(s.first_name || ' ', '') || s.last_name"
    return f"group_concat({name}, ', ')" if dialect == "sqlite" else f"string_agg({name}, ', ')"


def case_list(dialect: str, *, limit: int = 25, order: str = 'c.number DESC',
              where: str = "1 = 1", params: dict[str, Any] | None = None) -> FloorQuery:
    sql = f"""
        SELECT c.number,
               (SELECT {_name_agg(dialect)} FROM case_subject cs
                  JOIN subject s ON s.id = cs.subject_id WHERE cs.case_id = c.id) AS subjects,
               c.phase, rg.name, o.name, u.first_name || ' ' || u.last_name, c.review_date
          FROM "case" c
          JOIN risk_group rg ON rg.id = c.risk_group_id
          JOIN organisation o ON o.id = c.lead_organisation_id
          LEFT JOIN ab_user u ON u.id = c.case_director_id
         WHERE {where}
         ORDER BY {order}
         LIMIT {int(limit)}"""
    return FloorQuery(sql, params or {})


def subject_search(dialect: str, name_key_prefix: str, limit: int = 25) -> FloorQuery:
    return case_list(
        dialect, limit=limit,
        where="c.id IN (SELECT cs.case_id FROM case_subject cs JOIN subject s "
              "ON s.id = cs.subject_id WHERE s.name_key LIKE :key)",
        params={"key": f"{name_key_prefix}%"})


def subject_list(last_name: str, limit: int = 25, dialect: str = "postgresql") -> FloorQuery:
    """The subject list's name search (app/views/filters.py): a prefix of either name key,
    sorted by last name in an order no index offers (so the key indexes find the rows)."""
    from casusregie.app.name_search import name_search

    search = name_search(last_name)
    op, wildcard = ("GLOB", "*") if dialect == "sqlite" else ("LIKE", "%")
    return FloorQuery(
        f"""SELECT s.first_name, s.last_name, s.kind, s.date_of_birth, s.municipality
              FROM subject s
             WHERE s.name_key {op} :name_key OR s.surname_key {op} :surname_key
             ORDER BY coalesce(s.last_name, s.last_name), s.id LIMIT {int(limit)}""",
        {"name_key": f"{search.name_prefix}{wildcard}",
         "surname_key": f"{search.surname_prefix}{wildcard}"})


def case_page(case_id: int) -> FloorQuery:
    return FloorQuery(
        """SELECT c.number, c.phase, c.summary, t.name, o.name, i.status, i.start_date,
                  i.end_date, i.outcome
             FROM "case" c
             JOIN intervention i ON i.case_id = c.id
             JOIN intervention_type t ON t.id = i.type_id
             JOIN organisation o ON o.id = i.organisation_id
            WHERE c.id = :case_id
            ORDER BY i.start_date DESC""",
        {"case_id": case_id})


def partner_interventions(organisation_id: int, today: dt.date, limit: int = 25,
                          as_json: bool = False) -> FloorQuery:
    return FloorQuery(
        f"""SELECT c.number, t.name, o.name, i.status, i.start_date, i.end_date
              FROM intervention i
              JOIN "case" c ON c.id = i.case_id
              JOIN intervention_type t ON t.id = i.type_id
              JOIN organisation o ON o.id = i.organisation_id
             WHERE i.organisation_id = :org
               AND EXISTS (SELECT 1 FROM case_admission a WHERE a.case_id = i.case_id
                           AND a.organisation_id = :org AND a.ends_on >= :today)
             ORDER BY i.start_date DESC
             LIMIT {int(limit)}""",
        {"org": organisation_id, "today": today}, json=as_json)


def intervention_api(limit: int = 20) -> FloorQuery:
    return FloorQuery(
        f"""SELECT i.id, i.case_id, i.type_id, i.organisation_id, i.status, i.start_date,
                   i.end_date
              FROM intervention i ORDER BY i.id LIMIT {int(limit)}""",
        {}, json=True)


def start_page(dialect: str) -> FloorQuery:
    return case_list(dialect, order="c.review_date ASC",
                     where="c.phase IN ('conference', 'monitoring')")


def floor_app(url: str, queries: dict[str, FloorQuery]) -> tuple[Flask, sa.Engine]:
    """A bare Flask app with one route per floor: one query, bare Jinja (or JSON)."""
    engine = sa.create_engine(url)
    app = Flask("casusregie_floor")

    def make_view(name: str, query: FloorQuery):
        statement = sa.text(query.sql)

        def view():
            with engine.connect() as conn:
                rows = conn.execute(statement, query.params).all()
            if query.json:
                return app.response_class(
                    json.dumps({"count": len(rows), "result": [list(r) for r in rows]},
                               default=str), mimetype="application/json")
            return _PAGE.render(title=name, rows=rows)

        view.__name__ = f"floor_{name}"
        return view

    for name, query in queries.items():
        app.add_url_rule(f"/floor/{name}", view_func=make_view(name, query))
    app.add_url_rule("/hello", view_func=lambda: _PAGE.render(title="hello", rows=[]),
                     endpoint="hello")
    return app, engine
