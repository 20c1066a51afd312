"""identified_at: when an item took the identifier it holds, if not at first sight

Revision ID: 0005_identified_at
Revises: 0004_media_facts
Create Date: 2026-12-03 10:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_identified_at"
down_revision = "0004_media_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Items indexed before keep NULL (their identifier taken at first sight): which of them
    # took another one since was not recorded.
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("mediasync never downgrades a database (see mediasync._db.migrate)")
