"""Table definitions (SQLAlchemy Core), the single truth the migrations are written against.

Times are timezone-aware UTC. File modification times are integer microseconds since the epoch
(``mtime_us``): exact to compare, cheap to index, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UTCDateTime = DateTime(timezone=True)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    Column("root", Text),
    Column("settings", JSON, nullable=False, default=dict),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("interval_seconds", Integer),
    Column("strategy", String(100)),
    Column("cursor", Text),
    Column("root_identity", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Scheduling: who holds the source now, until when, and when it is next due.
    Column("lease_owner", String(200)),
    Column("lease_expires_at", UTCDateTime),
    Column("next_due_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, default=0),
)

media_items = Table(
    "media_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("path", Text, nullable=False),
    # The path up to its last "/" ("" at the root): what a folder's rows are fetched by.
    Column("folder", Text, nullable=False, server_default=""),
    Column("name", Text, nullable=False),
    # Unknown for feeds that do not report it (an Instagram media's size before download).
    Column("size", BigInteger),
    Column("mtime_us", BigInteger, nullable=False),
    # Compared byte by byte on PostgreSQL (see migration 0004): SQLite's default already is.
    Column("sha256", String(64).with_variant(String(64, collation="C"), "postgresql")),
    Column("native_hash", String(200)),
    Column("mime_type", String(200)),
    Column("kind", String(20), nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("duration", Float),
    Column("active", Boolean, nullable=False, default=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime),
    # When the item took the identifier it holds (``external_id``) from a file other than its
    # first (a file replaced at its path, bytes back at theirs); NULL: at first sight. A copy
    # made before it names the identifier of another item (see ``_sync.copies.is_copy_of``).
    Column("identified_at", UTCDateTime),
    # What the source says about the media beyond the file (MediaEntry's metadata fields);
    # ``revision`` is compared by the diff, so an edited caption updates the item.
    Column("taken_at", UTCDateTime),
    Column("metadata", JSON(none_as_null=True)),
    Column("revision", String(200)),
    Column("group_id", String(500)),
    Column("position", Integer),
    # Where copied bytes came from (``Provenance``): what makes ``copy`` idempotent.
    Column("provenance_type", String(100)),
    Column("provenance_source", String(200)),
    Column("provenance_id", String(500)),
    Column("copied_at", UTCDateTime),
    # The version of the media-facts readers that read this item's bytes (taken_at, width,
    # height, duration, camera); NULL: never read (indexed before, or a remote source's).
    Column("facts_version", SmallInteger),
    # One active item per source identifier; removed items may share it (their history).
    Index(
        "uq_media_items_active_external_id",
        "source_id",
        "external_id",
        unique=True,
        sqlite_where=text("active"),  # and postgresql_where: see ``add_postgresql_options``
    ),
    Index("ix_media_items_source_external_id", "source_id", "external_id"),
    Index("ix_media_items_source_path", "source_id", "path"),
    Index("ix_media_items_source_folder", "source_id", "folder"),
    # Covering for ``duplicates`` (grouping the active items' bytes, hash and size, reads the
    # index alone, in its order) and still the lookup of content twins by hash.
    Index("ix_media_items_sha256", "sha256", "size", "active", "source_id"),
    Index("ix_media_items_source_group", "source_id", "group_id"),
    Index("ix_media_items_source_provenance", "source_id", "provenance_source", "provenance_id"),
    # ``items list --taken-since/--taken-until``: one source's date range, or every source's.
    Index("ix_media_items_source_taken", "source_id", "taken_at"),
    Index("ix_media_items_taken", "taken_at"),
)

COUNT_ACTIVE_ON_SQLITE = (
    "SELECT count(*) FROM media_items INDEXED BY uq_media_items_active_external_id "
    "WHERE source_id = ? AND active"
)
"""One source's active items, counted in the partial index that holds only those: SQLite,
without statistics, counted them through an index of every item, reading each row to test
``active`` (31 ms per 100,000 items against 10 ms). SQLAlchemy cannot write ``INDEXED BY``."""

ACTIVE_IDS_ON_SQLITE = (
    "SELECT id FROM media_items INDEXED BY uq_media_items_active_external_id "
    "WHERE source_id = ? AND active"
)
"""The ids of one source's active items from the same partial index, in no particular order."""

source_id_as_filter = media_items.c.source_id + 0
"""``media_items.source_id`` as an expression no index serves, for reading items by hash within
sources. Without statistics SQLite takes the equality on ``source_id`` over the ``IN`` on the
hash and walks every item of the source (an index led by ``source_id``): 100,000 rows read to
find the twins of 250 new files on each re-sync. So tested, it reads the hash index and checks
the source on each row found; PostgreSQL, which keeps statistics, does that anyway."""

source_folders = Table(
    "source_folders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("folder", Text, nullable=False),
    # A source's digest of the folder's files as last indexed; NULL once anything in the folder
    # was written since (see mediasync._sync.folders). Every folder holding an active item of
    # the source has a row, so that a sync can find the items of folders that vanished.
    Column("fingerprint", Text),
    Index("uq_source_folders_source_folder", "source_id", "folder", unique=True),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("strategy", String(100), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("worker", String(200)),
    Column("status", String(20), nullable=False),
    Column("due_at", UTCDateTime),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("added", Integer, nullable=False, default=0),
    Column("modified", Integer, nullable=False, default=0),
    Column("renamed", Integer, nullable=False, default=0),
    Column("moved", Integer, nullable=False, default=0),
    Column("removed", Integer, nullable=False, default=0),
    Column("restored", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("held_removals", Integer, nullable=False, default=0),
    Column("metadata", Integer, nullable=False, default=0, server_default="0"),
    Column("error", Text),
    Index("ix_sync_runs_source_started", "source_id", "started_at"),
)

media_events = Table(
    "media_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("media_items.id", ondelete="CASCADE"), nullable=False),
    Column("sync_run_id", Integer, ForeignKey("sync_runs.id", ondelete="SET NULL")),
    Column("kind", String(20), nullable=False),
    Column("old_path", Text),
    Column("new_path", Text),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", JSON),
    Index("ix_media_events_item", "item_id"),
)

publisher_accounts = Table(
    "publisher_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("type", String(100), nullable=False),
    # Secrets sealed exactly like a source's (see mediasync._settings.seal_settings).
    Column("settings", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True),
    # The account's name, kept as written: the history outlives a removed account.
    Column("account", String(200), nullable=False),
    Column("publisher_type", String(100), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("caption", Text),
    # The published items, in order (a carousel has several).
    Column("item_ids", JSON, nullable=False),
    # account, kind and item ids in one string: "published before?" is one indexed lookup.
    Column("request_key", String(500), nullable=False),
    Column("status", String(20), nullable=False),
    Column("remote_id", String(200)),
    Column("permalink", Text),
    Column("error", Text),
    # The publisher's step results (``PublicationJournal``), each written before it goes on.
    Column("journal", JSON, nullable=False, default=dict),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_publications_request_key", "request_key"),
    Index("ix_publications_account_created", "account", "created_at"),
)

plugin_state = Table(
    "plugin_state",
    metadata,
    Column("plugin", String(100), primary_key=True),
    Column("scope", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", JSON),
    Column("updated_at", UTCDateTime, nullable=False),
)


def add_postgresql_options() -> None:
    """Gives the tables their PostgreSQL-only options; called when a PostgreSQL engine is made.

    Naming ``postgresql_where`` in the table above would import SQLAlchemy's PostgreSQL dialect
    in every process, SQLite users' included (a tenth of ``mediasync sync``'s start-up).
    """
    index = next(i for i in media_items.indexes if i.name == "uq_media_items_active_external_id")
    if index.dialect_options["postgresql"]["where"] is None:
        index.dialect_options["postgresql"]["where"] = text("active")
