"""what models told a student in the tutor, kept apart from the conversations

The leak filter judges each answer with what models said before on the exercise; it read that
from the conversations, so deleting a conversation wiped it and a solution could be asked for
again piece by piece. The answers written since are copied from the conversations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tutor_disclosures",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_tutor_disclosures_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_tutor_disclosures"),
    )
    op.create_index("ix_tutor_disclosures_user_exercise", "tutor_disclosures", ["user_id", "exercise_id"])
    op.execute("""
        INSERT INTO tutor_disclosures (user_id, exercise_id, text, created_at)
        SELECT c.user_id, c.exercise_id, m.content, m.created_at
        FROM tutor_messages m JOIN tutor_conversations c ON m.conversation_id = c.id
        WHERE m.role = 'assistant' AND m.source NOT IN ('offline', 'guardrail', 'student')
        ORDER BY m.id
    """)


def downgrade() -> None:
    op.drop_table("tutor_disclosures")
