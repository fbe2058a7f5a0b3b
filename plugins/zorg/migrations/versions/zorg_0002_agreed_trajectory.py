"""A care trajectory agreed in a case conference: treatment and provider follow later.

Revision ID: zorg_0002
Revises: zorg_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "zorg_0002"
down_revision = "zorg_0001"
branch_labels = None
depends_on = None

TREATMENT = sa.Enum("outpatient", "inpatient", "fact_team", "forensic", "addiction", "other",
                    name="treatmentkind", native_enum=False, create_constraint=False,
                    length=32)


def upgrade():
    with op.batch_alter_table("zorg_care_trajectory", schema=None) as batch_op:
        batch_op.alter_column("treatment", existing_type=TREATMENT, nullable=True)
        batch_op.alter_column("care_provider", existing_type=sa.String(length=150),
                              nullable=True)


def downgrade():
    with op.batch_alter_table("zorg_care_trajectory", schema=None) as batch_op:
        batch_op.alter_column("care_provider", existing_type=sa.String(length=150),
                              nullable=False)
        batch_op.alter_column("treatment", existing_type=TREATMENT, nullable=False)
