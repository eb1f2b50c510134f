"""`onescore manifest teams`: a package Teams accepts (manifest fields, icon sizes, limits)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bot.cli import main

APP_ID = "6f1c6e1e-0000-4000-8000-000000000001"


def png_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ONESCORE_CONFIG", str(tmp_path / "absent.yaml"))
    output = tmp_path / "app.zip"
    return main(["manifest", "teams", *args, "--output", str(output)]), output


def test_the_package_holds_a_manifest_and_both_icons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    status, output = package(tmp_path, monkeypatch, "--app-id", APP_ID, "--url", "https://onescore.example.com/")
    assert status == 0
    with zipfile.ZipFile(output) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zipped.read("manifest.json"))
        assert png_size(zipped.read("color.png")) == (192, 192, 6)
        assert png_size(zipped.read("outline.png")) == (32, 32, 6)

    assert manifest["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert "scores" in titles and "help" in titles
    assert all(len(t) <= 32 for t in titles)
    assert all(len(c["description"]) <= 128 for c in bot["commandLists"][0]["commands"])
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert manifest["validDomains"] == ["onescore.example.com"]
    assert all(u.startswith("https://") for u in manifest["developer"].values() if u != "OneScore")


@pytest.mark.parametrize(
    ("app_id", "url"),
    [("not-a-guid", "https://onescore.example.com"), (APP_ID, "http://onescore.example.com"), (APP_ID, "https://x/y")],
)
def test_bad_arguments_end_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], app_id: str, url: str
) -> None:
    status, output = package(tmp_path, monkeypatch, "--app-id", app_id, "--url", url)
    assert status == 2 and not output.exists()
    assert capsys.readouterr().err.count("\n") == 1
