# mypy: disable-error-code="no-untyped-call"
# (The cloudinary SDK has no annotations; calling it is what this file is for.)
"""The fake Cloudinary behaves as the documentation says, through the real ``cloudinary`` SDK."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pytest
from fakes.cloudinary import DAY, MIB, FakeCloudinary, write_grey_jpeg, write_grey_png
from fakes.cloudinary._signing import sign
from media_factory import jpeg_bytes, mp4_bytes, png_bytes


@pytest.fixture(autouse=True)
def no_cloudinary_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK reads ``CLOUDINARY_*`` variables on every ``reset_config``: none from the shell."""
    for name in [n for n in os.environ if n.startswith("CLOUDINARY_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def cloud() -> Iterator[FakeCloudinary]:
    """A started fake with the SDK's global configuration pointed at it, reset afterwards."""
    with FakeCloudinary() as fake:
        cloudinary.reset_config()
        cloudinary.config(**fake.sdk_config())
        try:
            yield fake
        finally:
            cloudinary.reset_config()
        assert fake.internal_errors == []


def picture(tmp_path: Path, name: str, width: int, height: int) -> Path:
    path = tmp_path / name
    (write_grey_png if name.endswith(".png") else write_grey_jpeg)(path, width, height)
    return path


def mp4_with_moov(width: int, height: int, seconds: int, size: int) -> bytes:
    """An MP4 whose ``moov`` holds ``mvhd`` (duration) and one ``trak``/``tkhd`` (size)."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    mvhd = box(b"mvhd", b"\0\0\0\0" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\0" * 80)
    tkhd_fields = struct.pack(">IIIII", 0, 0, 1, 0, seconds * 1000) + b"\0" * 16 + b"\0" * 36
    tkhd = box(b"tkhd", b"\0\0\0\3" + tkhd_fields + struct.pack(">II", width << 16, height << 16))
    head = box(b"ftyp", b"isom\0\0\2\0isomiso2avc1mp41") + box(b"moov", mvhd + box(b"trak", tkhd))
    return head + box(b"mdat", b"\x42" * (size - len(head) - 8))


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def basic_credentials(cloud: FakeCloudinary) -> str:
    return base64.b64encode(f"{cloud.api_key}:{cloud.api_secret}".encode()).decode()


def upload(data: bytes | Path | str, **options: Any) -> dict[str, Any]:
    result: dict[str, Any] = cloudinary.uploader.upload(data, **options)
    return result


# -- signed uploads ----------------------------------------------------------------------------


def test_signed_upload_is_stored_and_answered_with_the_documented_fields(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    path = picture(tmp_path, "beach.png", 640, 480)
    result = upload(path, public_id="staging/beach", tags=["mediasync", "staging"])

    assert result["public_id"] == "staging/beach"
    assert (result["width"], result["height"], result["format"]) == (640, 480, "png")
    assert result["resource_type"] == "image"
    assert result["type"] == "upload"
    assert result["tags"] == ["mediasync", "staging"]
    assert result["bytes"] == path.stat().st_size
    assert result["etag"] == hashlib.md5(path.read_bytes()).hexdigest()
    assert result["original_filename"] == "beach"
    assert result["folder"] == "staging"
    assert len(result["asset_id"]) == 32
    assert result["created_at"].endswith("Z")
    assert cloudinary.utils.verify_api_response_signature(
        result["public_id"], result["version"], result["signature"]
    )
    base = f"{cloud.upload_prefix}/{cloud.cloud_name}/image/upload"
    url = f"{base}/v{result['version']}/staging/beach.png"
    assert result["url"] == result["secure_url"] == url
    stored = cloud.asset("staging/beach")
    assert stored is not None
    assert stored.read_bytes() == path.read_bytes()
    record = cloud.requests_to("upload")[-1]
    assert record.auth == "signature"
    assert record.param("tags") == "mediasync,staging"
    assert record.file_size == path.stat().st_size


def test_a_wrong_secret_is_refused_with_the_string_it_should_have_signed(
    cloud: FakeCloudinary,
) -> None:
    cloudinary.config(api_secret="not-the-secret")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired) as refused:
        upload(jpeg_bytes(2048), public_id="x", tags=["a&b"])
    message = str(refused.value)
    assert message.startswith("Invalid Signature ")
    assert "String to sign - 'public_id=x&tags=a%26b&timestamp=" in message
    assert cloud.assets == []
    assert cloud.requests_to("upload")[-1].status == 401


def test_the_signature_rule_matches_the_documented_sanity_check_and_the_sdk() -> None:
    text = "public_id=sample_image&timestamp=1315060510"
    assert sign(text, "abcd") == "b4ad47fb4e25c7bf5f92a20089f9db59bc302313"
    params = {"public_id": "sample_image", "timestamp": "1315060510"}
    assert cloudinary.utils.api_sign_request(params, "abcd") == sign(text, "abcd")


def test_an_unknown_api_key_is_refused(cloud: FakeCloudinary) -> None:
    cloudinary.config(api_key="111111111111111")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="Unknown API key"):
        upload(jpeg_bytes(2048))


def test_a_request_signed_over_an_hour_before_the_servers_clock_is_stale(
    cloud: FakeCloudinary,
) -> None:
    cloud.advance(3601)
    with pytest.raises(cloudinary.exceptions.BadRequest, match=r"^Stale request - reported time"):
        upload(jpeg_bytes(2048))
    assert cloud.assets == []


def test_sha256_signatures_pass_and_an_account_limited_to_sha256_refuses_sha1() -> None:
    with FakeCloudinary(signature_algorithms=("sha256",)) as fake:
        try:
            cloudinary.config(**fake.sdk_config())
            with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
                upload(jpeg_bytes(2048))
            cloudinary.config(signature_algorithm="sha256")
            assert upload(jpeg_bytes(2048))["format"] == "jpg"
            assert len(fake.requests_to("upload")[-1].param("signature") or "") == 64
        finally:
            cloudinary.reset_config()


def test_basic_authentication_works_for_the_upload_api_too(cloud: FakeCloudinary) -> None:
    cloudinary.config(api_secret="wrong")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired):
        upload(jpeg_bytes(2048))
    # a Basic header instead of a signature (what a hand-made client may send)
    boundary = "fakeboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        ).encode()
        + jpeg_bytes(2048)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{cloud.upload_prefix}/v1_1/{cloud.cloud_name}/image/upload",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Basic {basic_credentials(cloud)}",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    assert cloud.requests_to("upload")[-1].auth == "basic"


def test_reuploading_a_public_id_keeps_its_asset_id_and_overwrite_false_keeps_the_bytes(
    cloud: FakeCloudinary,
) -> None:
    first = upload(jpeg_bytes(2048, seed=1), public_id="same")
    second = upload(jpeg_bytes(3000, seed=2), public_id="same")
    assert second["asset_id"] == first["asset_id"]
    assert second["version"] > first["version"]
    third = upload(jpeg_bytes(4000, seed=3), public_id="same", overwrite=False)
    assert third["existing"] is True
    assert third["bytes"] == 3000
    assert len(cloud.assets) == 1


def test_resource_type_decides_what_is_accepted_and_auto_detects(cloud: FakeCloudinary) -> None:
    with pytest.raises(cloudinary.exceptions.BadRequest, match=r"^Invalid image file$"):
        upload(mp4_bytes(4096))
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Unsupported video format"):
        upload(jpeg_bytes(2048), resource_type="video")
    video = upload(mp4_bytes(4096), resource_type="auto")
    assert (video["resource_type"], video["format"]) == ("video", "mp4")
    raw = upload(b"just some notes\n", resource_type="auto", filename="notes.txt")
    assert raw["resource_type"] == "raw"
    assert raw["public_id"].endswith(".txt")
    assert "format" not in raw
    assert "width" not in raw


def test_video_size_and_duration_come_from_the_moov_box(cloud: FakeCloudinary) -> None:
    result = upload(mp4_with_moov(1080, 1920, 7, 20_000), resource_type="video")
    assert (result["width"], result["height"], result["duration"]) == (1080, 1920, 7.0)
    bare = upload(mp4_bytes(4096), resource_type="video")
    assert (bare["width"], bare["height"]) == (1280, 720)  # the fake's stand-in for no moov


def test_strict_video_refuses_an_mp4_without_a_moov_box() -> None:
    with FakeCloudinary(strict_video=True) as fake:
        try:
            cloudinary.config(**fake.sdk_config())
            with pytest.raises(cloudinary.exceptions.BadRequest, match="Unsupported video"):
                upload(mp4_bytes(4096), resource_type="video")
            assert upload(mp4_with_moov(640, 360, 3, 9000), resource_type="video")["width"] == 640
        finally:
            cloudinary.reset_config()


def test_a_remote_url_is_fetched_and_an_unreachable_one_is_not_found(
    cloud: FakeCloudinary,
) -> None:
    source = upload(png_bytes(3000), public_id="source")
    copy = upload(source["secure_url"], public_id="copy")
    assert copy["bytes"] == 3000
    assert copy["original_filename"] == "source"
    missing = f"{cloud.upload_prefix}/{cloud.cloud_name}/image/upload/nothing.jpg"
    with pytest.raises(cloudinary.exceptions.BadRequest, match=r"^Resource not found - "):
        upload(missing)


# -- eager transformations ---------------------------------------------------------------------


def test_eager_fetch_format_jpg_makes_a_jpeg_and_the_eager_parameter_was_really_sent(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    result = upload(picture(tmp_path, "a.png", 640, 480), eager=[{"fetch_format": "jpg"}])

    assert cloud.requests_to("upload")[-1].param("eager") == "f_jpg"
    [derived] = result["eager"]
    assert derived["transformation"] == "f_jpg"
    assert (derived["format"], derived["width"], derived["height"]) == ("jpg", 640, 480)
    status, headers, body = fetch(derived["secure_url"])
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert body.startswith(b"\xff\xd8")
    assert len(body) == derived["bytes"]
    asset = cloud.asset(result["public_id"])
    assert asset is not None
    assert asset.eager_param == "f_jpg"
    assert [d.format for d in asset.derived] == ["jpg"]


def test_the_sdk_drops_an_eager_item_given_only_as_a_format(cloud: FakeCloudinary) -> None:
    result = upload(png_bytes(3000), eager=[{"format": "jpg"}])
    assert cloud.requests_to("upload")[-1].param("eager") is None
    assert "eager" not in result


def test_eager_resizes_names_its_extension_and_thumbnails_a_video(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    spec = {"width": 320, "crop": "scale", "fetch_format": "jpg", "format": "jpg"}
    image = upload(picture(tmp_path, "big.png", 640, 480), eager=[spec, "c_fit,h_100,w_100"])
    small, fitted = image["eager"]
    assert small["transformation"] == "c_scale,f_jpg,w_320/jpg"
    assert (small["width"], small["height"]) == (320, 240)
    assert small["url"].endswith(
        f"/c_scale,f_jpg,w_320/v{image['version']}/{image['public_id']}.jpg"
    )
    assert (fitted["width"], fitted["height"], fitted["format"]) == (100, 75, "png")

    video = upload(mp4_with_moov(1080, 1920, 5, 9000), resource_type="video", eager="f_jpg")
    [thumbnail] = video["eager"]
    assert (thumbnail["format"], thumbnail["width"], thumbnail["height"]) == ("jpg", 1080, 1920)
    status, headers, _ = fetch(thumbnail["secure_url"])
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")


def test_eager_async_leaves_eager_out_of_the_answer_but_makes_the_derivative(
    cloud: FakeCloudinary,
) -> None:
    result = upload(png_bytes(3000), eager="f_jpg", eager_async=True)
    assert "eager" not in result
    asset = cloud.asset(result["public_id"])
    assert asset is not None
    assert len(asset.derived) == 1


def test_a_transformation_the_fake_cannot_apply_is_refused_and_nothing_is_stored(
    cloud: FakeCloudinary,
) -> None:
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Unsupported by the fake"):
        upload(png_bytes(3000), eager="e_sepia")
    with pytest.raises(cloudinary.exceptions.BadRequest, match="Invalid transformation component"):
        upload(png_bytes(3000), eager="zz_12")
    assert cloud.assets == []


def test_an_incoming_fetch_format_converts_the_stored_original(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    result = upload(picture(tmp_path, "a.png", 50, 40), fetch_format="jpg")
    assert cloud.requests_to("upload")[-1].param("transformation") == "f_jpg"
    assert (result["format"], result["width"], result["height"]) == ("jpg", 50, 40)
    asset = cloud.asset(result["public_id"])
    assert asset is not None
    assert asset.read_bytes().startswith(b"\xff\xd8")


# -- chunked uploads ---------------------------------------------------------------------------


def test_a_multi_chunk_upload_is_assembled_byte_for_byte(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    path = tmp_path / "reel.mp4"
    path.write_bytes(mp4_with_moov(720, 1280, 12, 11_000_000))
    result: dict[str, Any] = cloudinary.uploader.upload_large(
        str(path), resource_type="video", chunk_size=5_000_000, tags=["staging"]
    )

    chunks = cloud.chunks
    assert [c.size for c in chunks] == [5_000_000, 5_000_000, 1_000_000]
    assert len({c.upload_id for c in chunks}) == 1
    assert [(c.start, c.end) for c in chunks] == [
        (0, 4_999_999),
        (5_000_000, 9_999_999),
        (10_000_000, 10_999_999),
    ]
    records = cloud.requests_to("upload")
    assert [r.headers["content-range"] for r in records] == [
        "bytes 0-4999999/11000000",
        "bytes 5000000-9999999/11000000",
        "bytes 10000000-10999999/11000000",
    ]
    assert (result["resource_type"], result["format"], result["duration"]) == ("video", "mp4", 12)
    assert result["bytes"] == 11_000_000
    assert result["tags"] == ["staging"]
    asset = cloud.asset(result["public_id"], "video")
    assert asset is not None
    assert hashlib.sha256(asset.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
    assert cloud.open_chunked_uploads() == []


def test_a_public_id_named_by_the_first_chunk_holds_for_the_whole_upload(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(10_500_000))
    result: dict[str, Any] = cloudinary.uploader.upload_large(
        str(path), resource_type="video", public_id="staging/clip", chunk_size=5_000_000
    )
    assert result["public_id"] == "staging/clip"
    assert [r.param("public_id") for r in cloud.requests_to("upload")] == ["staging/clip"] * 3


def test_upload_large_without_a_resource_type_stores_a_raw_file(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(6_000_000))
    result: dict[str, Any] = cloudinary.uploader.upload_large(str(path), chunk_size=5_000_000)
    assert result["resource_type"] == "raw"
    assert result["public_id"].endswith(".mp4")
    assert "/raw/upload/" in result["secure_url"]


def test_chunks_out_of_order_overlapping_or_mislabelled_are_refused(cloud: FakeCloudinary) -> None:
    data = mp4_bytes(10_000_000)
    first, last = data[:5_000_000], data[5_000_000:]

    def send(upload_id: str, chunk: bytes, start: int, end: int | None = None) -> Any:
        stop = start + len(chunk) - 1 if end is None else end
        headers = {
            "X-Unique-Upload-Id": upload_id,
            "Content-Range": f"bytes {start}-{stop}/{len(data)}",
        }
        return cloudinary.uploader.upload_large_part(
            ("clip.mp4", chunk), http_headers=headers, resource_type="video"
        )

    with pytest.raises(cloudinary.exceptions.BadRequest, match="it must be sent last"):
        send("end-first", last, 5_000_000)
    assert send("overlap", first, 0) == {
        "done": False,
        "bytes": 5_000_000,
        "resource_type": "video",
    }
    with pytest.raises(cloudinary.exceptions.BadRequest, match="overlaps bytes already received"):
        send("overlap", first, 0)
    with pytest.raises(cloudinary.exceptions.BadRequest, match="does not match"):
        send("overlap", last, 5_000_000, end=5_000_099)
    assert cloud.assets == []
    assert cloud.open_chunked_uploads() == ["overlap"]
    assert send("overlap", last, 5_000_000)["bytes"] == 10_000_000
    assert cloud.open_chunked_uploads() == []


def test_chunks_under_5_mb_are_refused_and_nothing_is_stored(
    cloud: FakeCloudinary, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(3_000_000))
    with pytest.raises(cloudinary.exceptions.BadRequest, match="too small"):
        cloudinary.uploader.upload_large(str(path), resource_type="video", chunk_size=1_000_000)
    assert cloud.assets == []
    assert cloud.chunks == []


def test_the_per_request_ceiling_needs_chunks_and_chunking_clears_it(tmp_path: Path) -> None:
    with FakeCloudinary(request_limit=MIB, min_chunk_size=256 * 1024) as fake:
        try:
            cloudinary.config(**fake.sdk_config())
            path = tmp_path / "clip.mp4"
            path.write_bytes(mp4_bytes(2_000_000))
            with pytest.raises(
                cloudinary.exceptions.BadRequest,
                match=f"^File size too large. Got 2000000. Maximum is {MIB}.$",
            ):
                upload(path, resource_type="video")
            result: dict[str, Any] = cloudinary.uploader.upload_large(
                str(path), resource_type="video", chunk_size=512 * 1024
            )
            assert result["bytes"] == 2_000_000
            assert len(fake.chunks) == 4
        finally:
            cloudinary.reset_config()


def test_the_plans_largest_asset_is_per_resource_type() -> None:
    with FakeCloudinary(plan_limits={"image": 100_000, "video": 1_000_000}) as fake:
        try:
            cloudinary.config(**fake.sdk_config())
            with pytest.raises(
                cloudinary.exceptions.BadRequest,
                match=r"^File size too large. Got 150000. Maximum is 100000.$",
            ):
                upload(jpeg_bytes(150_000))
            assert upload(mp4_bytes(150_000), resource_type="video")["bytes"] == 150_000
            usage: dict[str, Any] = cloudinary.api.usage()
            assert usage["media_limits"]["image_max_size_bytes"] == 100_000
        finally:
            cloudinary.reset_config()


# -- destroy -----------------------------------------------------------------------------------


def test_destroy_with_the_wrong_resource_type_keeps_the_video(cloud: FakeCloudinary) -> None:
    video = upload(mp4_bytes(4096), resource_type="video", public_id="staging/reel")

    assert cloudinary.uploader.destroy("staging/reel") == {"result": "not found"}
    assert cloudinary.uploader.destroy("staging/reel", resource_type="raw")["result"] == "not found"
    assert [a.public_id for a in cloud.leftovers()] == ["staging/reel"]
    assert cloudinary.uploader.destroy("staging/reel", resource_type="video")["result"] == "ok"
    assert cloud.leftovers() == []
    assert [(r.resource_type, r.public_id, r.how) for r in cloud.removed] == [
        ("video", "staging/reel", "destroy")
    ]
    status, headers, _ = fetch(video["secure_url"])
    assert status == 404
    assert headers["x-cld-error"].startswith("Resource not found")


def test_destroy_is_signed(cloud: FakeCloudinary) -> None:
    upload(jpeg_bytes(2048), public_id="keep")
    cloudinary.config(api_secret="wrong")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="Invalid Signature"):
        cloudinary.uploader.destroy("keep")
    assert cloud.asset("keep") is not None


# -- Admin API ---------------------------------------------------------------------------------


def seed(cloud: FakeCloudinary, count: int, tag: str = "staging") -> None:
    start = cloud.now() - count * 60
    for index in range(count):
        cloud.add(
            jpeg_bytes(2048, seed=index),
            f"s/{index:02d}",
            tags=[tag],
            created_at=start + index * 60,
        )


def test_tag_listing_pages_with_next_cursor_newest_first_without_repeats(
    cloud: FakeCloudinary,
) -> None:
    seed(cloud, 23)
    cloud.add(mp4_bytes(4096), "s/video", resource_type="video", tags=["staging"])
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    while True:
        page: dict[str, Any] = cloudinary.api.resources_by_tag(
            "staging", max_results=10, **({"next_cursor": cursor} if cursor else {})
        )
        sizes.append(len(page["resources"]))
        seen += [r["public_id"] for r in page["resources"]]
        assert all("tags" not in r for r in page["resources"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert sizes == [10, 10, 3]
    assert seen == [f"s/{i:02d}" for i in reversed(range(23))]
    default: dict[str, Any] = cloudinary.api.resources_by_tag("staging", tags=True)
    assert len(default["resources"]) == 10
    assert default["resources"][0]["tags"] == ["staging"]
    videos: dict[str, Any] = cloudinary.api.resources_by_tag("staging", resource_type="video")
    assert [r["public_id"] for r in videos["resources"]] == ["s/video"]


def test_deleting_while_paging_skips_nothing(cloud: FakeCloudinary) -> None:
    seed(cloud, 25)
    cursor: str | None = None
    while True:
        page: dict[str, Any] = cloudinary.api.resources_by_tag(
            "staging", max_results=7, direction="asc", **({"next_cursor": cursor} if cursor else {})
        )
        for resource in page["resources"]:
            assert cloudinary.uploader.destroy(resource["public_id"])["result"] == "ok"
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert cloud.assets == []


def test_listing_limits_and_cursors_are_enforced(cloud: FakeCloudinary) -> None:
    seed(cloud, 3)
    with pytest.raises(cloudinary.exceptions.BadRequest, match="max_results"):
        cloudinary.api.resources_by_tag("staging", max_results=501)
    page: dict[str, Any] = cloudinary.api.resources_by_tag("staging", max_results=1)
    with pytest.raises(cloudinary.exceptions.BadRequest, match="next_cursor"):
        cloudinary.api.resources_by_tag("other", next_cursor=page["next_cursor"])
    with pytest.raises(cloudinary.exceptions.BadRequest, match="next_cursor"):
        cloudinary.api.resources_by_tag("staging", next_cursor="forged" + "0" * 16)


def test_a_sweeper_finds_old_staged_assets_by_created_at(cloud: FakeCloudinary) -> None:
    old = upload(jpeg_bytes(2048), tags=["staging"])
    cloud.backdate(2 * DAY)
    fresh = upload(jpeg_bytes(2048, seed=1), tags=["staging"])
    listed: dict[str, Any] = cloudinary.api.resources_by_tag("staging", max_results=500)
    stamps = {r["public_id"]: r["created_at"] for r in listed["resources"]}
    assert stamps[old["public_id"]] < stamps[fresh["public_id"]]
    asset = cloud.asset(old["public_id"])
    assert asset is not None
    assert cloud.now() - asset.created_at > 2 * DAY - 5


def test_delete_resources_by_tag_deletes_that_resource_type_only(cloud: FakeCloudinary) -> None:
    a = upload(jpeg_bytes(2048), tags=["staging"], eager="f_png")
    upload(jpeg_bytes(2048, seed=1), tags=["keep"])
    video = upload(mp4_bytes(4096), resource_type="video", tags=["staging"])

    answer: dict[str, Any] = cloudinary.api.delete_resources_by_tag("staging")
    assert answer["deleted"] == {a["public_id"]: "deleted"}
    assert answer["deleted_counts"] == {a["public_id"]: {"original": 1, "derived": 1}}
    assert answer["partial"] is False
    assert [x.resource_type for x in cloud.leftovers()] == ["image", "video"]
    cloudinary.api.delete_resources_by_tag("staging", resource_type="video")
    assert cloud.asset(video["public_id"], "video") is None
    assert [r.how for r in cloud.removed] == ["delete_resources_by_tag"] * 2


def test_delete_resources_by_public_ids_reports_each(cloud: FakeCloudinary) -> None:
    upload(jpeg_bytes(2048), public_id="one")
    answer: dict[str, Any] = cloudinary.api.delete_resources(["one", "missing"])
    assert answer["deleted"] == {"one": "deleted", "missing": "not_found"}
    record = cloud.requests_to("delete_resources")[-1]
    assert record.method == "DELETE"
    assert record.params["public_ids"] == ("one", "missing")  # the SDK sends a JSON body
    assert cloud.assets == []
    upload(jpeg_bytes(2048), public_id="two")
    request = urllib.request.Request(
        f"{cloud.upload_prefix}/v1_1/{cloud.cloud_name}/resources/image/upload?public_ids[]=two",
        method="DELETE",
        headers={"Authorization": f"Basic {basic_credentials(cloud)}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert b'"two": "deleted"' in response.read()
    assert cloud.assets == []


def test_resource_details_list_the_derivatives(cloud: FakeCloudinary) -> None:
    result = upload(png_bytes(3000), public_id="detailed", eager="f_jpg")
    details: dict[str, Any] = cloudinary.api.resource("detailed")
    assert details["public_id"] == "detailed"
    assert [d["format"] for d in details["derived"]] == ["jpg"]
    assert details["derived"][0]["secure_url"] == result["eager"][0]["secure_url"]
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.resource("detailed", resource_type="video")


def test_admin_calls_need_the_key_and_secret(cloud: FakeCloudinary) -> None:
    assert cloudinary.api.ping() == {"status": "ok"}
    assert cloud.requests_to("ping")[-1].auth == "basic"
    cloudinary.config(api_secret="wrong")
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="api_secret mismatch"):
        cloudinary.api.ping()
    cloudinary.config(api_key="999", api_secret=cloud.api_secret)
    with pytest.raises(cloudinary.exceptions.AuthorizationRequired, match="Unknown API key 999"):
        cloudinary.api.ping()


def test_admin_answers_carry_the_hourly_allowance_and_420_past_it(cloud: FakeCloudinary) -> None:
    first = cloudinary.api.ping()
    assert (first.rate_limit_allowed, first.rate_limit_remaining) == (500, 499)
    assert first.rate_limit_reset_at is not None
    cloud.set_admin_allowance(remaining=1)
    assert cloudinary.api.ping().rate_limit_remaining == 0
    with pytest.raises(cloudinary.exceptions.RateLimited, match="Rate Limit Exceeded"):
        cloudinary.api.ping()
    cloud.advance(3600)
    assert cloudinary.api.ping().rate_limit_remaining == 499


def test_cloudinary_url_with_the_prefix_configures_the_sdk_alone(
    cloud: FakeCloudinary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDINARY_URL", cloud.url_with_prefix)
    cloudinary.reset_config()
    assert cloudinary.config().upload_prefix == cloud.upload_prefix
    assert cloudinary.api.ping() == {"status": "ok"}
    assert upload(jpeg_bytes(2048))["format"] == "jpg"


# -- delivery ----------------------------------------------------------------------------------


def test_delivery_serves_the_bytes_with_their_content_type_and_honours_range(
    cloud: FakeCloudinary,
) -> None:
    data = mp4_bytes(50_000)
    video = upload(data, resource_type="video", public_id="reel")
    status, headers, body = fetch(video["secure_url"])
    assert (status, headers["Content-Type"], body) == (200, "video/mp4", data)
    status, headers, body = fetch(video["secure_url"], {"Range": "bytes=100-199"})
    assert (status, headers["Content-Range"], body) == (206, "bytes 100-199/50000", data[100:200])
    built, _ = cloudinary.utils.cloudinary_url("reel", resource_type="video", format="mp4")
    assert fetch(built)[2] == data  # the SDK's own URL, any version, reaches the same bytes
    status, headers, _ = fetch(f"{cloud.upload_prefix}/{cloud.cloud_name}/image/upload/nope.jpg")
    assert status == 404
    assert headers["x-cld-error"] == "Resource not found - nope.jpg"


def test_an_unstored_transformation_is_derived_on_first_delivery(cloud: FakeCloudinary) -> None:
    upload(png_bytes(3000), public_id="lazy")
    url, _ = cloudinary.utils.cloudinary_url("lazy", fetch_format="jpg", width=10, crop="scale")
    status, headers, body = fetch(url)
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    assert body.startswith(b"\xff\xd8")
    asset = cloud.asset("lazy")
    assert asset is not None
    assert [(d.transformation, d.eager) for d in asset.derived] == [("c_scale,f_jpg,w_10", False)]


# -- faults ------------------------------------------------------------------------------------


def test_an_injected_error_changes_nothing_and_the_next_call_succeeds(
    cloud: FakeCloudinary,
) -> None:
    cloud.fail_next("upload", status=500)
    with pytest.raises(cloudinary.exceptions.GeneralError, match="Internal Server Error"):
        upload(jpeg_bytes(2048))
    assert cloud.assets == []
    assert upload(jpeg_bytes(2048))["format"] == "jpg"
    assert [r.fault for r in cloud.requests_to("upload")] == ["error", None]


def test_rate_limit_faults_carry_the_rate_limit_headers(cloud: FakeCloudinary) -> None:
    cloud.fail_next("resources_by_tag", status=420)
    with pytest.raises(cloudinary.exceptions.RateLimited):
        cloudinary.api.resources_by_tag("staging")
    cloud.fail_next("ping", status=429, message="Too many requests")
    status, headers, body = fetch(
        f"{cloud.upload_prefix}/v1_1/{cloud.cloud_name}/ping",
        {"Authorization": f"Basic {basic_credentials(cloud)}"},
    )
    assert status == 429
    assert headers["X-FeatureRateLimit-Remaining"] == "0"
    assert b"Too many requests" in body


def test_a_dropped_upload_fails_and_a_dropped_get_is_retried_by_urllib3(
    cloud: FakeCloudinary,
) -> None:
    cloud.fail_next("upload", kind="drop")
    with pytest.raises(cloudinary.exceptions.Error, match="Unexpected error"):
        upload(jpeg_bytes(2048))
    assert cloud.assets == []
    cloud.fail_next("ping", kind="drop")
    assert cloudinary.api.ping() == {"status": "ok"}  # urllib3 retries an idempotent GET
    assert [r.fault for r in cloud.requests_to("ping")] == ["drop", None]


def test_an_html_page_from_a_proxy_is_not_json(cloud: FakeCloudinary) -> None:
    cloud.fail_next("upload", kind="html")
    with pytest.raises(cloudinary.exceptions.Error, match=r"Error parsing server response \(502\)"):
        upload(jpeg_bytes(2048))
    cloud.fail_next("delivery", status=503)
    stored = upload(jpeg_bytes(2048))
    assert fetch(stored["secure_url"])[0] == 503
    assert fetch(stored["secure_url"])[0] == 200
