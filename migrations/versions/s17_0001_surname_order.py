"""subject name search in surname order: byte-ordered name keys, one index for page and count

Revision ID: s17_0001_surname_order
Revises: m18b_0001_figure_counts
Create Date: 2026-12-03 17:25:00

"""
import sqlalchemy as sa
from alembic import op

revision = "s17_0001_surname_order"
down_revision = "m18b_0001_figure_counts"
branch_labels = None
depends_on = None

_KEYS = (("name_key", 260), ("surname_key", 150))


def _collate(collation: str | None) -> None:
    # SQLite already compares the keys byte by byte; on PostgreSQL the keys get the "C"
    # collation, so that a plain index serves a prefix LIKE and the surname order at once.
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in _KEYS:
        op.alter_column("subject", column, type_=sa.String(length, collation=collation),
                        existing_type=sa.String(length), existing_nullable=False)


def upgrade():
    _collate("C")
    # Leads with the surname key: serves its prefix and its equality (the duplicate
    # check), so the surname key's own pattern index goes.
    op.create_index("ix_subject_surname_order", "subject",
                    ["surname_key", "name_key", "id"], unique=False)
    op.drop_index("ix_subject_surname_key", table_name="subject")
    if op.get_bind().dialect.name == "postgresql":
        # A column's new collation drops its statistics; without them the planner
        # guesses a name's matches at 0.5 % of the table and picks wrong indexes.
        op.execute("ANALYZE subject")


def downgrade():
    op.create_index("ix_subject_surname_key", "subject", ["surname_key"], unique=False,
                    postgresql_ops={"surname_key": "varchar_pattern_ops"})
    op.drop_index("ix_subject_surname_order", table_name="subject")
    _collate("default")
