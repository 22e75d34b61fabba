"""The no-op shortcut: a publish with nothing changed does nothing, and never differs from a full one."""

from __future__ import annotations

import os
import pickle
import shutil

from pipeline import buildcache
from tests.helpers import assert_mirror_or_nothing, run_cli, tree


def test_a_second_publish_with_nothing_changed_is_a_no_op(tiny_site):
    first = run_cli(tiny_site, "publish")
    assert first.returncode == 0, first.stderr
    before = tree(tiny_site / "output")
    again = run_cli(tiny_site, "publish")
    assert again.stdout.splitlines()[0] == "Published 3 in en, 2 in de (nothing changed since the last publish)."
    assert "Held back 1 page(s):" in again.stdout
    assert "review.due-soon" in again.stderr  # warnings are repeated, not forgotten
    assert tree(tiny_site / "output") == before


def test_a_file_saved_again_unchanged_is_still_a_no_op(tiny_site):
    run_cli(tiny_site, "publish")
    source = tiny_site / "sources/sleep.md"
    source.write_bytes(source.read_bytes())  # an editor's save: a new time, the same content
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    assert "nothing changed" in run_cli(tiny_site, "publish").stdout
    source.write_text(source.read_text() + "\n")  # one byte more
    assert "nothing changed" not in run_cli(tiny_site, "publish").stdout


def test_inputs_hashed_on_workers_are_hashed_alike(tiny_site, monkeypatch):
    monkeypatch.setattr(buildcache, "HASHED_APART", 1)
    monkeypatch.setenv("PIPELINE_PARALLEL_THRESHOLD", "1")
    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    forked = buildcache.look(tiny_site, "2025-11-24").table
    monkeypatch.setenv("PIPELINE_WORKERS", "1")
    assert forked == buildcache.look(tiny_site, "2025-11-24").table
    files = [entry for name, entry in forked.items() if not name.endswith("/")]
    assert len(files) > buildcache.HASH_SHARES and len({entry[2] for entry in files}) == len(files)


def test_output_looked_at_by_a_worker_is_judged_alike(tiny_site, monkeypatch):
    run_cli(tiny_site, "publish")
    monkeypatch.setattr(buildcache, "CHECKED_APART", 1)
    monkeypatch.setenv("PIPELINE_PARALLEL_THRESHOLD", "1")
    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    day = buildcache.build_day(tiny_site)
    split = buildcache.look(tiny_site, day)  # a worker looks at output/ and sources/, this process at the rest
    assert split.last is not None  # output/ as the publish left it
    source = tiny_site / "sources/sleep.md"
    source.write_text(source.read_text() + "\n")
    changed = buildcache.look(tiny_site, day)
    assert changed.changed()[1] == {"sources/sleep.md"}
    monkeypatch.setenv("PIPELINE_WORKERS", "1")
    assert buildcache.look(tiny_site, day).table == changed.table
    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    (tiny_site / "output/de/wasser.html").unlink()
    assert buildcache.look(tiny_site, day).last is None


def test_any_changed_input_means_a_full_publish(tiny_site):
    run_cli(tiny_site, "publish")
    source = tiny_site / "sources/sleep.md"
    source.write_text(source.read_text().replace("Sleep matters.", "Sleep matters a lot."))
    result = run_cli(tiny_site, "publish")
    assert "nothing changed" not in result.stdout
    assert "Sleep matters a lot." in (tiny_site / "output/en/t-sleep-03.html").read_text()


def test_tampered_or_deleted_output_is_rebuilt(tiny_site):
    run_cli(tiny_site, "publish")
    source = tiny_site / "sources/legs.md"
    source.write_text(source.read_text().replace("- with *rests*", "- with *rests* and water"))
    run_cli(tiny_site, "publish")  # leaves a mirror of output/ beside it, which must not be trusted now
    cold = tree(tiny_site / "output")
    (tiny_site / "output/de/wasser.html").unlink()
    assert "nothing changed" not in run_cli(tiny_site, "publish").stdout
    assert tree(tiny_site / "output") == cold
    (tiny_site / "output/en/water.html").write_text("broken")
    (tiny_site / "output/de/wasser.html").unlink()
    (tiny_site / "output/de/stray.html").write_text("not ours")
    assert "nothing changed" not in run_cli(tiny_site, "publish").stdout
    assert tree(tiny_site / "output") == cold


def test_the_cache_is_safe_to_delete_and_output_matches_a_cold_build(tiny_site, tmp_path):
    run_cli(tiny_site, "publish")
    source = tiny_site / "sources/legs.md"
    source.write_text(source.read_text().replace("- with *rests*", "- with *rests* and water"))
    run_cli(tiny_site, "publish")
    incremental = tree(tiny_site / "output")
    cold = tmp_path / "cold"
    shutil.copytree(tiny_site / "sources", cold / "sources")
    shutil.copytree(tiny_site / "locales", cold / "locales")
    run_cli(cold, "publish")
    assert tree(cold / "output") == incremental
    shutil.rmtree(tiny_site / ".cache")
    assert "nothing changed" not in run_cli(tiny_site, "publish").stdout
    assert tree(tiny_site / "output") == incremental


def test_a_new_day_is_a_new_build(tiny_site):
    run_cli(tiny_site, "publish")
    day = buildcache.build_day(tiny_site, {"SOURCE_DATE_EPOCH": "1764000000"})
    assert buildcache.remembered(tiny_site, day) is not None
    assert buildcache.remembered(tiny_site, "2030-01-01") is None  # reviews may have fallen due since


def edit(root, name, old, new):
    path = root / "sources" / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


# Each edit, and whether the publish after it reads only the articles it touched (the others
# come from the last publish's snapshot) or everything (the edit concerns the whole site).
EDITS = [
    ("add", lambda r: (r / "sources/new.md").write_text(
        "---\nid: t-new-04\nlang: en\ntitle: New\nsummary: A new one.\ntopics: [water]\ncreated: 2024-01-01\n"
        "next_review: 2030\nreferences: []\n---\n\nFresh text.\n")),
    ("change", lambda r: edit(r, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")),
    ("rename a slug", lambda r: edit(r, "wasser.md", "de: wasser", "de: wasser-trinken")),
    ("delete", lambda r: (r / "sources/sleep.md").unlink()),
    ("translate", lambda r: (r / "locales/de/LC_MESSAGES/t-new-04.po").write_text(
        (r / "locales/de/LC_MESSAGES/t-new-04.po").read_text()
        .replace('msgid "New"\nmsgstr ""', 'msgid "New"\nmsgstr "Neu"')
        .replace('msgid "A new one."\nmsgstr ""', 'msgid "A new one."\nmsgstr "Ein neuer."')
        .replace('msgid "Fresh text."\nmsgstr ""', 'msgid "Fresh text."\nmsgstr "Frischer Text."'))),
    ("editorial fix", lambda r: edit(r, "legs.md", "- with *rests*", "- with *rest*")),
    ("add a known unit", lambda r: (r / "sources/more.md").write_text(
        "---\nid: t-more-05\nlang: en\ntitle: More\nsummary: More of it.\ntopics: [water]\ncreated: 2024-01-01\n"
        "next_review: 2030\nreferences: []\n---\n\n## How often should I exercise?\n\nEvery day.\n")),
]
# A new or deleted source concerns the indexes of every article: those are full builds.
ONLY_CHANGED = {"change", "rename a slug", "translate", "editorial fix"}
# Incremental builds spread even this tiny site over two forked workers; cold builds use one process.
FORKED = {"PIPELINE_WORKERS": "2", "PIPELINE_PARALLEL_THRESHOLD": "1"}
SERIAL = {"PIPELINE_WORKERS": "1"}


def test_incremental_builds_match_cold_builds_after_a_series_of_edits(tiny_site, tmp_path):
    """After each edit, publishing the site as it stands gives the bytes a cold build of it gives,
    and the catalogs a cold build of the site as it was gives."""
    assert run_cli(tiny_site, "publish", env=FORKED).returncode == 0
    for number, (name, apply) in enumerate(EDITS):
        apply(tiny_site)
        cold = tmp_path / f"cold-{number}"
        shutil.copytree(tiny_site / "sources", cold / "sources")
        shutil.copytree(tiny_site / "locales", cold / "locales")
        extra = ["--editorial", "t-legs-01"] if name == "editorial fix" else []
        result = run_cli(tiny_site, "publish", *extra, env=FORKED)
        assert result.returncode == 0, (name, result.stderr)
        full = run_cli(cold, "publish", *extra, env=SERIAL)
        assert full.returncode == 0
        assert ("Read again" in result.stdout) == (name in ONLY_CHANGED), name
        # The record of output/ is updated from what the publish wrote: it must be what a look finds.
        assert _recorded_output(tiny_site) == buildcache._output_stats(tiny_site / "output"), name
        assert result.stderr == full.stderr, name  # the same warnings, also of articles not read again
        assert _held_back(result.stdout) == _held_back(full.stdout), name
        assert tree(cold / "output") == tree(tiny_site / "output"), name
        assert_mirror_or_nothing(tiny_site)  # the next publish may start from it
        assert tree(cold / "sources") == tree(tiny_site / "sources"), name
        assert tree(cold / "locales") == tree(tiny_site / "locales"), name
    assert (tiny_site / "output/de/wasser-trinken.html").is_file() and not (tiny_site / "output/de/wasser.html").exists()
    assert (tiny_site / "output/de/t-new-04.html").is_file() and not (tiny_site / "output/en/t-sleep-03.html").exists()
    # The new article's heading was pre-filled from the catalog that already had it.
    assert 'msgid "How often should I exercise?"\nmsgstr "Wie oft sollte ich mich bewegen?"' in (
        tiny_site / "locales/de/LC_MESSAGES/t-more-05.po").read_text()


def _recorded_output(root) -> dict:
    with open(root / buildcache.CACHE, "rb") as file:
        return pickle.load(file)["output"]


def _held_back(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("Held back", "  "))]
