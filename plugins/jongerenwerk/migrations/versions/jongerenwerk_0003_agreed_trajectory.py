"""A mentoring trajectory agreed in a case conference: mentor and frequency follow later.

Revision ID: jongerenwerk_0003
Revises: jongerenwerk_0002
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "jongerenwerk_0003"
down_revision = "jongerenwerk_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jongerenwerk_mentoring", schema=None) as batch_op:
        batch_op.alter_column("mentor", existing_type=sa.String(length=150), nullable=True)
        batch_op.alter_column("meeting_frequency", existing_type=sa.String(length=100),
                              nullable=True)


def downgrade():
    with op.batch_alter_table("jongerenwerk_mentoring", schema=None) as batch_op:
        batch_op.alter_column("meeting_frequency", existing_type=sa.String(length=100),
                              nullable=False)
        batch_op.alter_column("mentor", existing_type=sa.String(length=150), nullable=False)
