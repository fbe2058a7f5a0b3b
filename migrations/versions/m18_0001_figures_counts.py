"""management figures: indexes for counting a year afresh at city scale

Revision ID: m18_0001_figures_counts
Revises: i14b_0001_reference_english
Create Date: 2026-12-03 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "m18_0001_figures_counts"
down_revision = "i14b_0001_reference_english"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_weighing_signal_latest", "weighing", ["signal_id", "id"],
                    unique=False)
    discussed = sa.text("discussed IS true")
    op.create_index("ix_agenda_item_discussed", "agenda_item", ["conference_id", "case_id"],
                    unique=False, postgresql_where=discussed, sqlite_where=discussed)


def downgrade():
    op.drop_index("ix_agenda_item_discussed", table_name="agenda_item")
    op.drop_index("ix_weighing_signal_latest", table_name="weighing")
