"""Which columns the screens let users filter or sort on, and whether an index serves them.

    .venv/bin/python -m benchmarks.indexes

A column counts as served when an index (or primary key / unique constraint) of its table
starts with it. Relations count by their foreign-key column.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import RelationshipProperty


def _leading_columns(table: sa.Table) -> set[str]:
    lead: set[str] = set()
    for index in table.indexes:
        cols = list(index.columns)
        if cols:
            lead.add(cols[0].name)
    for constraint in table.constraints:
        cols = list(getattr(constraint, "columns", []))
        if cols and isinstance(constraint, sa.PrimaryKeyConstraint | sa.UniqueConstraint):
            lead.add(cols[0].name)
    return lead


def offered_columns(app: Flask) -> dict[tuple[str, str], set[str]]:
    """(table, column) → the views offering a filter or sort on it."""
    found: dict[tuple[str, str], set[str]] = {}
    for view in app.appbuilder.baseviews:
        datamodel = getattr(view, "datamodel", None)
        model = getattr(datamodel, "obj", None)
        if model is None or not hasattr(model, "__table__"):
            continue
        names = set(getattr(view, "search_columns", None) or [])
        names |= set(getattr(view, "order_columns", None) or [])
        base_order = getattr(view, "base_order", None)
        if base_order:
            names.add(base_order[0])
        mapper = sa.inspect(model)
        for name in names:
            prop = mapper.attrs.get(name)
            if prop is None:
                continue
            if isinstance(prop, RelationshipProperty):
                if prop.direction.name != "MANYTOONE":
                    continue
                columns = list(prop.local_columns)
            else:
                columns = [c for c in getattr(prop, "columns", []) if isinstance(c, sa.Column)]
            for column in columns:
                if column.table is not None:
                    found.setdefault((column.table.name, column.name), set()).add(
                        type(view).__name__)
    return found


def missing_indexes(app: Flask) -> dict[tuple[str, str], set[str]]:
    from flask_appbuilder import Model

    tables = Model.metadata.tables
    return {key: views for key, views in offered_columns(app).items()
            if key[0] in tables and key[1] not in _leading_columns(tables[key[0]])}


def main() -> int:
    from casusregie.app import create_app

    app = create_app()
    missing = missing_indexes(app)
    for (table, column), views in sorted(missing.items()):
        print(f"{table}.{column:<24} {', '.join(sorted(views))}")
    print(f"{len(missing)} filter/sort column(s) without an index")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
