"""Buddy trajectories.

Revision ID: voorbeeld_0001
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "voorbeeld_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "voorbeeld_buddy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buddy_name", sa.String(length=150), nullable=False),
        sa.Column("contacts_per_month", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["intervention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("voorbeeld_buddy")
