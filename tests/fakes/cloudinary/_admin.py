"""The Admin API: ping, usage, listing (all, by tag), one resource, and bulk deletes.

Authentication is HTTP Basic with the API key and secret ("Admin API reference: Overview");
an unknown key answers 401 ``Unknown API key …`` and a wrong secret 401 ``api_secret mismatch``.

The Admin API is rate limited per hour (500 calls on free plans): every authenticated call
counts, every answer carries ``X-FeatureRateLimit-Limit``, ``-Remaining`` and ``-Reset`` (an
RFC 1123 date, which the SDK parses with ``email.utils.parsedate``), and a call past the limit
answers 420 "Rate Limit Exceeded".

Listings ("Pagination"): ``max_results`` defaults to 10 and may not exceed 500; ordered by
creation time, newest first unless ``direction=asc``; more results leave a ``next_cursor`` to
send back. Cursors are opaque, bound to the query that made them (a cursor from another query is
"Invalid value for parameter next_cursor") and point after the last asset returned, so deleting
assets between pages skips none. Tags appear in listings only with ``tags=true``. Deletes
("Delete resources", "Delete resources by tags"): up to 100 public ids, or up to 1000 assets per
call by tag, prefix or ``all``; when more remain the answer is ``partial`` with a ``next_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from fakes.cloudinary._delivery import asset_url
from fakes.cloudinary._model import Answer, ApiError, Asset, RemovalHow, Settings, Store
from fakes.cloudinary._upload import iso_time

__all__ = ["AdminApi", "Params", "RateLimit"]

Params = dict[str, list[str]]
DEFAULT_RESULTS = 10
MAX_RESULTS = 500
MAX_PUBLIC_IDS = 100
DELETE_BATCH = 1000


@dataclass
class RateLimit:
    """The Admin API's hourly allowance, on the fake's clock."""

    limit: int
    used: int = 0
    hour: int = -1

    def roll(self, now: float) -> None:
        """Starts a fresh allowance when the hour has changed."""
        hour = int(now // 3600)
        if hour != self.hour:
            self.hour, self.used = hour, 0

    def take(self, now: float) -> dict[str, str]:
        self.roll(now)
        headers = self.headers(now)
        if self.used >= self.limit:
            raise ApiError(420, "Rate Limit Exceeded", headers)
        self.used += 1
        return self.headers(now)

    def headers(self, now: float) -> dict[str, str]:
        reset = datetime.fromtimestamp((int(now // 3600) + 1) * 3600, UTC)
        return {
            "X-FeatureRateLimit-Limit": str(self.limit),
            "X-FeatureRateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-FeatureRateLimit-Reset": format_datetime(reset, usegmt=True),
        }


def _first(params: Params, name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _flag(params: Params, name: str) -> bool:
    return (_first(params, name) or "").lower() in {"true", "1"}


class AdminApi:
    def __init__(self, store: Store, settings: Settings, rate: RateLimit) -> None:
        self.store = store
        self.settings = settings
        self.rate = rate
        self._cursor_key = secrets.token_bytes(16)

    # -- authentication and rate limit -------------------------------------------------------

    def admit(self, basic: tuple[str, str] | None, bearer: bool) -> dict[str, str]:
        """Checks credentials, then takes one call from the hour's allowance."""
        if bearer:
            raise ApiError(401, "Invalid token")
        if basic is None:
            raise ApiError(401, "Must supply api_key")
        key, secret = basic
        if key != self.settings.api_key:
            raise ApiError(401, f"Unknown API key {key}")
        if secret != self.settings.api_secret:
            raise ApiError(401, "api_secret mismatch")
        with self.store.lock:
            return self.rate.take(self.store.clock.now())

    # -- small calls -------------------------------------------------------------------------

    def ping(self) -> Answer:
        return Answer(200, {"status": "ok"})

    def usage(self) -> Answer:
        with self.store.lock:
            assets = list(self.store.assets.values())
        limits = {
            f"{kind}_max_size_bytes": size for kind, size in self.settings.max_file_size.items()
        }
        return Answer(
            200,
            {
                "last_updated": iso_time(self.store.clock.now())[:10],
                "resources": len(assets),
                "derived_resources": sum(len(a.derived) for a in assets),
                "storage": {"usage": sum(a.size for a in assets)},
                "media_limits": limits,
            },
        )

    # -- listings ----------------------------------------------------------------------------

    def list_resources(
        self, resource_type: str, delivery_type: str | None, params: Params
    ) -> Answer:
        prefix = _first(params, "prefix") or ""
        return self._listing(
            f"list|{resource_type}|{delivery_type}|{prefix}",
            params,
            lambda a: (
                a.resource_type == resource_type
                and (delivery_type is None or a.type == delivery_type)
                and a.public_id.startswith(prefix)
            ),
        )

    def resources_by_tag(self, resource_type: str, tag: str, params: Params) -> Answer:
        return self._listing(
            f"tag|{resource_type}|{tag}",
            params,
            lambda a: a.resource_type == resource_type and tag in a.tags,
        )

    def _listing(self, query: str, params: Params, wanted: Callable[[Asset], bool]) -> Answer:
        limit = self._max_results(params)
        direction = (_first(params, "direction") or "desc").lower()
        if direction not in {"asc", "desc", "1", "-1"}:
            raise ApiError(400, f"Invalid value for parameter direction: {direction}")
        descending = direction in {"desc", "-1"}
        query = f"{query}|{'desc' if descending else 'asc'}"
        with self.store.lock:
            matched = sorted(
                (a for a in self.store.assets.values() if wanted(a)),
                key=lambda a: (a.created_at, a.public_id),
                reverse=descending,
            )
        cursor = _first(params, "next_cursor")
        if cursor:
            after = self._read_cursor(cursor, query)
            if descending:
                matched = [a for a in matched if (a.created_at, a.public_id) < after]
            else:
                matched = [a for a in matched if (a.created_at, a.public_id) > after]
        page = matched[:limit]
        body: dict[str, Any] = {
            "resources": [self._entry(a, tags=_flag(params, "tags")) for a in page]
        }
        if len(matched) > limit:
            body["next_cursor"] = self._cursor(query, page[-1])
        return Answer(200, body)

    def _max_results(self, params: Params) -> int:
        raw = _first(params, "max_results")
        if raw is None:
            return DEFAULT_RESULTS
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_RESULTS:
            raise ApiError(400, f"Value of max_results must be between 1 and {MAX_RESULTS}")
        return int(raw)

    def _cursor(self, query: str, last: Asset) -> str:
        payload = json.dumps([query, last.created_at, last.public_id]).encode()
        mac = hmac.new(self._cursor_key, payload, hashlib.sha256).hexdigest()[:16]
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + mac

    def _read_cursor(self, cursor: str, query: str) -> tuple[float, str]:
        invalid = ApiError(400, "Invalid value for parameter next_cursor")
        encoded, mac = cursor[:-16], cursor[-16:]
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise invalid from None
        expected = hmac.new(self._cursor_key, payload, hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(mac, expected):
            raise invalid
        made_for, created_at, public_id = json.loads(payload)
        if made_for != query:
            raise invalid
        return float(created_at), str(public_id)

    def _entry(self, asset: Asset, *, tags: bool) -> dict[str, Any]:
        url = asset_url(self.settings.base_url, self.settings.cloud_name, asset)
        entry: dict[str, Any] = {"asset_id": asset.asset_id, "public_id": asset.public_id}
        if asset.resource_type != "raw":
            entry["format"] = asset.format
        entry.update(
            version=asset.version,
            resource_type=asset.resource_type,
            type=asset.type,
            created_at=iso_time(asset.created_at),
            bytes=asset.size,
        )
        if asset.resource_type != "raw":
            entry.update(width=asset.width, height=asset.height)
        entry.update(folder=asset.folder, url=url, secure_url=url)
        if tags:
            entry["tags"] = list(asset.tags)
        return entry

    def resource(self, resource_type: str, delivery_type: str, public_id: str) -> Answer:
        with self.store.lock:
            asset = self.store.assets.get((resource_type, delivery_type, public_id))
            derived = list(asset.derived) if asset is not None else []
        if asset is None:
            raise ApiError(404, f"Resource not found - {public_id}")
        body = self._entry(asset, tags=True)
        body["etag"] = asset.etag
        body["original_filename"] = asset.original_filename
        if asset.duration is not None:
            body["duration"] = asset.duration
        base, cloud = self.settings.base_url, self.settings.cloud_name
        body["derived"] = [
            {
                "transformation": d.transformation + (f"/{d.extension}" if d.extension else ""),
                "format": d.format,
                "bytes": d.size,
                "id": d.id,
                "url": asset_url(base, cloud, asset, d),
                "secure_url": asset_url(base, cloud, asset, d),
            }
            for d in derived
        ]
        return Answer(200, body)

    # -- deletes -----------------------------------------------------------------------------

    def delete_resources(self, resource_type: str, delivery_type: str, params: Params) -> Answer:
        public_ids = params.get("public_ids", [])
        if public_ids:
            if len(public_ids) > MAX_PUBLIC_IDS:
                raise ApiError(400, f"Too many public_ids: at most {MAX_PUBLIC_IDS} per call")
            keys = [(resource_type, delivery_type, p) for p in public_ids]
            return self._delete(keys, params, "delete_resources", partial=False)
        prefix = _first(params, "prefix")
        if prefix is None and not _flag(params, "all"):
            raise ApiError(400, "Must specify public_ids, prefix or all")
        return self._delete_matching(
            params,
            lambda a: (
                a.resource_type == resource_type
                and a.type == delivery_type
                and a.public_id.startswith(prefix or "")
            ),
            "delete_resources",
            f"delete|{resource_type}|{delivery_type}|{prefix}",
        )

    def delete_by_tag(self, resource_type: str, tag: str, params: Params) -> Answer:
        return self._delete_matching(
            params,
            lambda a: a.resource_type == resource_type and tag in a.tags,
            "delete_resources_by_tag",
            f"delete-tag|{resource_type}|{tag}",
        )

    def _delete_matching(
        self, params: Params, wanted: Callable[[Asset], bool], how: RemovalHow, query: str
    ) -> Answer:
        cursor = _first(params, "next_cursor")
        if cursor:
            self._read_cursor(cursor, query)
        with self.store.lock:
            matched = sorted(
                (a for a in self.store.assets.values() if wanted(a)),
                key=lambda a: (a.created_at, a.public_id),
            )
        batch = matched[:DELETE_BATCH]
        partial = len(matched) > len(batch)
        answer = self._delete([a.key for a in batch], params, how, partial=partial)
        if len(matched) > len(batch):
            answer.body["next_cursor"] = self._cursor(query, batch[-1])
        return answer

    def _delete(
        self,
        keys: Iterable[tuple[str, str, str]],
        params: Params,
        how: RemovalHow,
        *,
        partial: bool,
    ) -> Answer:
        keep_original = _flag(params, "keep_original")
        deleted: dict[str, str] = {}
        counts: dict[str, dict[str, int]] = {}
        for key in keys:
            public_id = key[2]
            with self.store.lock:
                asset = self.store.assets.get(key)
            if asset is None:
                deleted[public_id] = "not_found"
                counts[public_id] = {"original": 0, "derived": 0}
                continue
            derived = len(asset.derived)
            if keep_original:
                self.store.remove_derived(asset)
            else:
                self.store.remove(key, how)
            deleted[public_id] = "deleted"
            counts[public_id] = {"original": 0 if keep_original else 1, "derived": derived}
        return Answer(200, {"deleted": deleted, "deleted_counts": counts, "partial": partial})
