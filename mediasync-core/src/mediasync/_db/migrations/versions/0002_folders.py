"""folders: media_items.folder and source_folders (per-folder fingerprints)

Revision ID: 0002_folders
Revises: 0001_initial
Create Date: 2026-12-02 05:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_folders"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# The path up to its last "/", without it: rtrim(path, <every character but "/">) keeps the
# path up to and including its last "/". The same expression works on SQLite and PostgreSQL.
FOLDER_OF_PATH = "rtrim(rtrim(path, replace(path, '/', '')), '/')"


def upgrade() -> None:
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folder", sa.Text(), server_default="", nullable=False))
    op.execute(f"UPDATE media_items SET folder = {FOLDER_OF_PATH}")
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.create_index("ix_media_items_source_folder", ["source_id", "folder"], unique=False)
    op.create_table(
        "source_folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_source_folders_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_folders")),
    )
    with op.batch_alter_table("source_folders", schema=None) as batch_op:
        batch_op.create_index(
            "uq_source_folders_source_folder", ["source_id", "folder"], unique=True
        )
    # Every folder holding an active item gets its row, with no fingerprint yet: the first
    # sync after the upgrade reads each folder once and records it.
    op.execute(
        "INSERT INTO source_folders (source_id, folder) "
        "SELECT DISTINCT source_id, folder FROM media_items WHERE active"
    )


def downgrade() -> None:
    with op.batch_alter_table("source_folders", schema=None) as batch_op:
        batch_op.drop_index("uq_source_folders_source_folder")
    op.drop_table("source_folders")
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.drop_index("ix_media_items_source_folder")
        batch_op.drop_column("folder")
