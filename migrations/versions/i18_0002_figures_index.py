"""management figures: one covering index for the interventions of a year

Revision ID: i18_0002_figures_index
Revises: i13_0001_authorship_versions
Create Date: 2026-12-03 09:20:00

"""
from alembic import op

revision = "i18_0002_figures_index"
down_revision = "i13_0001_authorship_versions"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "type_id", "status", "organisation_id", "case_id", "id"]


def upgrade():
    # The composite index starts with created_at, so it serves the period filters the
    # single-column index served, and also holds every column the dashboard counts.
    op.create_index("ix_intervention_created_figures", "intervention", COLUMNS,
                    unique=False)
    op.drop_index("ix_intervention_created_at", table_name="intervention")


def downgrade():
    op.create_index("ix_intervention_created_at", "intervention", ["created_at"],
                    unique=False)
    op.drop_index("ix_intervention_created_figures", table_name="intervention")
