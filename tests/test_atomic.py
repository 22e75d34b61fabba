"""A publish killed at any moment leaves output/ as the complete old site or the complete new one;
a second publish at the same time is refused with a message naming the first."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

from pipeline.files import MIRROR, StagedTree
from pipeline.lock import LOCK, exclusive
from tests.helpers import EPOCH, ROOT, assert_mirror_or_nothing, run_cli, tree


def change(root):
    source = root / "sources/legs.md"
    source.write_text(source.read_text().replace("Walking **30 minutes** a day can help.",
                                                 "Walking **30 minutes** a day can help a lot."))
    (root / "sources/sleep.md").write_text((root / "sources/sleep.md").read_text().replace("Sleep matters.",
                                                                                         "Sleep matters most."))


def test_a_killed_publish_leaves_the_old_or_the_new_site(tiny_site, tmp_path):
    assert run_cli(tiny_site, "publish").returncode == 0
    old = tree(tiny_site / "output")
    expected = tmp_path / "expected"
    shutil.copytree(tiny_site, expected)
    change(expected)
    assert run_cli(expected, "publish").returncode == 0
    new = tree(expected / "output")
    assert new != old
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    seen = set()
    for delay in (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.8, 1.0, 1.3):
        site = tmp_path / f"site-{delay}"
        shutil.copytree(tiny_site, site)
        change(site)
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(site), "publish"],
                                   env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(site / "output")
        assert now in (old, new), f"killed after {delay} s: output is neither the old nor the new site"
        seen.add("old" if now == old else "new")
        result = run_cli(site, "publish")  # a stale lock and a half-built staging folder are recovered from
        assert result.returncode == 0, result.stderr
        assert tree(site / "output") == new
        assert_mirror_or_nothing(site)
    assert "old" in seen  # some kills landed before the switch


def test_a_second_writer_is_refused_with_the_holders_name(tiny_site):
    with exclusive(tiny_site, "publish"):
        result = run_cli(tiny_site, "publish")
        assert result.returncode == 1
        assert result.stderr.startswith(f"{LOCK}: another publish is running (pid {os.getpid()}")
    assert (tiny_site / LOCK).read_bytes() == b""  # the file stays (deleting it lets two in); its holder text goes


def test_a_lock_left_by_a_killed_run_is_taken_over(tiny_site):
    (tiny_site / ".cache").mkdir(exist_ok=True)
    (tiny_site / LOCK).write_text('{"pid": 999999999, "host": "%s", "what": "publish"}' % os.uname().nodename)
    assert run_cli(tiny_site, "publish").returncode == 0
    assert (tiny_site / LOCK).read_bytes() == b""


def test_a_lock_file_naming_another_machine_blocks_nobody(tiny_site):
    (tiny_site / ".cache").mkdir(exist_ok=True)
    (tiny_site / LOCK).write_text('{"pid": 12, "host": "elsewhere", "what": "publish"}')
    with exclusive(tiny_site, "publish"):  # only a live holder's kernel lock excludes, wherever it runs
        pass


def test_output_files_are_readable_by_all_whatever_the_umask(tiny_site):
    from pipeline.publish import publish
    from tests.helpers import BUILD_TIME

    old = os.umask(0o077)
    try:
        publish(tiny_site, when=BUILD_TIME)
    finally:
        os.umask(old)
    assert {p.stat().st_mode & 0o777 for p in (tiny_site / "output").rglob("*") if p.is_file()} == {0o644}


def test_a_staged_tree_takes_files_from_workers_and_shows_nothing_before_the_swap(tmp_path, monkeypatch):
    from pipeline.files import StagedTree
    from pipeline.parallel import map_forked

    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    site = tmp_path / "output"
    (site / "en").mkdir(parents=True)
    (site / "en/same.html").write_bytes(b"same")
    (site / "en/gone.html").write_bytes(b"gone")
    (site / "newsletter").mkdir()
    (site / "newsletter/issue.html").write_bytes(b"kept")
    staged = StagedTree(site, keep=("newsletter/",))
    wrote = map_forked(lambda i: (f"en/p{i}.html", staged.write(f"en/p{i}.html", b"page %d" % i)), 40, threshold=1)
    for path, written in wrote + [("en/same.html", staged.write("en/same.html", b"same"))]:
        staged.record(path, written)
    assert sorted(p.name for p in (site / "en").iterdir()) == ["gone.html", "same.html"]  # nothing seen yet
    assert staged.finish() == (40, 1)  # the unchanged file is not written, the one not made is removed
    assert sorted(p.name for p in (site / "en").iterdir()) == sorted([f"p{i}.html" for i in range(40)] + ["same.html"])
    assert (site / "en/p7.html").read_bytes() == b"page 7"
    assert (site / "newsletter/issue.html").read_bytes() == b"kept"


def test_the_old_tree_is_kept_as_a_mirror_and_the_next_build_starts_from_it(tmp_path, monkeypatch):
    site = tmp_path / "output"
    (site / "en/topics/legs").mkdir(parents=True)
    for name, data in (("en/a.html", b"a"), ("en/b.html", b"b"), ("en/topics/legs/feed.atom", b"feed")):
        (site / name).write_bytes(data)
    staged = StagedTree(site)
    for rel, data in (("en/a.html", b"a, changed"), ("en/b.html", b"b"), ("de/a.html", b"new")):
        staged.record(rel, staged.write(rel, data))
    assert staged.finish() == (2, 1)
    assert_mirror_or_nothing(tmp_path)  # the removed feed's folders are gone from both
    assert (tmp_path / ".output.staging/en/a.html").read_bytes() == b"a, changed"

    def relinked(*args):
        raise AssertionError("the mirror should have been taken as it is")

    monkeypatch.setattr("pipeline.files._link_tree", relinked)
    staged = StagedTree(site, reuse=True)
    assert not (staged.staging / MIRROR).exists()  # in use: a run killed now leaves no mirror
    for rel, data in (("en/a.html", b"a, changed"), ("en/b.html", b"b, changed"), ("de/a.html", b"new")):
        staged.record(rel, staged.write(rel, data))
    assert (site / "en/b.html").read_bytes() == b"b"  # nothing seen before the swap
    assert staged.finish() == (1, 0)
    assert (site / "en/b.html").read_bytes() == b"b, changed"
    assert_mirror_or_nothing(tmp_path)


def test_without_its_mark_the_staging_folder_is_made_afresh(tmp_path):
    site = tmp_path / "output"
    (site / "en").mkdir(parents=True)
    (site / "en/a.html").write_bytes(b"a")
    staging = tmp_path / ".output.staging"
    (staging / "en").mkdir(parents=True)
    (staging / "en/stray.html").write_bytes(b"left by a killed run")
    staged = StagedTree(site, reuse=True)
    staged.record("en/a.html", staged.write("en/a.html", b"a"))
    assert staged.finish() == (0, 0)
    assert_mirror_or_nothing(tmp_path)


def test_a_first_build_leaves_a_mirror_which_a_copy_of_the_project_does_not_take(tmp_path):
    site = tmp_path / "project/output"
    staged = StagedTree(site)
    for rel in ("en/a.html", "de/a.html", "index.html"):
        staged.record(rel, staged.write(rel, rel.encode()))
    assert staged.finish() == (3, 0)
    assert_mirror_or_nothing(tmp_path / "project")  # the next publish need not link the tree first
    assert (tmp_path / "project/.output.staging/en/a.html").read_bytes() == b"en/a.html"

    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "project", copy)  # files, not links: the staging folder is no mirror here
    staged = StagedTree(copy / "output", reuse=True)
    staged.record("en/a.html", staged.write("en/a.html", b"changed"))
    for rel in ("de/a.html", "index.html"):
        staged.record(rel, staged.write(rel, rel.encode()))
    assert staged.finish() == (1, 0)
    assert_mirror_or_nothing(copy)
    assert (copy / "output/en/a.html").read_bytes() == b"changed"
