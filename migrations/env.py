"""Alembic environment: one advisory lock per run, one transaction per migration."""

from alembic import context
from sqlalchemy import create_engine, text

from codementor.api.models import Base

# any constant works; it only has to be the same for every process migrating this database
MIGRATION_LOCK_ID = 7_402_031_771


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
        try:
            context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `codementor db upgrade`")
run_migrations_online()
