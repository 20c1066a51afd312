"""The fake Graph API publishes as the Content Publishing documentation says, through real httpx,
downloading the media it is given from a small web server of the test's own."""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fakes.instagram import DAY, Account, FakeGraph
from media_factory import jpeg_bytes, mp4_bytes, png_bytes


class MediaHost:
    """A web server holding the files a test asks Instagram to fetch."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.agents: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                host.agents.append(self.headers.get("User-Agent", ""))
                status, headers, body = host.files.get(self.path, (404, {}, b"missing"))
                self.send_response(status)
                for key, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def put(self, name: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.files[f"/{name}"] = (200, {"Content-Type": content_type}, data)
        return f"{self.url}/{name}"

    def redirect(self, name: str, target: str) -> str:
        self.files[f"/{name}"] = (302, {"Location": target}, b"")
        return f"{self.url}/{name}"


def sized_jpeg(width: int, height: int, size: int = 2048, seed: int = 0) -> bytes:
    """A JPEG whose frame header says ``width`` x ``height``."""
    data = jpeg_bytes(size, seed)
    at = data.rindex(b"\xff\xc0\x00\x0b\x08")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


@pytest.fixture
def host() -> Iterator[MediaHost]:
    media = MediaHost()
    media.thread.start()
    yield media
    media.httpd.shutdown()
    media.httpd.server_close()


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


@pytest.fixture
def account(graph: FakeGraph) -> Account:
    return graph.account("bluebottle", posts=3)


@pytest.fixture
def token(graph: FakeGraph, account: Account) -> str:
    return graph.issue_token(account)


class Api:
    """The account's publishing endpoints on one host, with the token in every call."""

    def __init__(self, graph: FakeGraph, client: httpx.Client, account: Account, token: str):
        self.graph, self.client, self.account, self.token = graph, client, account, token
        facebook = graph.token(token).flavour == "facebook"
        self.base = f"{graph.facebook_url if facebook else graph.base_url}/{graph.version}"

    def create(self, **params: Any) -> httpx.Response:
        body = {"access_token": self.token, **params}
        return self.client.post(f"{self.base}/{self.account.id}/media", data=body)

    def container(self, **params: Any) -> str:
        response = self.create(**params)
        assert response.status_code == 200, response.text
        container_id: str = response.json()["id"]
        return container_id

    def status(self, container_id: str) -> dict[str, Any]:
        response = self.client.get(
            f"{self.base}/{container_id}",
            params={"access_token": self.token, "fields": "status_code,status"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait(self, container_id: str, polls: int = 10) -> dict[str, Any]:
        for _ in range(polls):
            body = self.status(container_id)
            if body["status_code"] != "IN_PROGRESS":
                return body
        raise AssertionError(f"{container_id} still IN_PROGRESS")

    def publish(self, container_id: str) -> httpx.Response:
        return self.client.post(
            f"{self.base}/{self.account.id}/media_publish",
            params={"access_token": self.token, "creation_id": container_id},
        )

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.client.get(
            f"{self.base}/{path}", params={"access_token": self.token, **params}
        )
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def api(graph: FakeGraph, client: httpx.Client, account: Account, token: str) -> Api:
    return Api(graph, client, account, token)


def error_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def codes(response: httpx.Response) -> tuple[int, int | None]:
    error = error_of(response)
    return error["code"], error.get("error_subcode")


# -- the happy paths ---------------------------------------------------------------------------


def test_an_image_post_is_fetched_polled_published_and_listed_with_its_caption(
    graph: FakeGraph, api: Api, host: MediaHost, account: Account
) -> None:
    photo = sized_jpeg(1080, 1350)
    url = host.put("photo.jpg", photo)

    container = api.container(image_url=url, caption="Hello #mediasync", alt_text="a cat")

    [fetch] = graph.fetches()
    assert (fetch.url, fetch.purpose, fetch.content_type, fetch.data) == (
        url,
        "image_url",
        "image/jpeg",
        photo,
    )
    assert host.agents[0].startswith("facebookexternalhit/")
    # The fake logs a request right after answering it: wait for the record, briefly.
    deadline = time.monotonic() + 2
    while not graph.calls["user.media.create"] and time.monotonic() < deadline:
        time.sleep(0.005)
    (created,) = [r for r in graph.requests if r.endpoint == "user.media.create"]
    assert created.body["image_url"] == url  # the form body was read
    assert api.status(container)["status_code"] == "IN_PROGRESS"
    assert api.status(container) == {
        "status_code": "FINISHED",
        "status": "Finished: Media has been uploaded and it is ready to be published.",
        "id": container,
    }
    published = api.publish(container)
    media_id = published.json()["id"]
    assert published.status_code == 200
    assert published.json() == {"id": media_id}
    listed = api.get("me/media", fields="id,caption,timestamp,permalink,alt_text,media_url")
    newest = listed["data"][0]
    assert (newest["id"], newest["caption"], newest["alt_text"]) == (
        media_id,
        "Hello #mediasync",
        "a cat",
    )
    assert newest["permalink"].startswith("https://www.instagram.com/p/")
    assert abs(graph.get(media_id).timestamp - graph.now()) < 5
    assert api.client.get(newest["media_url"]).content == photo
    assert api.status(container)["status_code"] == "PUBLISHED"
    assert [m.id for m in graph.published(account)] == [media_id]
    assert graph.container(container).media_id == media_id


def test_a_reel_is_downloaded_when_processing_completes_after_its_polls(
    graph: FakeGraph, client: httpx.Client, account: Account, host: MediaHost
) -> None:
    facebook = Api(graph, client, account, graph.issue_token(account, flavour="facebook"))
    video, cover = mp4_bytes(4096, seed=1), sized_jpeg(1080, 1920)
    body = {
        "access_token": facebook.token,
        "media_type": "REELS",
        "video_url": host.put("reel.mp4", video, "video/mp4"),
        "cover_url": host.put("cover.jpg", cover),
        "share_to_feed": False,  # JSON booleans read as true/false
        "caption": "a reel",
    }
    created = client.post(f"{facebook.base}/{account.id}/media", json=body)
    container = created.json()["id"]

    assert graph.fetches() == []  # videos are fetched by processing, not at creation
    early = facebook.publish(container)
    assert codes(early) == (9007, 2207027)
    assert error_of(early)["error_user_title"] == "Media Not Ready"
    states = [facebook.status(container)["status_code"] for _ in range(4)]
    assert states == ["IN_PROGRESS"] * 3 + ["FINISHED"]
    assert [(f.purpose, f.data) for f in graph.fetches()] == [
        ("video_url", video),
        ("cover_url", cover),
    ]
    media_id = facebook.publish(container).json()["id"]
    reel = facebook.get(media_id, fields="media_type,media_product_type,is_shared_to_feed")
    assert reel == {
        "media_type": "VIDEO",
        "media_product_type": "REELS",
        "is_shared_to_feed": False,
        "id": media_id,
    }
    assert graph.get(media_id).thumbnail == cover
    assert graph.calls["user.media.create"] == 1


def test_a_story_goes_on_the_stories_edge_and_takes_no_caption(api: Api, host: MediaHost) -> None:
    tall = host.put("story.jpg", sized_jpeg(1080, 1920))  # 9:16: a story, not a feed post
    assert codes(api.create(image_url=tall)) == (36003, 2207009)
    refused = api.create(media_type="STORIES", image_url=tall, caption="no")
    assert codes(refused) == (100, None)

    story = api.container(media_type="STORIES", image_url=tall)
    api.wait(story)
    media_id = api.publish(story).json()["id"]

    clip = api.container(
        media_type="STORIES", video_url=host.put("s.mp4", mp4_bytes(99), "video/mp4")
    )
    api.wait(clip)
    clip_id = api.publish(clip).json()["id"]

    stories = api.get("me/stories", fields="media_type")["data"]
    assert stories == [
        {"media_type": "VIDEO", "id": clip_id},
        {"media_type": "IMAGE", "id": media_id},
    ]
    assert not {media_id, clip_id} & {m["id"] for m in api.get("me/media", limit=100)["data"]}
    permalink = api.get(media_id, fields="permalink")["permalink"]
    assert permalink.endswith(f"/stories/bluebottle/{media_id}/")


def test_a_carousel_of_an_image_and_a_video_publishes_as_one_album(
    graph: FakeGraph, api: Api, host: MediaHost, account: Account
) -> None:
    image = api.container(is_carousel_item="true", image_url=host.put("a.jpg", sized_jpeg(8, 8)))
    video = api.container(
        is_carousel_item="true",
        media_type="VIDEO",
        video_url=host.put("b.mp4", mp4_bytes(4096), "video/mp4"),
    )
    children = f"{image}, {video}"  # the guide's example puts a space after the comma

    unfinished = api.create(media_type="CAROUSEL", children=children, caption="two")
    assert codes(unfinished) == (9007, 2207027)
    api.wait(image), api.wait(video)
    album = api.container(media_type="CAROUSEL", children=children, caption="two")
    api.wait(album)
    media_id = api.publish(album).json()["id"]

    body = api.get(media_id, fields="media_type,caption,children{media_type,caption}")
    assert (body["media_type"], body["caption"]) == ("CAROUSEL_ALBUM", "two")
    assert [c["media_type"] for c in body["children"]["data"]] == ["IMAGE", "VIDEO"]
    assert all("caption" not in c for c in body["children"]["data"])
    assert {api.status(c)["status_code"] for c in (image, video)} == {"PUBLISHED"}
    usage = api.get(f"{account.id}/content_publishing_limit")
    assert usage == {"data": [{"quota_usage": 1}]}  # a carousel counts as one post
    assert graph.published(account)[0].children[1].data == mp4_bytes(4096)


# -- what Instagram refuses --------------------------------------------------------------------


def test_carousels_need_two_to_ten_finished_carousel_items_and_no_reels(
    api: Api, host: MediaHost
) -> None:
    url = host.put("a.jpg", sized_jpeg(10, 10))
    items = [api.container(image_url=url, is_carousel_item="true") for _ in range(11)]
    for item in items:
        api.wait(item)
    assert codes(api.create(media_type="CAROUSEL", children=items[0])) == (100, 2207028)
    assert codes(api.create(media_type="CAROUSEL", children=",".join(items))) == (100, 2207028)
    post = api.container(image_url=url)
    api.wait(post)
    mixed = api.create(media_type="CAROUSEL", children=f"{items[0]},{post}")
    assert codes(mixed) == (100, None)
    reel_item = api.create(
        media_type="REELS", video_url=host.put("r.mp4", mp4_bytes(64)), is_carousel_item="true"
    )
    assert codes(reel_item) == (100, None)
    captioned = api.create(image_url=url, is_carousel_item="true", caption="no")
    assert codes(captioned) == (100, None)
    assert codes(api.publish(items[0])) == (100, None)  # an item is published by its carousel


def test_parameters_are_checked_with_the_documented_codes(api: Api, host: MediaHost) -> None:
    url = host.put("a.jpg", sized_jpeg(100, 100))
    video = host.put("v.mp4", mp4_bytes(64), "video/mp4")
    assert codes(api.create(caption="no media")) == (100, None)
    assert codes(api.create(media_type="STORIES", image_url=url, video_url=video)) == (100, None)
    assert codes(api.create(media_type="STORIES")) == (100, None)
    assert codes(api.create(media_type="REELS")) == (100, None)
    unknown = api.create(media_type="PHOTO", image_url=url)
    assert codes(unknown) == (100, 2207023)
    assert "PHOTO" in error_of(unknown)["error_user_msg"]
    assert codes(api.create(media_type="VIDEO", video_url=video)) == (100, None)
    long_caption = api.create(image_url=url, caption="x" * 2201)
    assert codes(long_caption) == (36004, 2207010)
    assert "2201 characters" in error_of(long_caption)["error_user_msg"]
    mentions = " ".join(f"@user{i}" for i in range(21))
    assert codes(api.create(image_url=url, caption=mentions)) == (100, 2207040)
    offset = api.create(media_type="REELS", video_url=video, thumb_offset="-5")
    assert codes(offset) == (1, 2207057)
    assert codes(api.create(media_type="REELS", video_url=video, alt_text="no")) == (100, None)
    assert codes(api.create(image_url=url, captoin="typo")) == (100, None)
    assert codes(api.create(image_url=url, user_tags="[]")) == (100, None)  # not modelled
    assert codes(api.publish("")) == (100, None)


def test_the_same_parameter_twice_and_the_wrong_method_are_refused(
    api: Api, host: MediaHost, account: Account
) -> None:
    url = host.put("a.jpg", sized_jpeg(100, 100))
    twice = api.client.post(
        f"{api.base}/{account.id}/media",
        params={"access_token": api.token, "image_url": url},
        data={"image_url": url + "?other"},
    )
    assert codes(twice) == (100, None)
    got = api.client.get(
        f"{api.base}/{account.id}/media_publish", params={"access_token": api.token}
    )
    assert "Unsupported get request" in error_of(got)["message"]
    posted = api.client.post(f"{api.base}/me/stories", data={"access_token": api.token})
    assert "Unsupported post request" in error_of(posted)["message"]


def test_a_failed_download_is_9004_and_a_redirect_is_not_followed(
    graph: FakeGraph, api: Api, host: MediaHost
) -> None:
    good = host.put("good.jpg", sized_jpeg(100, 100))
    missing = api.create(image_url=f"{host.url}/nothing.jpg")
    assert codes(missing) == (9004, 2207052)
    error = error_of(missing)
    assert error["message"] == "Only photo or video can be accepted as media type."
    assert (
        error["error_user_msg"]
        == f"The media could not be fetched from this uri: {host.url}/nothing.jpg"
    )
    assert error["is_transient"] is False
    assert codes(api.create(image_url=host.redirect("moved.jpg", good))) == (9004, 2207052)
    page = host.put("page.html", sized_jpeg(100, 100), "text/html")
    assert codes(api.create(image_url=page)) == (9004, 2207052)
    assert codes(api.create(image_url="http://example.com/a.jpg")) == (9004, 2207052)
    statuses = [(f.status, f.subcode) for f in graph.fetches()]
    assert statuses == [(404, 2207052), (302, 2207052), (200, 2207052), (None, 2207052)]
    assert len(host.agents) == 3  # the redirect's target was never asked for; example.com never


def test_only_jpeg_within_8_mib_and_the_feed_ratio_is_accepted(api: Api, host: MediaHost) -> None:
    png = api.create(image_url=host.put("a.png", png_bytes(512), "image/png"))
    assert codes(png) == (36001, 2207005)
    assert "png" in error_of(png)["error_user_msg"]
    mpo = sized_jpeg(100, 100)
    mpo = mpo[:2] + b"\xff\xe2\x00\x08MPF\x00\x00\x00" + mpo[2:]
    assert codes(api.create(image_url=host.put("a.mpo", mpo))) == (36001, 2207005)
    big = api.create(image_url=host.put("big.jpg", jpeg_bytes(8 * 1024 * 1024 + 1)))
    assert codes(big) == (36000, 2207004)
    assert error_of(big)["error_user_title"] == "Image size too large"
    wide = api.create(image_url=host.put("wide.jpg", sized_jpeg(2000, 1000)))
    assert codes(wide) == (36003, 2207009)
    for width, height in ((1080, 1350), (1080, 566), (320, 320)):  # 4:5, 1.91:1, 1:1
        api.container(image_url=host.put(f"{width}.jpg", sized_jpeg(width, height)))


def test_a_video_that_is_not_mp4_ends_its_container_in_error(api: Api, host: MediaHost) -> None:
    container = api.container(
        media_type="REELS", video_url=host.put("fake.mp4", sized_jpeg(10, 10), "video/mp4")
    )
    assert api.wait(container) == {
        "status_code": "ERROR",
        "status": "Error: Media upload has failed with error code 2207026",
        "id": container,
    }
    assert codes(api.publish(container)) == (352, 2207026)
    gone = api.container(media_type="REELS", video_url=f"{host.url}/gone.mp4")
    assert api.wait(gone)["status"].endswith("2207052")


# -- time, state and quota ---------------------------------------------------------------------


def test_containers_expire_after_24_hours_and_publish_only_once(
    graph: FakeGraph, api: Api, host: MediaHost, account: Account
) -> None:
    url = host.put("a.jpg", sized_jpeg(100, 100))
    stale, fresh = api.container(image_url=url), api.container(image_url=url)
    api.wait(fresh)
    graph.advance(DAY - 60)
    assert api.publish(fresh).status_code == 200
    graph.advance(60)
    assert api.status(stale)["status_code"] == "EXPIRED"
    assert codes(api.publish(stale)) == (24, 2207008)
    again = api.publish(fresh)
    assert codes(again) == (24, 2207008)
    assert fresh in error_of(again)["error_user_msg"]
    assert len(graph.published(account)) == 1
    other = graph.account("someone.else")
    theirs = Api(graph, api.client, other, graph.issue_token(other)).container(image_url=url)
    assert codes(api.publish(theirs)) == (24, 2207008)
    assert error_of(api.client.get(f"{api.base}/{theirs}", params={"access_token": api.token}))


def test_the_quota_is_a_rolling_24_hours_of_publications(
    graph: FakeGraph, api: Api, host: MediaHost, account: Account
) -> None:
    graph.set_publishing_quota(3)
    graph.set_processing_polls(0)
    url = host.put("a.jpg", sized_jpeg(100, 100))
    graph.set_quota_usage(account, 2, at=graph.now() - DAY + 100)
    assert api.publish(api.container(image_url=url)).status_code == 200
    limit = api.get(f"{account.id}/content_publishing_limit", fields="config,quota_usage")
    assert limit == {
        "data": [{"config": {"quota_total": 3, "quota_duration": 86400}, "quota_usage": 3}]
    }
    refused = api.publish(api.container(image_url=url))
    assert codes(refused) == (9, 2207042)
    assert graph.calls["content_publishing_limit"] == 1
    graph.advance(100)
    since = int(graph.now()) - 10
    recent = api.get(f"{account.id}/content_publishing_limit", since=since)
    assert recent == {"data": [{"quota_usage": 0}]}
    assert api.get(f"{account.id}/content_publishing_limit")["data"][0]["quota_usage"] == 1
    assert api.publish(api.container(image_url=url)).status_code == 200
    old = api.client.get(
        f"{api.base}/{account.id}/content_publishing_limit",
        params={"access_token": api.token, "since": since - DAY},
    )
    assert codes(old) == (100, None)


def test_a_crash_after_publish_leaves_the_post_made_and_unanswered(
    graph: FakeGraph, api: Api, host: MediaHost, account: Account
) -> None:
    container = api.container(image_url=host.put("a.jpg", sized_jpeg(100, 100)))
    api.wait(container)
    graph.crash_after_publish()

    with pytest.raises(httpx.TransportError):
        api.publish(container)

    [media] = graph.published(account)
    assert api.status(container)["status_code"] == "PUBLISHED"
    assert api.get("me/media", limit=1)["data"] == [{"id": media.id}]
    assert codes(api.publish(container)) == (24, 2207008)  # retrying never posts twice
    [crash] = [r for r in graph.requests if r.fault == "crash"]
    assert (crash.endpoint, crash.status) == ("media_publish", 200)  # served, then dropped


def test_scripted_polls_and_processing_failures(
    graph: FakeGraph, api: Api, host: MediaHost
) -> None:
    url = host.put("a.jpg", sized_jpeg(100, 100))
    slow = api.container(image_url=url)
    graph.script_polls(slow, 4)
    assert [api.status(slow)["status_code"] for _ in range(5)] == ["IN_PROGRESS"] * 4 + ["FINISHED"]
    graph.fail_processing(2207053)
    broken = api.container(media_type="REELS", video_url=host.put("v.mp4", mp4_bytes(64)))
    assert api.wait(broken)["status"] == "Error: Media upload has failed with error code 2207053"
    failing = api.container(image_url=url)
    graph.fail_processing(2207001, failing)
    assert codes(api.publish(failing)) == (9007, 2207027)  # not looked at yet: in progress
    api.wait(failing)
    failed = api.publish(failing)
    assert codes(failed) == (-1, 2207001)
    assert error_of(failed)["is_transient"] is True
    container = graph.containers()[-1]
    assert (container.id, container.error_subcode) == (failing, 2207001)
    copyright = api.get(broken, fields="copyright_check_status")
    assert copyright["copyright_check_status"] == {"matches_found": False, "status": "completed"}


def test_a_post_can_be_made_from_the_fakes_own_cdn_and_needs_a_live_token(
    graph: FakeGraph, api: Api, account: Account
) -> None:
    original = next(m for m in account.media if m.media_type == "IMAGE")
    link = api.get(original.id, fields="media_url")["media_url"]

    container = api.container(image_url=link)  # Instagram fetching from Instagram: no deadlock

    [fetch] = graph.fetches()
    assert (fetch.ok, fetch.url, fetch.data) == (True, link, original.data)
    assert graph.token_leaks() == []
    graph.invalidate_token(api.token, 460)
    assert codes(api.publish(container)) == (190, 460)
    expired = graph.issue_token(account, expires_in=60)
    graph.advance(61)
    late = Api(graph, api.client, account, expired)
    assert codes(late.create(image_url=link)) == (190, 463)
    assert len(graph.fetches()) == 1


# -- faults ------------------------------------------------------------------------------------


def test_injected_publishing_faults_carry_their_documented_bodies_and_headers(
    graph: FakeGraph, api: Api, host: MediaHost, account: Account
) -> None:
    container = api.container(image_url=host.put("a.jpg", sized_jpeg(100, 100)))
    api.wait(container)
    graph.fail_next("media_publish", code=4, subcode=2207051)
    spam = api.publish(container)
    assert codes(spam) == (4, 2207051)
    assert (error_of(spam)["is_transient"], error_of(spam)["error_user_title"]) == (
        False,
        "Action is blocked",
    )
    assert "x-app-usage" not in spam.headers  # a spam block is no rate limit
    graph.fail_next("media_publish", code=24, subcode=2207006)
    assert codes(api.publish(container)) == (24, 2207006)
    graph.fail_next("media_publish", code=80002)
    throttled = api.publish(container)
    assert codes(throttled) == (80002, None)
    usage = json.loads(throttled.headers["x-business-use-case-usage"])[account.id][0]
    assert (usage["call_count"], usage["estimated_time_to_regain_access"]) == (100, 60)
    graph.fail_next("container", code=4)
    app = api.client.get(f"{api.base}/{container}", params={"access_token": api.token})
    assert json.loads(app.headers["x-app-usage"])["call_count"] == 100
    graph.fail_next("user.media.create", code=190, subcode=463)
    assert codes(api.create(image_url="http://127.0.0.1:9/a.jpg")) == (190, 463)
    graph.fail_next("content_publishing_limit", code=613)
    limit = api.client.get(
        f"{api.base}/{account.id}/content_publishing_limit", params={"access_token": api.token}
    )
    assert codes(limit) == (613, None)
    assert graph.published(account) == []
    assert api.publish(container).status_code == 200
