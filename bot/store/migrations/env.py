"""Alembic environment: runs on the connection the store hands over (see db.migrate)."""

from alembic import context

from bot.store.fts import is_index_table
from bot.store.tables import metadata


def include_name(name, type_, parent_names):
    """The FTS index's tables and view are created by hand (bot/store/fts.py)."""
    return not (type_ == "table" and name and is_index_table(name))


connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=True, include_name=include_name
)
with context.begin_transaction():
    context.run_migrations()
