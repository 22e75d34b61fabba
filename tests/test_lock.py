"""The write lock: one run inside at a time, however many try, and no lock file left on disk ever
keeps a run out; only a live holder does. Every refusal is one line, never a traceback."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.cleantext import forbidden_character
from pipeline.errors import PipelineError
from pipeline.lock import LOCK, exclusive
from tests.helpers import EPOCH, ROOT, assert_mirror_or_nothing, run_cli, tree

CONTENDERS = 6
ATTEMPTS = 150  # each; 6 x 150 ran in about 2 s here

# One contender: many attempts at the lock; inside, it claims a marker with O_EXCL, which fails
# if another contender is inside too. It prints what it saw as JSON.
CONTENDER = r"""
import json, os, random, sys, time
from pathlib import Path
from pipeline.errors import PipelineError
from pipeline.lock import exclusive

root, attempts, start = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
marker = root / "inside"
seen = {"inside": 0, "overlaps": 0, "refused": 0, "refusals": [], "crashes": []}
while not start.exists():
    time.sleep(0.001)
for _ in range(attempts):
    try:
        with exclusive(root, "publish"):
            seen["inside"] += 1
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                seen["overlaps"] += 1
                time.sleep(0.0005)
                continue
            time.sleep(0.0005)
            os.unlink(marker)
    except PipelineError as exc:
        seen["refused"] += 1
        if len(seen["refusals"]) < 5:
            seen["refusals"].append(str(exc))
    except Exception as exc:
        seen["crashes"].append(repr(exc))
    time.sleep(random.random() / 1000)  # entries spread over all contenders, not one's loop
print(json.dumps(seen))
"""

# A holder that keeps the lock until it is killed.
HOLDER = r"""
import sys, time
from pathlib import Path
from pipeline.lock import exclusive

with exclusive(Path(sys.argv[1]), "publish"):
    print("held", flush=True)
    time.sleep(120)
"""

# A run at the moment between locking the file and writing its name into it.
LOCKED_NOT_WRITTEN = r"""
import fcntl, os, sys, time

fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture
def site(tiny_site):
    """The tiny site without the .cache/ another test may have left in the fixture."""
    shutil.rmtree(tiny_site / ".cache", ignore_errors=True)
    return tiny_site


def python(script: str, *args: object, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def started_holder(script: str, *args: object) -> subprocess.Popen[str]:
    holder = python(script, *args)
    assert holder.stdout.readline() == "held\n", holder.stderr.read()
    return holder


def assert_one_clean_line(message: str) -> None:
    assert message.startswith(f"{LOCK}: ") and "\n" not in message, message
    assert message.isprintable() and forbidden_character(message) is None, message


def refusal(root: Path) -> str:
    with pytest.raises(PipelineError) as caught:
        with exclusive(root, "publish"):
            pass
    assert_one_clean_line(str(caught.value))
    return str(caught.value)


def test_many_contenders_are_never_inside_together(tmp_path):
    start = tmp_path / "start"
    contenders = [python(CONTENDER, tmp_path, ATTEMPTS, start) for _ in range(CONTENDERS)]
    time.sleep(0.3)  # all started, waiting for the same moment
    start.touch()
    seen = []
    for contender in contenders:
        out, err = contender.communicate(timeout=120)
        assert contender.returncode == 0, err
        seen.append(json.loads(out))
    assert [s["crashes"] for s in seen] == [[]] * CONTENDERS
    assert sum(s["overlaps"] for s in seen) == 0
    assert sum(s["inside"] + s["refused"] for s in seen) == CONTENDERS * ATTEMPTS
    assert sum(s["inside"] for s in seen) > 0 and sum(s["refused"] for s in seen) > 0  # they did contend
    for message in (m for s in seen for m in s["refusals"]):
        assert_one_clean_line(message)
        assert "wait for it to finish" in message


def test_a_killed_holder_frees_the_lock_at_once_even_before_it_is_reaped(site):
    holder = started_holder(HOLDER, site)
    assert f"another publish is running (pid {holder.pid}, started " in refusal(site)
    holder.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{holder.pid}/stat").read_text().split(") ")[-1][0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.01)  # dead, but not reaped: its pid still answers signals, like its parent's child
    try:
        with exclusive(site, "publish"):
            pass
    finally:
        holder.wait()
    assert run_cli(site, "publish").returncode == 0


def test_a_lock_file_left_empty_blocks_nobody_but_its_live_holder_excludes(site):
    lock = site / LOCK
    lock.parent.mkdir()
    lock.touch()  # left by a run killed between creating and writing it
    with exclusive(site, "publish"):
        pass
    holder = started_holder(LOCKED_NOT_WRITTEN, lock)  # a live run at that very moment
    try:
        assert refusal(site).endswith("another run holds the write lock (it has not said which yet); "
                                           "wait for it to finish")
        result = run_cli(site, "publish")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[0] == refusal(site)
        assert lock.exists() and not (site / "output").exists()
    finally:
        holder.kill()
        holder.wait()
    assert run_cli(site, "publish").returncode == 0


def test_a_lock_naming_pid_1_or_a_dead_run_blocks_nobody(site):
    lock = site / LOCK
    lock.parent.mkdir()
    for text in ('{"pid": 999999999, "host": "%s", "what": "publish", "started": "2025-01-01T00:00:00+00:00"}'
                 % os.uname().nodename, "12345\n", "\x00\x00\x00"):
        lock.write_text(text)
        with exclusive(site, "publish"):
            pass
    lock.write_text('{"pid": 1, "host": "%s", "what": "publish"}' % os.uname().nodename)  # always alive
    result = run_cli(site, "publish")
    assert result.returncode == 0, result.stderr


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(b"[" * 3000)  # nested deeper than json goes
@example(b"{" + b" " * 5000 + b"}")  # longer than a refused run reads
@example(b'{"pid": 12, "host": "x\\nforged.md:1: error", "what": "publish", "started": "2026-01-01T00:00:00+00:00"}')
@given(st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode),
                 st.fixed_dictionaries({"pid": st.one_of(st.integers(), st.text(max_size=5), st.none()),
                                        "host": st.text(max_size=20), "what": st.text(max_size=20),
                                        "started": st.text(max_size=30)}).map(lambda d: json.dumps(d).encode())))
def test_whatever_the_holder_wrote_a_refusal_is_one_clean_line(text):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".cache").mkdir()
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a live holder, in another open of the file
            os.write(fd, text)
            message = refusal(root)
            assert message.endswith("; wait for it to finish")
        finally:
            os.close(fd)


def test_a_well_formed_holder_on_another_machine_is_named(tmp_path):
    (tmp_path / ".cache").mkdir()
    fd = os.open(tmp_path / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b'{"pid": 12, "host": "build-2", "what": "newsletter", "started": "2026-12-04T19:30:00+01:00"}')
        assert refusal(tmp_path) == (f"{LOCK}: another newsletter is running on build-2 (pid 12, started "
                                     "2026-12-04 19:30:00+01:00); wait for it to finish")
    finally:
        os.close(fd)


def odd_lock(root: Path, kind: str) -> str:
    """Put something other than a lock file at the lock's place; the first line a publish must give."""
    (root / ".cache").mkdir()
    if kind == "folder":
        (root / LOCK).mkdir()
        return f"{LOCK}: the lock is a folder, not a file; remove it (rmdir) and run again"
    if kind == "link":
        (root / LOCK).symlink_to(root / "sources/site.toml")
        return f"{LOCK}: the lock is a symbolic link; remove it and run again"
    if kind == "fifo":
        os.mkfifo(root / LOCK)
        return f"{LOCK}: the lock is not a regular file; remove it and run again"
    (root / ".cache").rmdir()
    (root / ".cache").write_text("not a folder")
    return f"{LOCK}: .cache is not a folder; remove it (it holds only caches) and run again"


@pytest.mark.parametrize("kind", ["folder", "link", "fifo", "cache-is-a-file"])
def test_something_else_at_the_lock_is_a_message(site, kind):
    first = odd_lock(site, kind)
    sources = tree(site / "sources")
    result = run_cli(site, "publish")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == first
    assert tree(site / "sources") == sources  # a link's target is not truncated
    assert not (site / "output").exists()


def in_read_only_mount(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """``command`` with ``root`` mounted read-only, in a mount namespace of its own."""
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, str(root), *command], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
@pytest.mark.parametrize("published", [False, True])
def test_a_read_only_project_folder_is_a_message(site, published):
    if published:
        assert run_cli(site, "publish").returncode == 0
        change(site)  # work to do
    before = tree(site)
    probe = in_read_only_mount(site, "true")
    if probe.returncode != 0:
        pytest.skip(f"cannot mount read-only here: {probe.stderr.strip()}")
    result = in_read_only_mount(site, sys.executable, "-m", "pipeline", "--root", str(site), "publish")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]  # refused before the lock is even tried, or by the lock
    assert "read-only file system" in first.lower() and first.endswith(("nothing was changed", "copy of the project"))
    assert tree(site) == before


@pytest.mark.parametrize("lock_exists", [False, True])
def test_an_unwritable_cache_is_a_message(site, lock_exists):
    cache = site / ".cache"
    cache.mkdir()
    if lock_exists:
        (site / LOCK).touch()
    target = site / LOCK if lock_exists else cache
    if subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("needs chattr +i (immutable files, refused even to root)")
    try:
        result = run_cli(site, "publish")
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]  # refused before the lock is even tried, or by the lock
    assert "permission denied" in first.lower() and (".cache" in first)
    assert not (site / "output").exists()


def change(root: Path) -> None:
    sleep = root / "sources/sleep.md"
    sleep.write_text(sleep.read_text().replace("Sleep matters.", "Sleep matters most."))


def test_two_publishes_at_once_one_publishes_the_other_is_refused(site, tmp_path):
    expected = tmp_path / "expected"
    shutil.copytree(site, expected)
    change(expected)
    assert run_cli(expected, "publish").returncode == 0
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    outcomes = []
    for round in range(8):  # until the two overlap: each publish holds the lock for a tenth of a second
        copy = tmp_path / f"round-{round}"
        shutil.copytree(site, copy)
        assert run_cli(copy, "publish").returncode == 0
        change(copy)  # both have work to do, and an old site to keep intact
        runs = [subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(copy), "publish"], env=env,
                                 cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        results = []
        for run in runs:
            out, err = run.communicate(timeout=120)
            results.append((run.returncode, out, err))
        for code, _, err in results:
            assert "Traceback" not in err and code in (0, 1), err
        assert tree(copy / "output") == tree(expected / "output")
        assert_mirror_or_nothing(copy)
        outcomes.append(sorted(code for code, _, _ in results))
        if outcomes[-1] == [0, 1]:
            refused = next(err for code, _, err in results if code == 1).splitlines()
            assert refused[0].startswith(f"{LOCK}: another ") and refused[0].endswith("; wait for it to finish")
            assert refused[1:] == ["error: 1 problem(s); nothing was written"]
            break
    assert outcomes[-1] == [0, 1], f"the two publishes never overlapped: {outcomes}"
