"""assignments: exercises pinned to a day for a group, with an optional due time

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_assignments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("group_name", sa.String(255), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_course_assignments"),
        sa.UniqueConstraint("group_name", "exercise_id", "day", name="uq_course_assignments_group_name"),
    )
    op.create_index("ix_course_assignments_day", "course_assignments", ["day"])
    op.add_column("daily_assignments", sa.Column("assignment_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        "fk_daily_assignments_assignment_id_course_assignments", "daily_assignments", "course_assignments",
        ["assignment_id"], ["id"], ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint("fk_daily_assignments_assignment_id_course_assignments", "daily_assignments", type_="foreignkey")
    op.drop_column("daily_assignments", "assignment_id")
    op.drop_index("ix_course_assignments_day", table_name="course_assignments")
    op.drop_table("course_assignments")
