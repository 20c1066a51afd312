"""The fake Instagram Graph API behaves as the documentation says, through a real httpx client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakes.instagram import DAY, LONG_LIVED_SECONDS, Account, FakeGraph

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")


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
    return graph.account("bluebottle", posts=23, stories=2)


@pytest.fixture
def token(graph: FakeGraph, account: Account) -> str:
    return graph.issue_token(account, age=2 * DAY)


def api(graph: FakeGraph, path: str, *, host: str = "instagram") -> str:
    base = graph.base_url if host == "instagram" else graph.facebook_url
    return f"{base}/{graph.version}/{path.lstrip('/')}"


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["fbtrace_id"]
    return error


def feed_ids(account: Account) -> list[str]:
    return [m.id for m in account.media]


# -- pagination --------------------------------------------------------------------------------


def test_pages_follow_absolute_next_urls_to_the_last_page_without_repeats(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    first = client.get(
        api(graph, f"{account.id}/media"),
        params={"access_token": token, "fields": "id,caption", "limit": 5},
    )
    assert first.status_code == 200
    assert "previous" not in first.json()["paging"]
    seen: list[str] = []
    page = first.json()
    pages = 0
    while True:
        pages += 1
        seen += [item["id"] for item in page["data"]]
        assert all(set(item) == {"id", "caption"} for item in page["data"])
        if "next" not in page["paging"]:
            break
        link = page["paging"]["next"]
        assert link.startswith(f"{graph.base_url}/{graph.version}/{account.id}/media?")
        assert "access_token=" in link
        assert "fields=id%2Ccaption" in link
        assert "limit=5" in link
        page = client.get(link).json()  # no parameters added: the URL carries everything
    assert pages == 5
    assert seen == feed_ids(account)
    back = client.get(page["paging"]["previous"]).json()
    assert [item["id"] for item in back["data"]] == seen[15:20]


def test_pages_may_be_shorter_than_the_limit_and_the_limit_is_capped(client: httpx.Client) -> None:
    with FakeGraph(short_pages=True) as graph:
        account = graph.account(posts=230)
        token = graph.issue_token(account)
        url: str | None = api(graph, "me/media")
        params: dict[str, Any] | None = {"access_token": token, "limit": 500}
        seen: list[str] = []
        sizes: list[int] = []
        while url is not None:
            page = client.get(url, params=params).json()
            params = None
            sizes.append(len(page["data"]))
            seen += [item["id"] for item in page["data"]]
            url = page["paging"].get("next")
        assert seen == feed_ids(account)
        assert sizes[0] == 50  # limit 500 capped at 100, then half of it served


def test_a_cursor_fails_once_its_item_is_deleted_or_cursors_are_invalidated(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    page = client.get(api(graph, "me/media"), params={"access_token": token, "limit": 3}).json()
    graph.post_image(account, "new")  # an unrelated change keeps the cursor valid
    assert client.get(page["paging"]["next"]).status_code == 200
    graph.delete_media(account.media[3])  # the page's last item, the after cursor's anchor
    stale = client.get(page["paging"]["next"])
    assert stale.status_code == 400
    assert error_of(stale)["code"] == 100
    fresh = client.get(api(graph, "me/media"), params={"access_token": token, "limit": 3}).json()
    graph.invalidate_cursors(account)
    assert error_of(client.get(fresh["paging"]["next"]))["code"] == 100


def test_since_and_until_bound_the_list_and_the_cap_keeps_the_newest(
    client: httpx.Client,
) -> None:
    with FakeGraph(media_cap=10) as graph:
        account = graph.account(posts=15, spacing=100)
        token = graph.issue_token(account)
        everything = client.get(
            api(graph, "me/media"), params={"access_token": token, "limit": 100}
        ).json()
        assert [item["id"] for item in everything["data"]] == feed_ids(account)[:10]
        newest = account.media[0].timestamp
        window = client.get(
            api(graph, "me/media"),
            params={"access_token": token, "since": newest - 200, "until": newest - 100},
        ).json()
        assert [item["id"] for item in window["data"]] == feed_ids(account)[1:3]
        bad = client.get(api(graph, "me/media"), params={"access_token": token, "since": "today"})
        assert error_of(bad)["code"] == 100


# -- fields ------------------------------------------------------------------------------------


def test_only_requested_fields_come_back_with_the_id_and_an_iso_timestamp(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    media = graph.post_image(account, "hello")
    body = client.get(
        api(graph, media.id), params={"access_token": token, "fields": "caption,timestamp"}
    ).json()
    assert body == {"caption": "hello", "timestamp": body["timestamp"], "id": media.id}
    assert ISO.match(body["timestamp"])
    bare = client.get(api(graph, media.id), params={"access_token": token}).json()
    assert bare == {"id": media.id}


def test_an_unknown_field_is_error_100_naming_it(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    response = client.get(
        api(graph, "me/media"), params={"access_token": token, "fields": "id,likes_total"}
    )
    error = error_of(response)
    assert response.status_code == 400
    assert (error["code"], error["type"]) == (100, "OAuthException")
    assert "likes_total" in error["message"]
    broken = client.get(api(graph, "me/media"), params={"access_token": token, "fields": "id,{"})
    assert error_of(broken)["code"] == 2500


def test_children_expand_in_place_with_mixed_types_and_no_caption_or_permalink(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    album = graph.post_carousel(account, ("IMAGE", "VIDEO"), "two things")
    fields = (
        "id,media_type,media_url,caption,"
        "children{id,media_type,media_url,thumbnail_url,caption,permalink}"
    )
    body = client.get(api(graph, album.id), params={"access_token": token, "fields": fields}).json()
    assert (body["media_type"], body["caption"]) == ("CAROUSEL_ALBUM", "two things")
    assert "media_url" not in body  # the album's bytes are its children's
    children = body["children"]["data"]
    assert [c["media_type"] for c in children] == ["IMAGE", "VIDEO"]
    assert all("caption" not in c and "permalink" not in c for c in children)
    assert ["thumbnail_url" in c for c in children] == [False, True]
    edge = client.get(api(graph, f"{album.id}/children"), params={"access_token": token}).json()
    assert edge == {"data": [{"id": c["id"]} for c in children]}
    limited = client.get(
        api(graph, album.id), params={"access_token": token, "fields": "children.limit(1){id}"}
    ).json()
    assert len(limited["children"]["data"]) == 1


def test_reels_are_told_from_feed_videos_by_product_type_on_facebook_login_only(
    graph: FakeGraph, client: httpx.Client, account: Account
) -> None:
    reel = graph.post_reel(account, "reel")
    video = graph.post_video(account, "video")
    fields = {"fields": "media_type,media_product_type,is_shared_to_feed,thumbnail_url"}
    facebook = graph.issue_token(account, flavour="facebook")
    on_facebook = {
        item["id"]: item
        for item in client.get(
            api(graph, f"{account.id}/media", host="facebook"),
            params={"access_token": facebook, "limit": 2, **fields},
        ).json()["data"]
    }
    assert on_facebook[reel.id]["media_product_type"] == "REELS"
    assert on_facebook[reel.id]["is_shared_to_feed"] is True
    assert on_facebook[video.id]["media_product_type"] == "FEED"
    assert "is_shared_to_feed" not in on_facebook[video.id]
    instagram = graph.issue_token(account)
    on_instagram = client.get(
        api(graph, reel.id), params={"access_token": instagram, **fields}
    ).json()
    assert "media_product_type" not in on_instagram
    assert (on_instagram["media_type"], on_instagram["is_shared_to_feed"]) == ("VIDEO", True)


def test_a_copyrighted_reel_has_a_thumbnail_but_no_media_url(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    reel = graph.post_reel(account, copyrighted=True)
    body = client.get(
        api(graph, reel.id), params={"access_token": token, "fields": "media_url,thumbnail_url"}
    ).json()
    assert "media_url" not in body
    assert client.get(body["thumbnail_url"]).status_code == 200


def test_stories_live_24_hours_on_the_stories_edge_and_never_on_media(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    story = graph.post_story(account, "VIDEO")
    stories = client.get(
        api(graph, "me/stories"),
        params={"access_token": token, "fields": "id,media_product_type,media_type"},
    ).json()
    assert len(stories["data"]) == 3
    # media_product_type is Facebook Login only: a story is told by its edge on Instagram Login
    assert stories["data"][0] == {"id": story.id, "media_type": "VIDEO"}
    media = client.get(api(graph, "me/media"), params={"access_token": token, "limit": 100})
    assert story.id not in {item["id"] for item in media.json()["data"]}
    graph.advance(DAY + 1)
    gone = client.get(api(graph, "me/stories"), params={"access_token": token}).json()
    assert gone == {"data": []}
    by_id = client.get(api(graph, story.id), params={"access_token": token})
    assert (error_of(by_id)["code"], error_of(by_id)["error_subcode"]) == (100, 33)


# -- tokens and accounts -----------------------------------------------------------------------


def test_token_errors_carry_the_documented_codes_and_subcodes(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    url = api(graph, "me/media")
    missing = error_of(client.get(url))
    assert missing["code"] == 104
    assert error_of(client.get(api(graph, "me")))["code"] == 2500
    garbage = error_of(client.get(url, params={"access_token": "IGAAnot-a-token"}))
    assert (garbage["code"], garbage["type"]) == (190, "OAuthException")
    assert "error_subcode" not in garbage
    short = graph.issue_token(account, expires_in=60)
    graph.advance(61)
    expired = client.get(url, params={"access_token": short})
    assert expired.status_code == 400
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)
    graph.invalidate_token(token, 460)
    changed = error_of(client.get(url, params={"access_token": token}))
    assert (changed["code"], changed["error_subcode"]) == (190, 460)
    facebook = graph.issue_token(account, flavour="facebook")
    assert error_of(client.get(url, params={"access_token": facebook}))["code"] == 190
    fresh = graph.issue_token(account)
    header = client.get(url, headers={"Authorization": f"Bearer {fresh}"})
    assert header.status_code == 200


def test_another_accounts_ids_answer_as_if_they_did_not_exist(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    other = graph.account("someone.else", posts=1)
    for node in (other.id, other.media[0].id, "17900000000000000001"):
        response = client.get(api(graph, node), params={"access_token": token})
        error = error_of(response)
        assert response.status_code == 400
        assert (error["code"], error["error_subcode"], error["type"]) == (
            100,
            33,
            "GraphMethodException",
        )
        assert f"Object with ID '{node}' does not exist" in error["message"]


def test_instagram_login_me_gives_the_account_ids_in_the_documented_envelope(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    me = client.get(api(graph, "me"), params={"access_token": token, "fields": "user_id,username"})
    assert me.json() == {
        "data": [{"user_id": account.id, "username": "bluebottle", "id": account.app_scoped_id}]
    }
    with FakeGraph(me_envelope=False) as flat:
        mine = flat.account("flat")
        body = client.get(
            api(flat, "me"), params={"access_token": flat.issue_token(mine), "fields": "user_id"}
        ).json()
        assert body == {"user_id": mine.id, "id": mine.app_scoped_id}


def test_facebook_login_finds_the_instagram_account_through_its_page(
    graph: FakeGraph, client: httpx.Client, account: Account
) -> None:
    token = graph.issue_token(account, flavour="facebook")
    pages = client.get(api(graph, "me/accounts", host="facebook"), params={"access_token": token})
    page = pages.json()["data"][0]
    assert {"id", "name", "access_token", "category", "tasks"} <= set(page)
    linked = client.get(
        api(graph, page["id"], host="facebook"),
        params={"access_token": token, "fields": "instagram_business_account"},
    ).json()
    assert linked == {"instagram_business_account": {"id": account.id}, "id": page["id"]}
    media = client.get(
        api(graph, f"{account.id}/media", host="facebook"), params={"access_token": token}
    )
    assert [item["id"] for item in media.json()["data"]] == feed_ids(account)  # 23 < limit 25
    assert "next" not in media.json()["paging"]
    stranger = graph.account("stranger")
    hidden = client.get(
        api(graph, stranger.page_id, host="facebook"), params={"access_token": token}
    )
    assert error_of(hidden)["error_subcode"] == 33


def test_refresh_needs_a_long_lived_token_a_day_old_and_unexpired(
    graph: FakeGraph, client: httpx.Client, account: Account
) -> None:
    url = f"{graph.base_url}/refresh_access_token"
    young = graph.issue_token(account, age=3600)
    too_young = client.get(url, params={"grant_type": "ig_refresh_token", "access_token": young})
    assert error_of(too_young)["code"] == 100
    short = graph.issue_token(account, long_lived=False)
    refused = client.get(url, params={"grant_type": "ig_refresh_token", "access_token": short})
    assert error_of(refused)["code"] == 100
    old = graph.issue_token(account, age=25 * 3600)
    refreshed = client.get(url, params={"grant_type": "ig_refresh_token", "access_token": old})
    body = refreshed.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", LONG_LIVED_SECONDS)
    assert graph.token(body["access_token"]).subject == account.id
    assert client.get(api(graph, "me"), params={"access_token": body["access_token"]}).is_success
    dead = graph.issue_token(account, age=61 * DAY, expires_in=-DAY)
    expired = client.get(url, params={"grant_type": "ig_refresh_token", "access_token": dead})
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)
    wrong = client.get(url, params={"grant_type": "refresh_token", "access_token": old})
    assert error_of(wrong)["code"] == 100


def test_versions_unknown_retired_and_missing(
    graph: FakeGraph, client: httpx.Client, token: str
) -> None:
    unknown = client.get(f"{graph.base_url}/v99.0/me", params={"access_token": token})
    assert error_of(unknown)["code"] == 2500
    retired = client.get(f"{graph.base_url}/v15.0/me", params={"access_token": token})
    assert retired.status_code == 200
    assert retired.headers["facebook-api-version"] == "v20.0"
    unversioned = client.get(f"{graph.base_url}/me", params={"access_token": token})
    assert error_of(unversioned)["code"] == 2500


# -- CDN ---------------------------------------------------------------------------------------


def test_an_expired_cdn_url_is_403_and_reading_the_media_again_gives_a_fresh_one(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    photo = graph.post_image(account, data=b"\xff\xd8" + b"p" * 100)

    def media_url() -> str:
        body = client.get(
            api(graph, photo.id), params={"access_token": token, "fields": "media_url"}
        )
        url: str = body.json()["media_url"]
        return url

    url = media_url()
    assert url.startswith(graph.cdn_url)
    download = client.get(url)
    assert (download.status_code, download.content) == (200, photo.data)
    assert download.headers["content-type"] == "image/jpeg"
    part = client.get(url, headers={"Range": "bytes=2-5"})
    assert (part.status_code, part.content) == (206, b"pppp")
    assert part.headers["content-range"] == "bytes 2-5/102"
    graph.expire_cdn_urls()
    expired = client.get(url)
    assert (expired.status_code, expired.text) == (403, "URL signature expired")
    again = media_url()
    assert client.get(again).content == photo.data
    graph.advance(3 * DAY)
    assert client.get(again).status_code == 403
    tampered = media_url().replace("oe=", "oe=F")
    assert client.get(tampered).text == "URL signature mismatch"
    assert graph.token_leaks() == []


# -- usage and throttling ----------------------------------------------------------------------


def test_usage_headers_report_percentages_and_the_limit_throttles_until_regained(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    url = api(graph, "me/media")
    graph.set_usage(account, call_count=80, total_time=12, total_cputime=7)
    ok = client.get(url, params={"access_token": token})
    usage = json.loads(ok.headers["x-business-use-case-usage"])
    assert usage == {
        account.id: [
            {
                "type": "instagram",
                "call_count": 80,
                "total_cputime": 7,
                "total_time": 12,
                "estimated_time_to_regain_access": 0,
            }
        ]
    }
    assert "x-app-usage" not in ok.headers  # Instagram Login: business use case limits only
    graph.set_usage(account, call_count=95, per_call=5, regain_minutes=7)
    throttled = client.get(url, params={"access_token": token})
    error = error_of(throttled)
    assert (error["code"], error["is_transient"]) == (80002, True)
    regain = json.loads(throttled.headers["x-business-use-case-usage"])[account.id][0]
    assert regain["estimated_time_to_regain_access"] == 7
    graph.advance(7 * 60)
    assert client.get(url, params={"access_token": token}).status_code == 200


def test_the_facebook_host_sends_app_usage_and_throttles_the_app_with_code_4(
    graph: FakeGraph, client: httpx.Client, account: Account
) -> None:
    token = graph.issue_token(account, flavour="facebook")
    graph.set_usage(call_count=42, total_time=3, total_cputime=5)
    me = client.get(api(graph, "me", host="facebook"), params={"access_token": token})
    assert me.json() == {"id": account.facebook_user_id, "name": me.json()["name"]}
    assert json.loads(me.headers["x-app-usage"]) == {
        "call_count": 42,
        "total_cputime": 5,
        "total_time": 3,
    }
    graph.set_usage(call_count=100)
    throttled = client.get(api(graph, "me", host="facebook"), params={"access_token": token})
    assert error_of(throttled)["code"] == 4


# -- faults and the request log ----------------------------------------------------------------


def test_injected_errors_come_n_times_then_the_endpoint_recovers(
    graph: FakeGraph, client: httpx.Client, token: str
) -> None:
    url = api(graph, "me/media")
    graph.fail_next("user.media", code=17, times=2)
    for _ in range(2):
        error = error_of(client.get(url, params={"access_token": token}))
        assert (error["code"], error["is_transient"]) == (17, True)
    assert client.get(url, params={"access_token": token}).status_code == 200
    graph.fail_next("user.media", code=2)
    transient = client.get(url, params={"access_token": token})
    assert (transient.status_code, error_of(transient)["is_transient"]) == (503, True)
    graph.fail_next("me", code=190, subcode=463, user_title="Expired", user_msg="Log in again")
    expired = error_of(client.get(api(graph, "me"), params={"access_token": token}))
    assert (expired["error_subcode"], expired["error_user_title"]) == (463, "Expired")
    assert expired["error_user_msg"] == "Log in again"
    assert graph.calls["user.media"] == 4


def test_proxies_broken_bodies_dropped_connections_and_slow_answers(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    url = api(graph, "me/media")
    graph.fail_next("user.media", kind="html")
    proxy = client.get(url, params={"access_token": token})
    assert proxy.status_code == 502
    assert proxy.headers["content-type"].startswith("text/html")
    graph.fail_next("user.media", kind="malformed")
    with pytest.raises(json.JSONDecodeError):
        client.get(url, params={"access_token": token}).json()
    graph.fail_next("*", kind="drop")
    with pytest.raises(httpx.TransportError):
        client.get(url, params={"access_token": token})
    graph.fail_next("user.media", kind="slow", delay=0.4)
    with pytest.raises(httpx.ReadTimeout):
        client.get(url, params={"access_token": token}, timeout=0.1)
    image = graph.post_image(account)
    link = client.get(
        api(graph, image.id), params={"access_token": token, "fields": "media_url"}
    ).json()["media_url"]
    graph.fail_next("cdn", kind="drop")
    with pytest.raises(httpx.TransportError):
        client.get(link)
    assert client.get(link).content == image.data
    assert graph.faults.injected == {"html": 1, "malformed": 1, "drop": 2, "slow": 1}


def test_the_request_log_counts_endpoints_and_never_shows_the_token(
    graph: FakeGraph, client: httpx.Client, account: Account, token: str
) -> None:
    client.get(api(graph, "me"), params={"access_token": token})
    client.get(api(graph, "me/media"), params={"access_token": token, "limit": 1})
    client.get(api(graph, account.media[0].id), params={"access_token": token})
    assert graph.api_calls() == 3
    assert dict(graph.calls) == {"me": 1, "user.media": 1, "media": 1}
    record = graph.requests[1]
    assert (record.host, record.endpoint, record.version) == ("instagram", "user.media", "v26.0")
    assert record.params["access_token"] == "<redacted>"
    assert record.token == token
    assert token not in repr(graph.requests)
    graph.reset_counts()
    assert graph.api_calls() == 0
    assert not graph.calls
