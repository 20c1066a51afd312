"""media metadata, provenance and groups; publisher accounts; publications by request

Revision ID: 0003_media_metadata
Revises: 0002_folders
Create Date: 2026-12-02 16:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_media_metadata"
down_revision = "0002_folders"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_at", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("metadata", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("group_id", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("provenance_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("provenance_source", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("provenance_id", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("copied_at", UTC_DATETIME, nullable=True))
        batch_op.alter_column("size", existing_type=sa.BigInteger(), nullable=True)
    # The free-form "origin" of earlier versions is the metadata mapping now; "backfilled_at"
    # is when the bytes were copied. Nothing else ever wrote them.
    op.execute("UPDATE media_items SET metadata = origin WHERE origin IS NOT NULL")
    op.execute("UPDATE media_items SET copied_at = backfilled_at WHERE backfilled_at IS NOT NULL")
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.drop_index("ix_media_items_origin_id")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("origin")
        batch_op.drop_column("backfilled_at")
        batch_op.create_index("ix_media_items_source_group", ["source_id", "group_id"])
        batch_op.create_index(
            "ix_media_items_source_provenance",
            ["source_id", "provenance_source", "provenance_id"],
        )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "publisher_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publisher_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_publisher_accounts_name")),
    )
    # The first publications table was never written by any release: replaced, not migrated.
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index("ix_publications_item")
    op.drop_table("publications")
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("publisher_type", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("request_key", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("remote_id", sa.String(length=200), nullable=True),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("journal", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index("ix_publications_request_key", ["request_key"])
        batch_op.create_index("ix_publications_account_created", ["account", "created_at"])


def downgrade() -> None:
    raise NotImplementedError("mediasync never downgrades a database (see mediasync._db.migrate)")
