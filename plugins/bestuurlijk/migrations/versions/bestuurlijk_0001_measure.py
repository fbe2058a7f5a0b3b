"""Administrative measures.

Revision ID: bestuurlijk_0001
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "bestuurlijk_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bestuurlijk_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.Enum("reporting_duty", "area_ban", "contact_ban", "travel_ban",
                                     "passport_invalidation", name="measure",
                                     native_enum=False, create_constraint=False, length=32),
                  nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("decree_date", sa.Date(), nullable=False),
        sa.Column("decree_reference", sa.String(length=100), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("appeal_status", sa.Enum("none", "objection_pending", "objection_decided",
                                           "appeal_pending", "appeal_decided",
                                           name="appealstatus", native_enum=False,
                                           create_constraint=False, length=32),
                  server_default="none", nullable=False),
        sa.ForeignKeyConstraint(["id"], ["intervention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bestuurlijk_measure") as batch_op:
        batch_op.create_index("ix_bestuurlijk_measure_valid_until", ["valid_until"])


def downgrade():
    op.drop_table("bestuurlijk_measure")
