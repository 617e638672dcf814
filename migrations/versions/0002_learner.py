"""learner model: profiles, skills, exercise ratings, activity days, badges, daily assignments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user() -> sa.Column:
    return sa.Column("user_id", sa.BigInteger(), nullable=False)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE")


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "learner_profiles",
        _user(),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("topics", postgresql.JSONB(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        _user_fk("learner_profiles"),
        sa.PrimaryKeyConstraint("user_id", name="pk_learner_profiles"),
    )
    op.create_table(
        "skills",
        _user(),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("var", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        _user_fk("skills"),
        sa.PrimaryKeyConstraint("user_id", "topic", name="pk_skills"),
    )
    op.create_table(
        "exercise_ratings",
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("var", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.PrimaryKeyConstraint("exercise_id", name="pk_exercise_ratings"),
    )
    op.create_table(
        "activity_days",
        _user(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("solved", sa.Integer(), nullable=False),
        _user_fk("activity_days"),
        sa.PrimaryKeyConstraint("user_id", "day", name="pk_activity_days"),
    )
    op.create_table(
        "badges",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        _user(),
        sa.Column("badge", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        _user_fk("badges"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name="fk_badges_submission_id_submissions", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_badges"),
        sa.UniqueConstraint("user_id", "badge", name="uq_badges_user_badge"),
    )
    op.create_table(
        "daily_assignments",
        _user(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("review", sa.Boolean(), nullable=False),
        sa.Column("predicted", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        _user_fk("daily_assignments"),
        sa.PrimaryKeyConstraint("user_id", "day", "position", name="pk_daily_assignments"),
    )


def downgrade() -> None:
    for table in ("daily_assignments", "badges", "activity_days", "exercise_ratings", "skills", "learner_profiles"):
        op.drop_table(table)
