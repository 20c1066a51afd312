"""The fake's state: accounts and their media, containers, Facebook users, Pages, tokens, a clock.

Everything sits in memory behind one re-entrant lock. The clock is real time plus an offset a
test moves with ``advance``, so stories age out, tokens expire and CDN URLs lapse without
sleeping. Ids have the shapes the API uses (17841… for Instagram accounts, 17…/18… media),
counted so a test run is reproducible.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

from media_factory import jpeg_bytes, mp4_bytes

from fakes.instagram._containers import Container, Publication

__all__ = [
    "DAY",
    "LONG_LIVED_SECONDS",
    "Account",
    "Clock",
    "FacebookUser",
    "GraphStore",
    "Media",
    "MediaType",
    "Page",
    "ProductType",
    "Token",
]

DAY = 86_400
LONG_LIVED_SECONDS = 60 * DAY
"""Long-lived Instagram tokens, and refreshed ones, last 60 days (refresh_access_token page)."""
SHORT_LIVED_SECONDS = 3_600
"""Business-login tokens are short-lived, valid one hour (Instagram Login "Get Started")."""

MediaType = Literal["IMAGE", "VIDEO", "CAROUSEL_ALBUM"]
ProductType = Literal["FEED", "REELS", "STORY", "AD"]
Flavour = Literal["instagram", "facebook"]


class Clock:
    """Real time shifted by ``offset`` seconds; ``advance`` moves it forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass(eq=False)
class Media:
    """One IG Media: a post, a reel, a story or a carousel child."""

    id: str
    account_id: str
    media_type: MediaType
    product_type: ProductType
    timestamp: int
    shortcode: str
    caption: str | None = None
    data: bytes | None = field(default=None, repr=False)
    thumbnail: bytes | None = field(default=None, repr=False)
    children: list[Media] = field(default_factory=list, repr=False)
    parent_id: str | None = None
    copyrighted: bool = False
    """``media_url`` is omitted (IG Media reference: copyrighted material, e.g. reel audio)."""
    shared_to_feed: bool | None = None
    alt_text: str | None = None
    like_count: int = 0
    comments_count: int = 0
    deleted: bool = False

    @property
    def is_story(self) -> bool:
        return self.product_type == "STORY"

    @property
    def is_child(self) -> bool:
        return self.parent_id is not None

    @property
    def content_type(self) -> str:
        return "video/mp4" if self.media_type == "VIDEO" else "image/jpeg"


@dataclass(eq=False)
class Account:
    """An Instagram professional account; ``media`` holds feed posts and reels, newest first."""

    id: str
    app_scoped_id: str
    username: str
    name: str
    page_id: str
    facebook_user_id: str
    account_type: str = "BUSINESS"
    followers_count: int = 0
    follows_count: int = 0
    media: list[Media] = field(default_factory=list, repr=False)
    stories: list[Media] = field(default_factory=list, repr=False)
    hide_like_counts: bool = False
    revision: int = 0
    """Bumped when media is added or removed; strict cursors carry it."""
    cursor_epoch: int = 0
    """Bumped by ``invalidate_cursors``: every cursor minted before fails."""


@dataclass(eq=False)
class Page:
    id: str
    name: str
    instagram_account_id: str | None
    access_token: str


@dataclass(eq=False)
class FacebookUser:
    id: str
    name: str
    page_ids: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Token:
    """An access token: whose it is, which login flavour issued it, and when it lapses."""

    value: str = field(repr=False)
    flavour: Flavour
    subject: str
    """The Instagram account id (Instagram Login) or the Facebook user id (Facebook Login)."""
    issued_at: float
    expires_at: float
    long_lived: bool = True
    invalid_subcode: int | None = None
    """Set when the token was invalidated (460 password changed, 458 app removed…)."""


class GraphStore:
    """All state of one fake; public methods take the lock."""

    def __init__(self, clock: Clock) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.app_scoped: dict[str, str] = {}
        self.media: dict[str, Media] = {}
        self.pages: dict[str, Page] = {}
        self.facebook_users: dict[str, FacebookUser] = {}
        self.tokens: dict[str, Token] = {}
        self.containers: dict[str, Container] = {}
        self.publications: dict[str, list[Publication]] = {}
        """Per account id, every successful ``media_publish`` in order."""
        self._counter = itertools.count(1)

    # -- ids ---------------------------------------------------------------------------------

    def _next(self) -> int:
        return next(self._counter)

    def new_media_id(self) -> str:
        return str(17_900_000_000_000_000 + self._next() * 7)

    def new_container_id(self) -> str:
        """Containers share the media ids' shape (17…) in a range of their own."""
        return str(17_880_000_000_000_000 + self._next() * 7)

    @staticmethod
    def shortcode(media_id: str) -> str:
        digest = hashlib.sha256(media_id.encode()).hexdigest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        number = int(digest[:20], 16)
        return "".join(alphabet[(number >> (6 * i)) & 63] for i in range(11))

    # -- accounts and people -----------------------------------------------------------------

    def add_facebook_user(self, name: str) -> FacebookUser:
        with self.lock:
            user = FacebookUser(str(10_150_000_000_000_000 + self._next()), name)
            self.facebook_users[user.id] = user
            return user

    def add_account(
        self, username: str, name: str, facebook_user: FacebookUser | None = None
    ) -> Account:
        with self.lock:
            number = self._next()
            owner = facebook_user or self.add_facebook_user(f"{name} (Facebook)")
            page = Page(
                str(100_000_000_000_000 + number),
                f"{name} Page",
                None,
                "EAAP" + secrets.token_urlsafe(24),
            )
            account = Account(
                id=str(17_841_400_000_000_000 + number),
                app_scoped_id=str(26_000_000_000_000_000 + number),
                username=username,
                name=name,
                page_id=page.id,
                facebook_user_id=owner.id,
            )
            page.instagram_account_id = account.id
            self.pages[page.id] = page
            owner.page_ids.append(page.id)
            self.accounts[account.id] = account
            self.app_scoped[account.app_scoped_id] = account.id
            return account

    def account_for(self, node_id: str, flavour: Flavour) -> Account | None:
        """The account an id names; Instagram Login also knows the app-scoped id."""
        with self.lock:
            if node_id in self.accounts:
                return self.accounts[node_id]
            if flavour == "instagram" and node_id in self.app_scoped:
                return self.accounts[self.app_scoped[node_id]]
            return None

    def visible_accounts(self, token: Token) -> set[str]:
        """Accounts a token may read: its own (Instagram Login), or its Pages' (Facebook)."""
        with self.lock:
            if token.flavour == "instagram":
                return {token.subject}
            user = self.facebook_users.get(token.subject)
            if user is None:
                return set()
            linked = (self.pages[p].instagram_account_id for p in user.page_ids)
            return {account for account in linked if account is not None}

    # -- media -------------------------------------------------------------------------------

    def make_media(
        self,
        account: Account,
        media_type: MediaType,
        product_type: ProductType,
        timestamp: int,
        *,
        data: bytes | None = None,
        thumbnail: bytes | None = None,
        parent_id: str | None = None,
        caption: str | None = None,
        copyrighted: bool = False,
        shared_to_feed: bool | None = None,
        alt_text: str | None = None,
        like_count: int = 0,
    ) -> Media:
        with self.lock:
            media_id = self.new_media_id()
            if media_type == "VIDEO":
                data = data if data is not None else mp4_bytes(2048, seed=media_id)
                thumbnail = thumbnail if thumbnail is not None else jpeg_bytes(700, seed=media_id)
            elif media_type == "IMAGE":
                data = data if data is not None else jpeg_bytes(1024, seed=media_id)
            media = Media(
                media_id,
                account.id,
                media_type,
                product_type,
                timestamp,
                self.shortcode(media_id),
                data=data,
                thumbnail=thumbnail,
                parent_id=parent_id,
                caption=caption,
                copyrighted=copyrighted,
                shared_to_feed=shared_to_feed,
                alt_text=alt_text,
                like_count=like_count,
            )
            self.media[media_id] = media
            return media

    def publish(self, account: Account, media: Media) -> Media:
        """Places ``media`` in the account's feed or stories by timestamp (newest first)."""
        with self.lock:
            shelf = account.stories if media.is_story else account.media
            index = 0
            while index < len(shelf) and shelf[index].timestamp > media.timestamp:
                index += 1
            shelf.insert(index, media)
            account.revision += 1
            return media

    def publish_many(self, account: Account, items: list[Media]) -> None:
        """``publish`` for many at once (sorted once: 10,000 posts take milliseconds)."""
        with self.lock:
            account.media = sorted(
                account.media + [m for m in items if not m.is_story], key=lambda m: -m.timestamp
            )
            account.stories = sorted(
                account.stories + [m for m in items if m.is_story], key=lambda m: -m.timestamp
            )
            account.revision += 1

    def delete(self, media: Media) -> None:
        with self.lock:
            target = self.media.get(media.parent_id) if media.parent_id else media
            if target is None:
                return
            account = self.accounts[target.account_id]
            for item in [target, *target.children]:
                item.deleted = True
            shelf = account.stories if target.is_story else account.media
            if target in shelf:
                shelf.remove(target)
            account.revision += 1

    def live_stories(self, account: Account) -> list[Media]:
        """Stories younger than 24 hours (IG User Stories: "only available for 24 hours")."""
        now = self.clock.now()
        with self.lock:
            return [s for s in account.stories if now - s.timestamp < DAY]

    def readable(self, media: Media) -> bool:
        """False for deleted media and for stories past their 24 hours."""
        if media.deleted:
            return False
        return not (media.is_story and self.clock.now() - media.timestamp >= DAY)

    # -- tokens ------------------------------------------------------------------------------

    def issue_token(
        self,
        flavour: Flavour,
        subject: str,
        *,
        age: float = 0.0,
        expires_in: float | None = None,
        long_lived: bool = True,
    ) -> Token:
        now = self.clock.now()
        lifetime = LONG_LIVED_SECONDS if long_lived else SHORT_LIVED_SECONDS
        prefix = "IGAA" if flavour == "instagram" else "EAAG"
        token = Token(
            prefix + secrets.token_urlsafe(32),
            flavour,
            subject,
            issued_at=now - age,
            expires_at=now + (expires_in if expires_in is not None else lifetime - age),
            long_lived=long_lived,
        )
        with self.lock:
            self.tokens[token.value] = token
        return token
