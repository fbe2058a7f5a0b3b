"""start page indexes: open interventions by start date, signals by status and arrival

Revision ID: b17_0001_start_page_indexes
Revises: m18_0001_figures_counts
Create Date: 2026-12-03 14:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "b17_0001_start_page_indexes"
down_revision = "m18_0001_figures_counts"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('planned', 'active')")


def upgrade():
    op.create_index("ix_intervention_open_start", "intervention", ["start_date", "id"],
                    unique=False, postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_signal_status_received", "signal", ["status", "received_at"],
                    unique=False)


def downgrade():
    op.drop_index("ix_signal_status_received", table_name="signal")
    op.drop_index("ix_intervention_open_start", table_name="intervention",
                  postgresql_where=OPEN, sqlite_where=OPEN)
