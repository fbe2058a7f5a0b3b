"""The audit trail: hash-chained records, their personal details, the chain head

Revision ID: i16a_0001_audit_trail
Revises: i15b_0001_approvals
Create Date: 2026-12-03 10:40:00

On PostgreSQL triggers make ``audit_record`` append-only (UPDATE, DELETE and TRUNCATE
refused, also for the table's owner) and allow deleting ``audit_detail`` rows only once
the case or person they concern is gone (retention); see ``app/audit/__init__.py``.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i16a_0001_audit_trail'
down_revision = 'i15b_0001_approvals'
branch_labels = None
depends_on = None

GENESIS = '0' * 64

POSTGRES_UP = """
CREATE FUNCTION audit_record_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
    FOR EACH ROW EXECUTE FUNCTION audit_record_refuse();
CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record
    FOR EACH STATEMENT EXECUTE FUNCTION audit_record_refuse();
CREATE TRIGGER audit_detail_no_update BEFORE UPDATE OR TRUNCATE ON audit_detail
    FOR EACH STATEMENT EXECUTE FUNCTION audit_record_refuse();
CREATE FUNCTION audit_detail_check_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rec audit_record%ROWTYPE;
BEGIN
    SELECT * INTO rec FROM audit_record WHERE id = OLD.record_id;
    IF rec.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "case" WHERE id = rec.case_id)
    THEN
        RETURN OLD;
    END IF;
    IF rec.case_id IS NULL AND rec.object_type = 'subject'
       AND NOT EXISTS (SELECT 1 FROM subject WHERE id = rec.object_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit details stay until their case or person is destroyed'
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_detail_delete_after_destruction BEFORE DELETE ON audit_detail
    FOR EACH ROW EXECUTE FUNCTION audit_detail_check_delete();
"""

POSTGRES_DOWN = """
DROP TRIGGER audit_detail_delete_after_destruction ON audit_detail;
DROP TRIGGER audit_detail_no_update ON audit_detail;
DROP TRIGGER audit_record_no_truncate ON audit_record;
DROP TRIGGER audit_record_append_only ON audit_record;
DROP FUNCTION audit_detail_check_delete();
DROP FUNCTION audit_record_refuse();
"""


def upgrade():
    op.create_table(
        'audit_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('object_type', sa.String(length=64), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('case_number', sa.String(length=32), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=256), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('organisation', sa.String(length=150), nullable=True),
        sa.Column('roles', sa.String(length=500), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=True),
        sa.Column('purpose', sa.String(length=500), nullable=True),
        sa.Column('detail_digest', sa.String(length=64), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('hash'),
        sa.UniqueConstraint('seq'),
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.create_index('ix_audit_record_object', ['object_type', 'object_id'],
                              unique=False)
        for column in ('action', 'at', 'case_id', 'case_number', 'organisation_id',
                       'user_id'):
            batch_op.create_index(batch_op.f(f'ix_audit_record_{column}'), [column],
                                  unique=False)
    op.create_table(
        'audit_detail',
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['audit_record.id']),
        sa.PrimaryKeyConstraint('record_id'),
    )
    head = op.create_table(
        'audit_chain_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'hash': GENESIS}])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_UP)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_DOWN)
    op.drop_table('audit_chain_head')
    op.drop_table('audit_detail')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        for column in ('action', 'at', 'case_id', 'case_number', 'organisation_id',
                       'user_id'):
            batch_op.drop_index(batch_op.f(f'ix_audit_record_{column}'))
        batch_op.drop_index('ix_audit_record_object')
    op.drop_table('audit_record')
