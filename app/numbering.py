"""Gap-free case numbers per year, safe under concurrent transactions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casusregie.app.models.case import CaseNumberCounter

_counter = CaseNumberCounter.__table__


def format_case_number(year: int, sequence: int) -> str:
    return f"CR-{year}-{sequence:04d}"


def draw_case_number(session: Session, year: int | None = None) -> tuple[int, int, str]:
    """Take the next number of ``year`` inside the caller's transaction.

    The counter row stays locked by the UPDATE until the transaction ends, so two
    coordinators creating a case at the same moment get consecutive numbers, and a
    rolled-back creation gives its number back (no gaps).
    """
    year = year or dt.date.today().year
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(_counter).values(year=year, last_value=0).on_conflict_do_nothing(
            index_elements=["year"]
        )
    )
    sequence = session.execute(
        sa.update(_counter)
        .where(_counter.c.year == year)
        .values(last_value=_counter.c.last_value + 1)
        .returning(_counter.c.last_value)
    ).scalar_one()
    return year, sequence, format_case_number(year, sequence)
