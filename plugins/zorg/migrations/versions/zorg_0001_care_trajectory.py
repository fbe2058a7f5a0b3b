"""Care trajectories.

Revision ID: zorg_0001
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "zorg_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "zorg_care_trajectory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treatment", sa.Enum("outpatient", "inpatient", "fact_team", "forensic",
                                       "addiction", "other", name="treatmentkind",
                                       native_enum=False, create_constraint=False, length=32),
                  nullable=False),
        sa.Column("care_provider", sa.String(length=150), nullable=False),
        sa.Column("frequency", sa.String(length=100), nullable=True),
        sa.Column("consent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["intervention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("zorg_care_trajectory")
