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
        # ``duplicates`` groups the active items' hashes from this index alone.
        batch_op.drop_index("ix_media_items_sha256")
        batch_op.create_index("ix_media_items_sha256", ["sha256", "active", "source_id", "size"])


def downgrade() -> None:
    raise NotImplementedError("mediasync never downgrades a database (see mediasync._db.migrate)")
