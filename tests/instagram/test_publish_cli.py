"""Publishing through the command line: Cloudinary credentials checked then stored sealed, a
carousel mixing a converted PNG, a JPEG and a video, the plugin's own spelling, the sweeper."""

from __future__ import annotations

import json
from pathlib import Path

from fakes.cloudinary import FakeCloudinary
from fakes.instagram import Account, FakeGraph
from instagram.helpers import movie, photo
from support import CliRun


def test_cloudinary_then_a_mixed_carousel_then_the_plugins_own_publish(
    run: CliRun,
    graph: FakeGraph,
    account: Account,
    token: str,
    database_url: str,
    cloud: FakeCloudinary,
    waits: list[float],
    tmp_path: Path,
) -> None:
    db = ["--db", database_url]
    fake = ["--graph-url", graph.base_url, "--api-version", graph.version]
    assert run([*db, "instagram", "connect", "insta", "--token", token, *fake]).exit_code == 0
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.png").write_bytes(photo(1080, 1080, "PNG"))
    (folder / "b.jpg").write_bytes(photo(1080, 1350, seed=2))
    (folder / "c.mp4").write_bytes(movie(9.0))
    (folder / "d.jpg").write_bytes(photo(1080, 1080, seed=4))
    assert (
        run([*db, "sources", "add", "photos", "--type", "local", "--root", str(folder)]).exit_code
        == 0
    )
    assert run([*db, "sync", "photos"]).exit_code == 0
    ids = {
        i["path"]: str(i["id"]) for i in json.loads(run([*db, "items", "list", "--json"]).stdout)
    }
    prefix = ["--upload-prefix", cloud.upload_prefix]

    wrong = run(
        [
            *db,
            "instagram",
            "cloudinary",
            "insta",
            "--url",
            f"cloudinary://{cloud.api_key}:nope@{cloud.cloud_name}",
            *prefix,
        ]
    )
    listed = run([*db, "publishers", "list", "--json"])
    right = run([*db, "instagram", "cloudinary", "insta", "--url", cloud.url, *prefix])
    shown = run([*db, "publishers", "show", "insta", "--json"])
    carousel = run(
        [
            *db,
            "publish",
            ids["a.png"],
            ids["b.jpg"],
            ids["c.mp4"],
            "--to",
            "insta",
            "--as",
            "carousel",
            "--caption",
            "three of a kind",
        ]
    )
    own = run([*db, "instagram", "publish", ids["d.jpg"], "--to", "insta", "--as", "feed"])

    assert wrong.exit_code != 0
    assert wrong.stderr.count("\n") == 1
    assert "Cloudinary refused the credentials" in wrong.stderr
    assert json.loads(listed.stdout) == [], "nothing is stored when the credentials fail"
    assert right.exit_code == 0, right.stderr
    assert cloud.api_secret not in right.stdout + shown.stdout
    assert carousel.exit_code == 0, carousel.stderr
    assert own.exit_code == 0, own.stderr
    assert own.stdout.startswith("published as feed to 'insta'")
    album, single = graph.published(account)
    assert [child.media_type for child in album.children] == ["IMAGE", "IMAGE", "VIDEO"]
    assert album.caption == "three of a kind"
    assert single.media_type == "IMAGE"
    png_upload = cloud.requests_to("upload")[0]
    assert png_upload.param("eager") == "f_jpg/jpg", "the PNG is converted by an eager JPEG"
    fetched = [f.data[:3] for f in graph.fetches() if f.purpose == "image_url"]
    assert fetched == [b"\xff\xd8\xff"] * 3
    assert cloud.leftovers() == []


def test_the_sweeper_deletes_old_tagged_copies_on_every_page_and_keeps_young_ones(
    run: CliRun,
    graph: FakeGraph,
    token: str,
    database_url: str,
    cloud: FakeCloudinary,
) -> None:
    db = ["--db", database_url]
    fake = ["--graph-url", graph.base_url, "--api-version", graph.version]
    assert run([*db, "instagram", "connect", "insta", "--token", token, *fake]).exit_code == 0
    stored = run([*db, "instagram", "cloudinary", "insta", "--url", cloud.url_with_prefix])
    assert stored.exit_code == 0, stored.stderr
    old = [
        cloud.add(photo(400, 400), f"mediasync-staging/old{i}", tags=["mediasync-staging"])
        for i in range(620)
    ]  # more than one page of 500
    old.append(
        cloud.add(
            movie(), "mediasync-staging/clip", resource_type="video", tags=["mediasync-staging"]
        )
    )
    cloud.backdate(7 * 3600)
    young = cloud.add(photo(400, 400), "mediasync-staging/young", tags=["mediasync-staging"])
    other = cloud.add(photo(400, 400), "mine/keep", tags=["holiday"], created_at=0)

    dry = run([*db, "instagram", "sweep", "insta", "--dry-run", "--json"])
    swept = run([*db, "instagram", "sweep", "--json"])

    assert len(json.loads(dry.stdout)["insta"]) == 621
    assert len(json.loads(swept.stdout)["insta"]) == 621
    left = {asset.public_id for asset in cloud.assets}
    assert left == {young.public_id, other.public_id}
