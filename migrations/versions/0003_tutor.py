"""tutor conversations, LLM budget and cost ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def _user_fk(table: str):
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "tutor_conversations",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tutor_conversations"),
        _user_fk("tutor_conversations"),
    )
    op.create_index("ix_tutor_conversations_user_exercise", "tutor_conversations", ["user_id", "exercise_id", "id"])
    op.create_table(
        "tutor_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tutor_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["tutor_conversations.id"], name="fk_tutor_messages_conversation_id_tutor_conversations", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_tutor_messages_conversation", "tutor_messages", ["conversation_id", "id"])
    op.create_table(
        "llm_budget_days",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reserved_micro", sa.BigInteger(), nullable=False),
        sa.Column("spent_micro", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_llm_budget_days"),
        sa.UniqueConstraint("user_id", "day", name="uq_llm_budget_days_user_day"),
        sa.CheckConstraint("reserved_micro >= 0 AND spent_micro >= 0", name="ck_llm_budget_days_non_negative"),
        _user_fk("llm_budget_days"),
    )
    op.create_table(
        "llm_costs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reserved_micro", sa.BigInteger(), nullable=False),
        sa.Column("cost_micro", sa.BigInteger(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_llm_costs"),
        _user_fk("llm_costs"),
    )
    op.create_index("ix_llm_costs_user_day", "llm_costs", ["user_id", "day"])


def downgrade() -> None:
    op.drop_table("llm_costs")
    op.drop_table("llm_budget_days")
    op.drop_table("tutor_messages")
    op.drop_table("tutor_conversations")
