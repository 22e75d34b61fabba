"""The no-op shortcut looks at sources through symbolic links, as the readers do."""

from __future__ import annotations

import os

from tests.helpers import run_cli


def test_an_edit_behind_a_symlinked_source_is_published(tiny_site, tmp_path):
    elsewhere = tmp_path / "shared-articles"
    elsewhere.mkdir()
    (tiny_site / "sources/sleep.md").rename(elsewhere / "sleep.md")
    (tiny_site / "sources/sleep.md").symlink_to(elsewhere / "sleep.md")
    assert run_cli(tiny_site, "publish").returncode == 0
    target = elsewhere / "sleep.md"
    target.write_text(target.read_text(encoding="utf-8").replace("Keep the room dark.", "Keep the room dark and quiet."), encoding="utf-8")
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    again = run_cli(tiny_site, "publish")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" not in again.stdout
    assert "dark and quiet" in (tiny_site / "output/en/t-sleep-03.html").read_text(encoding="utf-8")


def test_a_folder_that_links_to_itself_does_not_stop_a_publish(tiny_site):
    (tiny_site / "sources/versions/loop").symlink_to("..")
    first = run_cli(tiny_site, "publish")
    assert first.returncode == 0, first.stderr
    assert "nothing changed" in run_cli(tiny_site, "publish").stdout


def test_folders_linked_from_many_paths_are_looked_at_once(tiny_site):
    deep = tiny_site / "sources/deep"
    for level in range(31):  # two links a level: 2^30 paths to the last folder
        (deep / f"d{level}").mkdir(parents=True)
    for level in range(30):
        for name in ("x", "y"):
            (deep / f"d{level}" / name).symlink_to(f"../d{level + 1}")
    first = run_cli(tiny_site, "publish")  # run_cli gives up after 120 s: a hang fails the test
    assert first.returncode == 0, first.stderr
    assert "nothing changed" in run_cli(tiny_site, "publish").stdout
