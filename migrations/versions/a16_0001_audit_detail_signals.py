"""Audit details of destroyed signals: removable once the signal is gone

Revision ID: a16_0001_audit_detail_signals
Revises: b17_0001_start_page_indexes
Create Date: 2026-12-03 14:40:00

Retention removes the personal details of the audit records of a destroyed signal not
included in a case, and of its weighing and decisions, as it does for a destroyed case's
and person's. On PostgreSQL the trigger on ``audit_detail`` allows that DELETE once the
row the record names is gone (see ``app/audit/__init__.py``, ``STRIPPABLE``).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a16_0001_audit_detail_signals'
down_revision = 'b17_0001_start_page_indexes'
branch_labels = None
depends_on = None

CHECK = """
CREATE OR REPLACE FUNCTION audit_detail_check_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rec audit_record%%ROWTYPE;
    present boolean;
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
    %(more)s
    RAISE EXCEPTION 'audit details stay until their case or person is destroyed'
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""

SIGNALS = """
    IF rec.case_id IS NULL AND rec.object_type IN ('signal', 'weighing', 'decision')
       AND rec.object_id IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE id = $1)', rec.object_type)
            INTO present USING rec.object_id;
        IF NOT present THEN
            RETURN OLD;
        END IF;
    END IF;
"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(CHECK % {'more': SIGNALS})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(CHECK % {'more': ''})
