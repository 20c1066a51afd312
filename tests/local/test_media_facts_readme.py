"""The README's "Find by date, size and shape; find duplicates" commands, run as written on a
folder of real photos and a clip."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from conftest import CliRun
from local.facts_files import exif, image_bytes, movie_bytes, write

README = Path(__file__).parents[2] / "README.md"


def commands() -> list[list[str]]:
    section = README.read_text(encoding="utf-8").split("## Find by date, size and shape", 1)[1]
    [block] = re.findall(r"```sh\n(.*?)```", section.split("\n## ", 1)[0], re.S)
    lines = [line.split("  #", 1)[0] for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.strip()]


def test_the_readme_finding_examples_run(run: CliRun, tmp_path: Path, database_url: str) -> None:
    pictures, backup = tmp_path / "Pictures", tmp_path / "Backup"
    tall = image_bytes("JPEG", 1600, 1200, exif(6, "2024:05:03 10:00:00", "+02:00", "Apple", "15"))
    write(pictures / "may/tall.jpg", tall)
    write(pictures / "may/clip.mp4", movie_bytes(moov_last=True))
    write(backup / "tall.jpg", tall)
    db = ["--db", database_url]
    for folder in (pictures, backup):
        assert run([*db, "sync", str(folder)]).exit_code == 0
    outputs = []
    for args in commands():
        result = run([*db, *args])
        assert result.exit_code == 0, (args, result.stderr)
        outputs.append(result.stdout)
    refreshed, may, portrait, shown, duplicates = outputs
    assert "Pictures: 0 read" in refreshed
    assert re.findall(r"Pictures:(\S+)", may) == ["may/clip.mp4", "may/tall.jpg"]
    assert "Pictures:may/tall.jpg" in portrait
    assert shown.startswith("facts: ")
    assert "2 copies of" in duplicates
    assert "Backup:tall.jpg" in duplicates
