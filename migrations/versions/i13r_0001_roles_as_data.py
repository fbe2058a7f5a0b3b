"""Roles as data: row scopes and field clearances stored per role id; the approval
request's payload; the permission change log's detail

Revision ID: i13r_0001_roles_as_data
Revises: i21_0001_partner_api
Create Date: 2026-12-03 10:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i13r_0001_roles_as_data'
down_revision = 'i21_0001_partner_api'
branch_labels = None
depends_on = None

#: What the seeded roles gave by their name until now; carried over to their ids.
SEEDED = {
    "Coördinator": {"scope": ("core", "coordinate", "directed"),
                    "clearance": ("bsn", "criminal", "health")},
    "Casusregisseur": {"scope": ("directed", "admitted"),
                       "clearance": ("criminal", "health")},
    "Kernpartner": {"scope": ("core", "admitted"), "clearance": ("bsn", "criminal")},
    "Ketenpartner": {"scope": ("admitted",), "clearance": ()},
    "Privacy officer": {"scope": ("retention",), "clearance": ()},
    "Management": {"scope": ("figures",), "clearance": ()},
}


def upgrade():
    role_access = op.create_table(
        'role_access',
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['role_id'], ['ab_role.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('role_id', 'kind', 'value'),
    )
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
    with op.batch_alter_table('permission_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.String(length=500), server_default='',
                                      nullable=False))

    conn = op.get_bind()
    roles = {name: id_ for id_, name in conn.execute(sa.text("SELECT id, name FROM ab_role"))}
    rows = [{"role_id": roles[name], "kind": kind, "value": value}
            for name, given in SEEDED.items() if name in roles
            for kind, values in given.items() for value in values]
    if rows:
        op.bulk_insert(role_access, rows)


def downgrade():
    with op.batch_alter_table('permission_change', schema=None) as batch_op:
        batch_op.drop_column('detail')
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.drop_column('payload')
    op.drop_table('role_access')
