"""the other exercises a model's answer holds pieces of

The leak filter remembered what models told a student per exercise asked about, so pieces of one
solution asked for under different exercises were each judged alone. Each answer now lists the
other exercises of whose reference solution it holds a notable share; the filter judges later
answers touching one of them with everything the student got of it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tutor_disclosures", sa.Column("touches", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False))
    op.create_index("ix_tutor_disclosures_touching", "tutor_disclosures", ["user_id"], postgresql_where=sa.text("touches <> '[]'::jsonb"))


def downgrade() -> None:
    op.drop_index("ix_tutor_disclosures_touching", table_name="tutor_disclosures")
    op.drop_column("tutor_disclosures", "touches")
