"""Flask-AppBuilder's role for visitors who are not signed in, under a Dutch name

Revision ID: j14_0001_public_role_dutch
Revises: a16_0001_audit_detail_signals
Create Date: 2026-12-03 14:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'j14_0001_public_role_dutch'
down_revision = 'a16_0001_audit_detail_signals'
branch_labels = None
depends_on = None

OLD, NEW = "Public", "Publiek"


def _rename(old: str, new: str) -> None:
    role = sa.table('ab_role', sa.column('name', sa.String))
    taken = op.get_bind().execute(sa.select(role.c.name).where(role.c.name == new)).first()
    if taken is None:
        op.execute(role.update().where(role.c.name == old).values(name=new))


def upgrade():
    _rename(OLD, NEW)


def downgrade():
    _rename(NEW, OLD)
