"""The access version: one number renewed by every change of roles, permissions or a
user's roles and sessions, so workers may keep permissions across requests

Revision ID: g17_0001_access_version
Revises: j14_0001_public_role_dutch
Create Date: 2026-12-03 14:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'g17_0001_access_version'
down_revision = 'j14_0001_public_role_dutch'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'access_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('access_version')
