"""Alembic migrations of the API schema."""
