"""subject name search: surname_key, prefix indexes on both name keys

Adds ``subject.surname_key`` (the last name without leading particles, see
app/name_search.py) and fills it, once per distinct last name. On PostgreSQL both name
keys get a ``varchar_pattern_ops`` B-tree, which serves ``LIKE 'prefix%'`` under any
collation as well as the duplicate check's equality (``ix_subject_name_key`` is rebuilt
with it); SQLite's plain indexes serve the search's ``GLOB 'prefix*'``. Declared on the
model (app/models/subject.py).

Revision ID: 665378b32414
Revises: c2883d2cba7a
Create Date: 2026-11-30 01:35:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '665378b32414'
down_revision = 'c2883d2cba7a'
branch_labels = None
depends_on = None

_PATTERN_OPS = {"name_key": "varchar_pattern_ops", "surname_key": "varchar_pattern_ops"}


def _fill_surname_keys() -> None:
    from casusregie.app.name_search import surname_key

    bind = op.get_bind()
    subject = sa.table("subject", sa.column("last_name", sa.String),
                       sa.column("surname_key", sa.String))
    names = bind.execute(sa.select(subject.c.last_name).distinct()).scalars().all()
    rows = [{"ln": name, "key": surname_key(name)} for name in names if name]
    rows = [row for row in rows if row["key"]]
    if rows:
        bind.execute(subject.update()
                     .where(subject.c.last_name == sa.bindparam("ln"))
                     .values(surname_key=sa.bindparam("key")), rows)


def upgrade():
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.add_column(sa.Column('surname_key', sa.String(length=150),
                                      server_default='', nullable=False))
    _fill_surname_keys()
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_name_key')
        batch_op.create_index('ix_subject_name_key', ['name_key'], unique=False,
                              postgresql_ops={'name_key': _PATTERN_OPS['name_key']})
        batch_op.create_index('ix_subject_surname_key', ['surname_key'], unique=False,
                              postgresql_ops={'surname_key': _PATTERN_OPS['surname_key']})


def downgrade():
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_surname_key')
        batch_op.drop_index('ix_subject_name_key')
        batch_op.create_index('ix_subject_name_key', ['name_key'], unique=False)
        batch_op.drop_column('surname_key')
