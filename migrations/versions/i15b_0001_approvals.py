"""Sensitive changes awaiting a second person's approval (four eyes, issue 15)

Revision ID: i15b_0001_approvals
Revises: i13_0001_authorship_versions
Create Date: 2026-12-03 09:08:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i15b_0001_approvals'
down_revision = 'i18_0002_figures_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'approval_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('target_label', sa.String(length=256), nullable=False),
        sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'approved', 'refused',
                                    name='approvalstatus', native_enum=False,
                                    create_constraint=False, length=32), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_request_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_request_requested_by_id'),
                              ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_request_status'), ['status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_request_status'))
        batch_op.drop_index(batch_op.f('ix_approval_request_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_approval_request_kind'))
    op.drop_table('approval_request')
