"""media facts: which reader read an item's bytes; indexes for capture times and duplicates

Revision ID: 0004_media_facts
Revises: 0003_media_metadata
Create Date: 2026-12-02 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_media_facts"
down_revision = "0003_media_metadata"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Items indexed before keep NULL: ``mediasync items refresh-metadata`` reads their facts.
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts_version", sa.SmallInteger(), nullable=True))
        batch_op.create_index("ix_media_items_source_taken", ["source_id", "taken_at"])
        batch_op.create_index("ix_media_items_taken", ["taken_at"])
        batch_op.drop_index("ix_media_items_sha256")
    if op.get_bind().dialect.name == "postgresql":
        # Hex digests compare byte by byte: the database's locale collation (even C.UTF-8)
        # compares through strcoll, which doubled the time of grouping a million hashes.
        op.alter_column(
            "media_items",
            "sha256",
            type_=sa.String(length=64, collation="C"),
            existing_type=sa.String(length=64),
            existing_nullable=True,
        )
    # ``duplicates`` groups the active items' bytes (hash, size) from this index alone.
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.create_index("ix_media_items_sha256", ["sha256", "size", "active", "source_id"])


def downgrade() -> None:
    raise NotImplementedError("mediasync never downgrades a database (see mediasync._db.migrate)")
