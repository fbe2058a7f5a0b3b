"""Reference data in English: the intervention catalogue's English names (issue 14)

Revision ID: i14b_0001_reference_english
Revises: i13r_0001_roles_as_data
Create Date: 2026-12-03 11:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i14b_0001_reference_english'
down_revision = 'i13r_0001_roles_as_data'
branch_labels = None
depends_on = None

#: The English names of the catalogue entries Casusregie and its built-in plugins seed;
#: entries an administrator added keep their Dutch name until one is given.
ENGLISH = {
    "Meldplicht": "Duty to report",
    "Gebiedsverbod": "Area ban",
    "Contactverbod": "Contact ban",
    "Uitreisverbod": "Travel ban",
    "Paspoort vervallen verklaren": "Passport revocation",
    "Stopzetten uitkering/toeslagen": "Stopping benefits and allowances",
    "Opsporingsonderzoek": "Criminal investigation",
    "Bijzondere voorwaarden / toezicht": "Special conditions / supervision",
    "Elektronische monitoring": "Electronic monitoring",
    "GGZ-behandeling": "Mental health treatment",
    "Jeugdbeschermingsmaatregel": "Child protection order",
    "Terugkeerplan per kind": "Return plan per child",
    "Mentortraject": "Mentoring programme",
    "Begeleiding naar werk of school": "Guidance to work or school",
    "Gezinsondersteuning": "Family support",
    "Bestuurlijke maatregel": "Administrative measure",
    "Mentortraject jongerenwerk": "Youth work mentoring trajectory",
    "Zorgtraject GGD/GGZ": "Care trajectory (GGD/mental health)",
}


def upgrade():
    with op.batch_alter_table('intervention_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=150), server_default='',
                                      nullable=False))
    table = sa.table('intervention_type', sa.column('name', sa.String),
                     sa.column('name_en', sa.String))
    for name, name_en in ENGLISH.items():
        op.execute(table.update().where(table.c.name == name).values(name_en=name_en))


def downgrade():
    with op.batch_alter_table('intervention_type', schema=None) as batch_op:
        batch_op.drop_column('name_en')
