"""the placement check at onboarding

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placement_checks",
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_placement_checks_user_id_users"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_placement_checks"),
    )


def downgrade() -> None:
    op.drop_table("placement_checks")
