"""management information: export log, indexes for the period figures

Revision ID: i18_0001_management
Revises: 665378b32414
Create Date: 2026-12-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "i18_0001_management"
down_revision = "i19_0001_tasks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=150), nullable=False),
        sa.Column("list_name", sa.String(length=30), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.create_index("ix_export_log_exported_at", ["exported_at"], unique=False)
        batch_op.create_index("ix_export_log_user_id", ["user_id"], unique=False)
    op.create_index("ix_case_closed_at", "case", ["closed_at"], unique=False)
    op.create_index("ix_intervention_created_at", "intervention", ["created_at"], unique=False)
    op.create_index("ix_weighing_weighed_on", "weighing", ["weighed_on"], unique=False)


def downgrade():
    op.drop_index("ix_weighing_weighed_on", table_name="weighing")
    op.drop_index("ix_intervention_created_at", table_name="intervention")
    op.drop_index("ix_case_closed_at", table_name="case")
    with op.batch_alter_table("export_log", schema=None) as batch_op:
        batch_op.drop_index("ix_export_log_user_id")
        batch_op.drop_index("ix_export_log_exported_at")
    op.drop_table("export_log")
