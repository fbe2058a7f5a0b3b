"""indexes that keep the start page and a partner's list flat as the city grows

Revision ID: g17b_0001_growth_indexes
Revises: g17_0001_access_version
Create Date: 2026-12-03 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "g17b_0001_growth_indexes"
down_revision = "g17_0001_access_version"
branch_labels = None
depends_on = None

_OPEN_UNDIRECTED = sa.text(
    "case_director_id IS NULL AND phase IN ('conference', 'monitoring')")


def upgrade():
    op.create_index("ix_case_open_undirected", "case", ["opened_at", "number"], unique=False,
                    postgresql_where=_OPEN_UNDIRECTED, sqlite_where=_OPEN_UNDIRECTED)
    op.drop_index("ix_intervention_org_start", table_name="intervention")
    op.create_index("ix_intervention_org_start", "intervention",
                    ["organisation_id", "start_date", "case_id"], unique=False)
    op.drop_index("ix_case_admission_org_case", table_name="case_admission")
    op.create_index("ix_case_admission_org_case", "case_admission",
                    ["organisation_id", "case_id", "ends_on", "starts_on"], unique=False)


def downgrade():
    op.drop_index("ix_case_admission_org_case", table_name="case_admission")
    op.create_index("ix_case_admission_org_case", "case_admission",
                    ["organisation_id", "case_id", "ends_on"], unique=False)
    op.drop_index("ix_intervention_org_start", table_name="intervention")
    op.create_index("ix_intervention_org_start", "intervention",
                    ["organisation_id", "start_date"], unique=False)
    op.drop_index("ix_case_open_undirected", table_name="case")
