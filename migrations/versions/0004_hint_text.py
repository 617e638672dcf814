"""the text of hints a model wrote (judged with later answers by the leak filter)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hint_events", sa.Column("text", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("hint_events", "text")
