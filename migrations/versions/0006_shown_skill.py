"""the shown skill's floor: what %progress shows never drops after a solve

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("skills", sa.Column("shown_floor", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("skills", "shown_floor")
