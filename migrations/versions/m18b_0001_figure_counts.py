"""The dashboard's counts over every case, kept in step with every change
(figure_count: year, figure, categories, count; no case, person or text)

Revision ID: m18b_0001_figure_counts
Revises: g17b_0001_growth_indexes
Create Date: 2026-12-03 16:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'm18b_0001_figure_counts'
down_revision = 'g17b_0001_growth_indexes'
branch_labels = None
depends_on = None


def upgrade():
    # Filled by ``flask casus init`` (run on every deploy): until then the dashboard
    # counts afresh, as before.
    op.create_table(
        'figure_count',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('figure', sa.String(length=30), nullable=False),
        sa.Column('row_key', sa.String(length=40), nullable=False),
        sa.Column('col_key', sa.String(length=40), nullable=False),
        sa.Column('risk_group', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('organisation', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', 'figure', 'row_key', 'col_key', 'risk_group',
                                'organisation'),
    )


def downgrade():
    op.drop_table('figure_count')
