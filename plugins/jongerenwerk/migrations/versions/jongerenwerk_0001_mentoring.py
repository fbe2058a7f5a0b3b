"""Mentoring trajectories and their meetings.

Revision ID: jongerenwerk_0001
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "jongerenwerk_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jongerenwerk_mentoring",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor", sa.String(length=150), nullable=False),
        sa.Column("meeting_frequency", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["intervention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "jongerenwerk_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["trajectory_id"], ["jongerenwerk_mentoring.id"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jongerenwerk_meeting") as batch_op:
        batch_op.create_index("ix_jongerenwerk_meeting_trajectory_id", ["trajectory_id"])
        batch_op.create_index("ix_jongerenwerk_meeting_met_on", ["met_on"])


def downgrade():
    op.drop_table("jongerenwerk_meeting")
    op.drop_table("jongerenwerk_mentoring")
