"""Meetings: a row version (optimistic locking) and who logged and last changed them.

Revision ID: jongerenwerk_0002
Revises: jongerenwerk_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "jongerenwerk_0002"
down_revision = "jongerenwerk_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jongerenwerk_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_by_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("jongerenwerk_meeting", schema=None) as batch_op:
        batch_op.drop_column("updated_by_id")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("version")
