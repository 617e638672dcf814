"""LTI 1.3: course enrolments from launches, gradebook line items, the grade passback queue

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_enrolments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_lti_enrolments_user_id_users"), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("context_title", sa.String(255), nullable=False),
        sa.Column("hub_group", sa.String(255), nullable=False),
        sa.Column("lms_subject", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("lineitems_url", sa.Text(), nullable=True),
        sa.Column("scopes", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lti_enrolments"),
        sa.UniqueConstraint("user_id", "issuer", "deployment_id", "context_id", name="uq_lti_enrolments_user_course"),
    )
    op.create_index("ix_lti_enrolments_hub_group", "lti_enrolments", ["hub_group"])
    op.create_table(
        "lti_line_items",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("lineitems_url", sa.Text(), nullable=False),
        sa.Column("item_key", sa.String(120), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lti_line_items"),
        sa.UniqueConstraint("lineitems_url", "item_key", name="uq_lti_line_items_url_key"),
    )
    op.create_table(
        "lti_scores",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_lti_scores_user_id_users"), nullable=False),
        sa.Column("enrolment_id", sa.BigInteger(), sa.ForeignKey("lti_enrolments.id", ondelete="CASCADE", name="fk_lti_scores_enrolment_id_lti_enrolments"), nullable=False),
        sa.Column("item_key", sa.String(120), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lti_scores"),
        sa.UniqueConstraint("enrolment_id", "item_key", name="uq_lti_scores_enrolment_item"),
    )
    op.create_index("ix_lti_scores_due", "lti_scores", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("lti_scores")
    op.drop_table("lti_line_items")
    op.drop_table("lti_enrolments")
