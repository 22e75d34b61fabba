"""Faults of the machine are messages: a full disk, read-only folders, a killed worker, Ctrl-C and
SIGTERM each end a publish with one line saying what happened and what was changed, a non-zero
exit, the lock free, no worker left, and output/ the complete old site or, when success is
reported, the complete new one. The next publish, the fault gone, succeeds.

Root may write whatever the permission bits say, so the faults are real mounts in a private mount
namespace (``unshare -rm``): a tiny tmpfs for a full disk, a read-only bind mount for a read-only
tree. Where that is not permitted, the tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.lock import exclusive
from tests.helpers import DATA, EPOCH, ROOT, run_cli, tree
from tests.test_atomic import change


def _namespaces_work() -> str:
    """Why mounts in a private namespace cannot be made here, or "" when they can."""
    if shutil.which("unshare") is None:
        return "no unshare(1)"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, text=True)
    return "" if probe.returncode == 0 else f"unshare -rm with mount is not permitted: {probe.stderr.strip()}"


_CANNOT = _namespaces_work()
needs_mounts = pytest.mark.skipif(bool(_CANNOT), reason=_CANNOT)


def _publish_line(site: str) -> str:
    return (f"cd {ROOT} && SOURCE_DATE_EPOCH={EPOCH} {sys.executable} -m pipeline --root {site} publish")


def _in_namespace(script: str) -> None:
    done = subprocess.run(["unshare", "-rm", "sh", "-euc", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _run_twice(site: Path, work: Path, fault: str, mend: str, site_in_mount: str) -> None:
    """In a private namespace: ``fault``, publish (results in work/1.*, output/ in work/after, the
    staging folder in work/staging, what .cache/ holds in work/cache), ``mend``, publish again
    (work/2.*, work/again)."""
    publish = _publish_line(site_in_mount)
    _in_namespace(f"""{fault}
{publish} >{work}/1.out 2>{work}/1.err && echo 0 >{work}/1.rc || echo $? >{work}/1.rc
if [ -d {site_in_mount}/output ]; then cp -a {site_in_mount}/output {work}/after; fi
if [ -d {site_in_mount}/.output.staging ]; then cp -a {site_in_mount}/.output.staging {work}/staging; fi
ls -a {site_in_mount}/.cache >{work}/cache 2>/dev/null || true
{mend}
{publish} >{work}/2.out 2>{work}/2.err && echo 0 >{work}/2.rc || echo $? >{work}/2.rc
cp -a {site_in_mount}/output {work}/again
""")


def _outcome(work: Path, n: int) -> tuple[int, list[str]]:
    return int((work / f"{n}.rc").read_text()), (work / f"{n}.err").read_text().splitlines()


def _one_line(err: list[str]) -> str:
    """The one line a fault ends with; every other line is a warning of the build."""
    assert not any("Traceback" in line for line in err), "\n".join(err)
    faults = [line for line in err if not line.startswith("warning: sources/")]
    assert len(faults) == 1, err
    return faults[0]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
    """The tiny site published, then changed; its output before and after that change is
    published, and the output of a first publish. Made once: each test takes a copy."""
    base = tmp_path_factory.mktemp("faults")
    site = base / "site"
    shutil.copytree(DATA / "site-tiny", site)
    first = base / "first"
    shutil.copytree(site, first)
    assert run_cli(site, "publish").returncode == 0
    old = tree(site / "output")
    change(site)
    expected = base / "expected"
    shutil.copytree(site, expected)
    assert run_cli(expected, "publish").returncode == 0
    return site, old, tree(expected / "output"), tree(first / "output") if run_cli(first, "publish").returncode == 0 else {}


@pytest.fixture
def changed_site(prepared, tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A copy of the tiny site published, then changed; with its output before and after a publish."""
    site, old, new, _ = prepared
    copy = tmp_path / "site"
    subprocess.run(["cp", "-a", str(site), str(copy)], check=True)  # output/ and its mirror stay hard links
    return copy, old, new


def _disk_full_run(site: Path, work: Path, free_kb: int, cache_only: bool = False) -> None:
    """Publish ``site`` on a tmpfs left with ``free_kb`` KiB free, then again with space."""
    work.mkdir()
    mount = work / "mnt"
    mount.mkdir()
    copy = mount / "site"
    full = copy / ".cache" if cache_only else mount
    ballast = full / "ballast"
    fault = f"""mount -t tmpfs -o size=8m tmpfs {mount}
cp -a {site} {copy}
"""
    if cache_only:
        fault += f"""mkdir -p {copy}/.cache && mount -t tmpfs -o size=4m tmpfs {copy}/.cache
if [ -d {site}/.cache ]; then cp -a {site}/.cache/. {copy}/.cache/; fi
"""
    fault += f"""avail=$(df -k --output=avail {full} | tail -1)
if [ $avail -gt {free_kb} ]; then fallocate -l $((avail - {free_kb}))k {ballast}; fi
"""
    _run_twice(site, work, fault, f"rm -f {ballast}", str(copy))


def _check_disk_full(work: Path, old: dict[str, bytes] | None, new: dict[str, bytes]) -> str:
    """The invariants of a publish on a full disk; the kind of outcome."""
    code, err = _outcome(work, 1)
    after = tree(work / "after") if (work / "after").is_dir() else None
    again_code, again_err = _outcome(work, 2)
    assert again_code == 0, again_err  # with space again: no stale staging folder, lock or record in the way
    assert tree(work / "again") == new
    if code == 0:
        assert after == new
        unrecorded = [line for line in err if "could not record" in line]
        assert not any("Traceback" in line for line in err), err
        if unrecorded:
            assert unrecorded[0].startswith("warning: published; but could not record")
            assert "the next publish reads everything again" in unrecorded[0]
            return "published, unrecorded"
        return "published"
    line = _one_line(err)
    assert line.startswith("error: ") and "No space left on device (ENOSPC)" in line, line
    assert after == old, f"a failure was reported, but output/ is not the old site: {line}"
    if "changed before it stopped" in line:
        assert "(the new site is live)" not in line
        return "failed, inputs written"
    assert line.endswith("; nothing was changed"), line
    return "failed at " + line.split(": ")[1].split("/")[0]


@needs_mounts
def test_a_full_disk_at_any_moment_of_a_publish_is_one_line_and_the_old_or_new_site(changed_site, tmp_path):
    site, old, new = changed_site
    seen = {}
    # The staging tree is written before the catalogs and ledgers: where the disk is full, it fills
    # there, and no file of the project is changed for a site that never went live.
    for free in (4, 20, 28, 44, 64):  # from a disk full in the staging tree to enough space
        work = tmp_path / f"free-{free}"
        _disk_full_run(site, work, free)
        seen[free] = _check_disk_full(work, old, new)
    assert {"failed at .output.staging", "failed at .cache", "published"} <= set(seen.values()), seen


@needs_mounts
def test_a_full_disk_in_a_first_publish_is_one_line_and_no_site_or_the_new_one(tiny_site, prepared, tmp_path):
    new = prepared[3]
    seen = {}
    # How much the memo's log takes first varies (SQLite stops where the disk is full), so the
    # moments are not pinned here: every run must be a whole site or none, and one line.
    for free in (200, 600, 900):
        work = tmp_path / f"free-{free}"
        _disk_full_run(tiny_site, work, free)
        seen[free] = _check_disk_full(work, None, new)
    assert seen[200].startswith("failed") and seen[900].startswith("published"), seen


@needs_mounts
def test_a_build_record_that_cannot_be_written_after_the_swap_is_a_published_site(changed_site, tmp_path):
    site, old, new = changed_site
    work = tmp_path / "record"
    work.mkdir()
    record = site / ".cache/publish.tmp"  # where the build record is written before it replaces the last
    record.write_bytes(b"")
    _run_twice(site, work, f"mount --bind {record} {record} && mount -o remount,bind,ro {record}",
               f"umount {record}", str(site))
    code, err = _outcome(work, 1)
    assert code == 0, err
    assert not any("Traceback" in line for line in err), err
    assert ("warning: published; but could not record what this publish did (.cache/publish.pickle: Read-only "
            "file system (EROFS)); the next publish reads everything again") in err
    assert tree(work / "after") == new
    assert "publish.pickle" not in (work / "cache").read_text().split()  # nor the last one's, to pass for this one's
    again_code, again_err = _outcome(work, 2)
    assert again_code == 0, again_err
    assert tree(work / "again") == new


def _read_only_run(site: Path, work: Path, folder: str) -> None:
    work.mkdir()
    target = f"{site}/{folder}".rstrip("/")
    _run_twice(site, work, f"mount --bind {target} {target} && mount -o remount,bind,ro {target}",
               f"umount {target}", str(site))


@needs_mounts
def test_a_read_only_output_is_refused_before_building_and_left_as_it_was(changed_site, tmp_path):
    site, old, new = changed_site
    staging = tree(site / ".output.staging")
    _read_only_run(site, tmp_path / "ro", "output")
    code, err = _outcome(tmp_path / "ro", 1)
    line = _one_line(err)
    assert code == 1
    assert line == ("error: output: Read-only file system (EROFS); make it writable and run it again; "
                    "nothing was changed")
    assert tree(tmp_path / "ro/after") == old
    assert tree(tmp_path / "ro/staging") == staging  # not rebuilt: the next publish takes it as it is
    assert _outcome(tmp_path / "ro", 2)[0] == 0
    assert tree(site / "output") == new


@needs_mounts
def test_a_read_only_project_folder_is_one_line(changed_site, tmp_path):
    site, old, new = changed_site
    _read_only_run(site, tmp_path / "ro", "")
    code, err = _outcome(tmp_path / "ro", 1)
    line = _one_line(err)
    assert code == 1
    assert line.startswith("error: ") and "Read-only file system (EROFS)" in line and "nothing was changed" in line
    assert tree(tmp_path / "ro/after") == old
    assert _outcome(tmp_path / "ro", 2)[0] == 0, _outcome(tmp_path / "ro", 2)
    assert tree(site / "output") == new


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _publish_and(site: Path, act) -> tuple[int, list[str], set[int]]:
    """Start a cold publish that forks even for tiny jobs; once a worker is running, ``act(parent,
    worker)``. The exit code, the stderr lines and every worker seen; None if no worker was caught."""
    shutil.rmtree(site / ".cache", ignore_errors=True)  # a cold build: one that forks
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "PIPELINE_PARALLEL_THRESHOLD": "1", "PIPELINE_WORKERS": "2"}
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(site), "publish"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: set[int] = set()
    acted = False
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        workers = _children(process.pid)
        seen.update(workers)
        if workers and not acted:
            act(process.pid, workers[0])
            acted = True
    _, err = process.communicate(timeout=60)
    return (process.returncode if acted else None), err.splitlines(), seen


def _assert_left_clean(site: Path, seen: set[int], old: dict[str, bytes], new: dict[str, bytes], line: str) -> None:
    assert not [pid for pid in seen if _alive(pid)], "a worker outlived the publish"
    with exclusive(site, "test"):  # the lock is free
        pass
    now = tree(site / "output")
    assert now == (new if "(the new site is live)" in line else old), line
    again = run_cli(site, "publish")
    assert again.returncode == 0, again.stderr
    assert tree(site / "output") == new


def _until_caught(site: Path, act) -> tuple[int, list[str], set[int]]:
    for _ in range(20):  # a publish may end before a worker shows: try again
        code, err, seen = _publish_and(site, act)
        if code is not None:
            return code, err, seen
    pytest.fail("no worker seen in 20 publishes")


def test_a_killed_worker_is_one_line_and_the_old_site(changed_site):
    site, old, new = changed_site
    code, err, seen = _until_caught(site, lambda parent, worker: os.kill(worker, signal.SIGKILL))
    if code == 0:  # the worker had sent its results already: the publish is whole
        assert tree(site / "output") == new
        return
    line = _one_line(err)
    assert code == 1
    assert line.startswith("error: a worker process ended without its results (killed by SIGKILL"), line
    _assert_left_clean(site, seen, old, new, line)


@pytest.mark.parametrize("sent, code, said", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                              (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_a_signal_stops_a_publish_with_one_line_and_cleans_up(changed_site, sent, code, said):
    site, old, new = changed_site
    returned, err, seen = _until_caught(site, lambda parent, worker: os.kill(parent, sent))
    line = _one_line(err)
    assert returned == code, err
    assert line.startswith(f"error: {said}; "), line
    assert line.endswith("nothing was changed") or "changed before it stopped" in line, line
    _assert_left_clean(site, seen, old, new, line)


@needs_mounts
def test_a_staging_folder_that_cannot_be_cleared_is_one_line_and_the_next_publish_works(changed_site, tmp_path):
    site, old, new = changed_site
    work = tmp_path / "stuck"
    work.mkdir()
    stuck = site / ".output.staging/en"  # the copy's staging folder is not its mirror: it is made afresh
    _run_twice(site, work, f"mount --bind {stuck} {stuck} && mount -o remount,bind,ro {stuck}", f"umount {stuck}",
               str(site))
    code, err = _outcome(work, 1)
    line = _one_line(err)
    assert code == 1
    assert line.startswith("error: .output.staging/en/") and "Read-only file system (EROFS)" in line, line
    assert line.endswith("; nothing was changed"), line
    assert tree(work / "after") == old
    again_code, again_err = _outcome(work, 2)
    assert again_code == 0, again_err  # not SameFileError for every publish from here on
    assert tree(work / "again") == new
