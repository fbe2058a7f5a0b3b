"""Retention and destruction: legal holds with reason and end date, destruction records

Revision ID: i16b_0001_retention
Revises: i16a_0001_audit_trail
Create Date: 2026-12-03 10:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i16b_0001_retention'
down_revision = 'i16a_0001_audit_trail'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_until', sa.Date(), nullable=True))
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_until', sa.Date(), nullable=True))
    op.create_table(
        'destruction_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('object_type', sa.String(length=20), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('retention_until', sa.Date(), nullable=True),
        sa.Column('approval_request_id', sa.Integer(), nullable=False),
        sa.Column('proposed_by', sa.String(length=100), nullable=False),
        sa.Column('proposed_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by', sa.String(length=100), nullable=False),
        sa.Column('approved_at', sa.DateTime(), nullable=False),
        sa.Column('executed_at', sa.DateTime(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('approval_request_id'),
    )
    with op.batch_alter_table('destruction_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_destruction_record_reference'), ['reference'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_destruction_record_executed_at'), ['executed_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('destruction_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_destruction_record_executed_at'))
        batch_op.drop_index(batch_op.f('ix_destruction_record_reference'))
    op.drop_table('destruction_record')
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.drop_column('legal_hold_until')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('legal_hold_until')
        batch_op.drop_column('legal_hold_reason')
