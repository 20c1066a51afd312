"""Nodes as JSON: IG Media, IG User, Facebook User and Page, with only the requested fields.

Facts from the IG Media reference (developers.facebook.com/docs/instagram-platform/reference/
instagram-media): ``media_type`` is ``IMAGE``, ``VIDEO`` or ``CAROUSEL_ALBUM``;
``media_product_type`` is ``AD``, ``FEED``, ``STORY`` or ``REELS`` and "available for Instagram
API with Facebook Login only"; ``media_url`` "is omitted from responses if the media contains
copyrighted material"; ``thumbnail_url`` is "only available on VIDEO media"; ``timestamp`` is
ISO 8601 in UTC, written ``2019-09-26T22:36:43+0000`` in the reference's sample; ``owner`` is
``{"id": …}``; ``caption`` "excludes album children" and fields "such as permalink cannot be
used on photos within albums (children)"; ``is_shared_to_feed`` is "for Reels only";
``like_count`` "is omitted if the media owner has hidden like counts". The ``children`` edge
expands to ``{"data": [...]}``. The node's ``id`` is always returned.

Stricter than the documentation: an album's own ``media_url`` is omitted (the docs do not say
what it holds; a client must download the children), and documented fields the fake does not
model (insights, boost and copyright details…) are a loud ``not implemented`` error.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fakes.instagram._cdn import CdnSigner
from fakes.instagram._errors import nonexisting_field, not_implemented
from fakes.instagram._fields import Field, Fields
from fakes.instagram._model import Account, FacebookUser, GraphStore, Media, Page

__all__ = ["FACEBOOK_USER_DEFAULT", "ID_ONLY", "PAGE_DEFAULT", "Renderer", "iso_timestamp"]

Host = Literal["instagram", "facebook"]
ID_ONLY: Fields = {"id": Field("id")}
FACEBOOK_USER_DEFAULT: Fields = {"id": Field("id"), "name": Field("name")}

MEDIA_FIELDS = frozenset(
    {
        "alt_text",
        "caption",
        "children",
        "comments_count",
        "id",
        "is_comment_enabled",
        "is_shared_to_feed",
        "like_count",
        "media_audio_type",
        "media_product_type",
        "media_type",
        "media_url",
        "owner",
        "permalink",
        "shortcode",
        "thumbnail_url",
        "timestamp",
        "username",
    }
)
MEDIA_NOT_MODELLED = frozenset(
    {
        "boost_ads_list",
        "boost_eligibility_info",
        "collaborators",
        "comments",
        "copyright_check_information",
        "ig_id",
        "insights",
        "is_ai_generated",
        "legacy_instagram_media_id",
        "reposts_count",
        "saved_count",
        "shares_count",
        "total_comments_count",
        "total_like_count",
        "total_views_count",
        "view_count",
    }
)
USER_FIELDS: dict[Host, frozenset[str]] = {
    "instagram": frozenset(
        {
            "account_type",
            "followers_count",
            "follows_count",
            "id",
            "media_count",
            "name",
            "profile_picture_url",
            "user_id",
            "username",
        }
    ),
    "facebook": frozenset(
        {
            "biography",
            "followers_count",
            "follows_count",
            "id",
            "ig_id",
            "media_count",
            "name",
            "profile_picture_url",
            "username",
            "website",
        }
    ),
}
PAGE_FIELDS = frozenset({"access_token", "category", "id", "instagram_business_account", "name"})
PAGE_DEFAULT: Fields = {
    name: Field(name) for name in ("access_token", "category", "name", "id", "tasks")
}


def iso_timestamp(epoch: float) -> str:
    """``2019-09-26T22:36:43+0000``: the format of the IG Media reference's sample."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))


def _with_id(out: dict[str, Any], node_id: str) -> dict[str, Any]:
    out.setdefault("id", node_id)
    return out


class Renderer:
    """Renders nodes for one host; ``instagram_omits`` are the Facebook-Login-only fields."""

    def __init__(
        self, store: GraphStore, cdn: CdnSigner, host: Host, instagram_omits: frozenset[str]
    ) -> None:
        self.store = store
        self.cdn = cdn
        self.host = host
        self.omits = instagram_omits if host == "instagram" else frozenset()

    # -- IG Media ----------------------------------------------------------------------------

    def media(self, media: Media, fields: Fields) -> dict[str, Any]:
        node_type = "ShadowIGMedia" if self.host == "facebook" else "IGMedia"
        out: dict[str, Any] = {}
        for name, field in fields.items():
            if name in MEDIA_NOT_MODELLED:
                raise not_implemented(f"the IG Media field {name!r}")
            if name not in MEDIA_FIELDS:
                raise nonexisting_field(name, node_type)
            if name in self.omits:
                continue
            value = self._media_value(media, name, field)
            if value is not None:
                out[name] = value
        return _with_id(out, media.id)

    def _media_value(self, media: Media, name: str, field: Field) -> Any:
        account = self.store.accounts[media.account_id]
        child = media.is_child
        video = media.media_type == "VIDEO"
        simple: dict[str, Any] = {
            "id": media.id,
            "media_type": media.media_type,
            "media_product_type": media.product_type,
            "shortcode": media.shortcode,
            "timestamp": iso_timestamp(media.timestamp),
            "username": account.username,
            "owner": {"id": account.id},
            "caption": None if child else media.caption,
            "comments_count": None if child else media.comments_count,
            "is_comment_enabled": None if child else True,
            "like_count": None if child or account.hide_like_counts else media.like_count,
            "is_shared_to_feed": media.shared_to_feed if media.product_type == "REELS" else None,
            "alt_text": media.alt_text if media.media_type == "IMAGE" else None,
            "media_audio_type": "ORIGINAL_SOUND" if video else None,
        }
        if name in simple:
            return simple[name]
        if name == "media_url":
            if media.copyrighted or media.media_type == "CAROUSEL_ALBUM":
                return None
            return self.cdn.url(media, "n")
        if name == "thumbnail_url":
            return self.cdn.url(media, "t") if video else None
        if name == "permalink":
            return None if child else self._permalink(media, account)
        # children: the edge, expanded
        if media.media_type != "CAROUSEL_ALBUM":
            return None
        kids = [c for c in media.children if not c.deleted]
        if field.limit is not None:
            kids = kids[: field.limit]
        return {"data": [self.media(kid, field.sub or ID_ONLY) for kid in kids]}

    @staticmethod
    def _permalink(media: Media, account: Account) -> str:
        if media.is_story:
            return f"https://www.instagram.com/stories/{account.username}/{media.id}/"
        kind = "reel" if media.product_type == "REELS" else "p"
        return f"https://www.instagram.com/{kind}/{media.shortcode}/"

    # -- IG User -----------------------------------------------------------------------------

    def user(self, account: Account, fields: Fields) -> dict[str, Any]:
        node_type = "ShadowIGUser" if self.host == "facebook" else "IGUser"
        media_count = sum(1 for m in account.media if not m.deleted)
        values: dict[str, Any] = {
            "id": account.app_scoped_id if self.host == "instagram" else account.id,
            "user_id": account.id,
            "ig_id": int(account.id[-10:]),
            "username": account.username,
            "name": account.name,
            "account_type": account.account_type,
            "biography": f"{account.name} on the fake Graph API",
            "website": "https://example.com/",
            "followers_count": account.followers_count,
            "follows_count": account.follows_count,
            "media_count": media_count,
            "profile_picture_url": f"{self.cdn.base_url}/v/t51.2885-19/{account.id}_p.jpg",
        }
        out: dict[str, Any] = {}
        for name in fields:
            if name in {"media", "stories", "tags", "insights", "live_media", "business_discovery"}:
                raise not_implemented(f"the {name!r} expansion on an IG User")
            if name not in USER_FIELDS[self.host]:
                raise nonexisting_field(name, node_type)
            out[name] = values[name]
        return _with_id(out, values["id"])

    # -- Facebook User and Page --------------------------------------------------------------

    @staticmethod
    def facebook_user(user: FacebookUser, fields: Fields) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in fields:
            if name not in {"id", "name"}:
                raise nonexisting_field(name, "User")
            out[name] = user.id if name == "id" else user.name
        return _with_id(out, user.id)

    def page(self, page: Page, fields: Fields) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in fields.items():
            if name == "tasks":
                out[name] = ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]
            elif name not in PAGE_FIELDS:
                raise nonexisting_field(name, "Page")
            elif name == "instagram_business_account":
                linked = page.instagram_account_id
                if linked is not None:
                    account = self.store.accounts[linked]
                    out[name] = self.user(account, field.sub or ID_ONLY)
            else:
                out[name] = {
                    "id": page.id,
                    "name": page.name,
                    "category": "Creator",
                    "access_token": page.access_token,
                }[name]
        return _with_id(out, page.id)
