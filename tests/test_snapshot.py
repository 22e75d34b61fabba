"""Publishing only what changed: articles taken from the last publish never make output differ."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from pipeline import snapshot
from pipeline.memo import STORE
from tests.helpers import EPOCH, run_cli, tree


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def cold_build(site: Path, where: Path) -> dict[str, bytes]:
    """The output a publish from scratch gives for the site as it stands."""
    shutil.copytree(site / "sources", where / "sources")
    shutil.copytree(site / "locales", where / "locales")
    assert run_cli(where, "publish").returncode == 0
    return tree(where / "output")


def published_twice(site: Path) -> None:
    """Publish until the build writes no input file: the next publish starts from its snapshot."""
    assert run_cli(site, "publish").returncode == 0  # writes the first ledgers and catalogs
    assert run_cli(site, "publish").returncode == 0


def publish_in_full(site: Path) -> None:
    """Publish, and check it read everything: no article was taken from the last publish."""
    result = run_cli(site, "publish")
    assert result.returncode == 0, result.stderr
    assert "Read again" not in result.stdout


REVISED = ("sources/legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")


def test_a_changed_article_is_read_again_alone(tiny_site, tmp_path):
    published_twice(tiny_site)
    edit(tiny_site, *REVISED)
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 0, result.stderr
    assert "Read again 1 changed article(s); the others are as the last publish left them." in result.stdout
    assert "A fictional study, revised." in (tiny_site / "output/en/leg-exercises.html").read_text()
    assert "review.due-soon: article t-legs-01" in result.stderr
    assert tree(tiny_site / "output") == cold_build(tiny_site, tmp_path / "cold")


def test_a_new_unit_no_other_article_has_translated_is_read_alone(tiny_site, tmp_path):
    published_twice(tiny_site)
    edit(tiny_site, "sources/sleep.md", "Sleep matters.", "Sleep matters a lot.")
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 0, result.stderr
    assert "Read again 1 changed article(s)" in result.stdout
    assert "Sleep matters a lot." in (tiny_site / "output/en/t-sleep-03.html").read_text()
    assert tree(tiny_site / "output") == cold_build(tiny_site, tmp_path / "cold")


def test_a_new_unit_another_article_has_translated_means_everything_is_built(tiny_site, tmp_path):
    """The other article's catalog pre-fills it, and only a full build looks in all of them."""
    published_twice(tiny_site)
    edit(tiny_site, "sources/sleep.md", "Sleep matters.", "Sleep matters.\n\n## How often should I exercise?")
    cold = tmp_path / "cold"
    shutil.copytree(tiny_site / "locales", cold / "locales")  # the catalogs as they are before this publish
    publish_in_full(tiny_site)
    assert 'msgid "How often should I exercise?"\nmsgstr "Wie oft sollte ich mich bewegen?"' in (
        tiny_site / "locales/de/LC_MESSAGES/t-sleep-03.po").read_text()
    shutil.copytree(tiny_site / "sources", cold / "sources")
    assert run_cli(cold, "publish").returncode == 0
    assert tree(cold / "output") == tree(tiny_site / "output")
    assert tree(cold / "locales") == tree(tiny_site / "locales")


def test_without_the_feed_content_of_other_articles_everything_is_built(tiny_site, tmp_path):
    published_twice(tiny_site)
    with sqlite3.connect(tiny_site / STORE) as store:  # the feeds show other articles' bodies
        store.execute("DELETE FROM results WHERE kind = 'content'")
    edit(tiny_site, *REVISED)
    publish_in_full(tiny_site)
    assert tree(tiny_site / "output") == cold_build(tiny_site, tmp_path / "cold")


def test_a_changed_setting_means_everything_is_built(tiny_site, tmp_path):
    published_twice(tiny_site)
    edit(tiny_site, "sources/site.toml", "tiny.example.org", "tiny.example.net")
    publish_in_full(tiny_site)
    assert "https://tiny.example.net/de/wasser.html" in (tiny_site / "output/en/water.html").read_text()
    assert tree(tiny_site / "output") == cold_build(tiny_site, tmp_path / "cold")


def test_a_new_id_in_a_changed_source_means_everything_is_built(tiny_site, tmp_path):
    published_twice(tiny_site)
    edit(tiny_site, "sources/sleep.md", "id: t-sleep-03", "id: t-sleep-04")
    publish_in_full(tiny_site)
    assert (tiny_site / "output/en/t-sleep-04.html").is_file()
    assert not (tiny_site / "output/en/t-sleep-03.html").exists()


def test_a_slug_taken_by_an_article_not_read_again_is_refused(tiny_site, tmp_path):
    published_twice(tiny_site)
    before = tree(tiny_site / "output")
    edit(tiny_site, "sources/wasser.md", "en: water", "en: leg-exercises")
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 1
    assert "sources/wasser.md:1: slug (en) 'leg-exercises' is already used by sources/legs.md" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(tiny_site / "output") == before


def test_a_file_the_build_wrote_is_read_again_next_time(tiny_site):
    """What a build found in a catalog it then rewrote (a hand-made entry, now obsolete) is not
    carried over: the article is read again, from the file as written."""
    published_twice(tiny_site)
    edit(tiny_site, "sources/sleep.md", "Sleep matters.", "Sleep matters a lot.")
    assert run_cli(tiny_site, "publish").returncode == 0  # rewrites the catalog of t-sleep-03
    edit(tiny_site, *REVISED)
    result = run_cli(tiny_site, "publish")
    assert "Read again 2 changed article(s)" in result.stdout


def test_changed_articles_are_those_owning_the_changed_files():
    built = snapshot.ArticleBuild(None, ("sources/a.md", "locales/de/LC_MESSAGES/a.po"), (), {}, None, (), (), (), (),
                                  ())  # type: ignore[arg-type]
    other = snapshot.ArticleBuild(None, ("sources/b.md",), (), {}, None, (), (), (), (), ())  # type: ignore[arg-type]
    last = snapshot.Snapshot("digest", {"a": built, "b": other}, frozenset({"sources/b.md"}))
    assert last.changed_articles(["locales/de/LC_MESSAGES/a.po"]) == {"a", "b"}
    assert last.changed_articles([]) == {"b"}
    assert last.changed_articles(["sources/site.toml"]) is None
    assert last.changed_articles(["sources/c.md"]) is None  # a new article


def test_a_snapshot_saved_in_part_reads_back_whole(tmp_path):
    def built(source: str) -> snapshot.ArticleBuild:
        return snapshot.ArticleBuild(None, (source,), (), {}, None, (), (), (), (), ())  # type: ignore[arg-type]

    first = {f"a{n:03d}": built(f"sources/a{n:03d}.md") for n in range(200)}
    snapshot.save(tmp_path, snapshot.Snapshot("one", first, frozenset()))
    second = first | {"a007": built("sources/renamed.md")}
    del second["a100"]
    snapshot.save(tmp_path, snapshot.Snapshot("two", second, frozenset({"sources/a001.md"})), fresh={"a007", "a100"})
    assert snapshot.load(tmp_path, "one") is None  # the head belongs to the second build now
    loaded = snapshot.load(tmp_path, "two")
    assert loaded is not None and loaded.articles == second and loaded.written == {"sources/a001.md"}
    assert len(list((tmp_path / snapshot.SNAPSHOT).iterdir())) <= 65  # replaced shards are removed


def test_units_another_article_translated_are_known_until_the_next_full_build(tmp_path):
    unit, other = ("de", "en", "How often should I exercise?"), ("de", "en", "Sleep matters.")
    assert snapshot.could_fill(tmp_path, [unit])  # nothing noted: not known, so maybe
    snapshot.save(tmp_path, snapshot.Snapshot("one", {}, frozenset()), confirmed=[unit])
    assert snapshot.could_fill(tmp_path, [unit]) and not snapshot.could_fill(tmp_path, [other])
    assert not snapshot.could_fill(tmp_path, [("en", "de", unit[2])])  # another pair of languages
    snapshot.save(tmp_path, snapshot.Snapshot("two", {}, frozenset()), fresh=set(), confirmed=[other])
    assert snapshot.could_fill(tmp_path, [unit]) and snapshot.could_fill(tmp_path, [other])
    snapshot.save(tmp_path, snapshot.Snapshot("three", {}, frozenset()), confirmed=[other])  # a full build
    assert not snapshot.could_fill(tmp_path, [unit])


NEXT_DAY = {"SOURCE_DATE_EPOCH": str(EPOCH + 86400)}
NEW_YEAR = {"SOURCE_DATE_EPOCH": str(EPOCH + 40 * 86400)}  # 2026-01-03: the review planned for 2025 is overdue


def test_a_new_day_reads_again_only_what_changed(tiny_site, tmp_path):
    published_twice(tiny_site)
    edit(tiny_site, *REVISED)
    cold = tmp_path / "cold"
    shutil.copytree(tiny_site / "sources", cold / "sources")
    shutil.copytree(tiny_site / "locales", cold / "locales")
    result = run_cli(tiny_site, "publish", env=NEXT_DAY)
    assert result.returncode == 0, result.stderr
    assert "Read again 1 changed article(s)" in result.stdout
    assert "New version t-legs-01: version 2 of 2025-11-25" in result.stdout
    full = run_cli(cold, "publish", env=NEXT_DAY)
    assert result.stderr == full.stderr  # reviews are counted from the new day
    for folder in ("output", "sources", "locales"):
        assert tree(cold / folder) == tree(tiny_site / folder), folder


def test_a_review_falling_due_makes_its_pages_again(tiny_site, tmp_path):
    edit(tiny_site, "sources/site.toml", "[site]\n", "[site]\noverdue_notice = true\n")
    published_twice(tiny_site)
    result = run_cli(tiny_site, "publish", env=NEW_YEAR)
    assert result.returncode == 0, result.stderr
    assert "Read again 1 changed article(s)" in result.stdout  # t-legs-01, whose review is overdue now
    assert "is overdue" in (tiny_site / "output/en/leg-exercises.html").read_text()
    cold = tmp_path / "cold"
    shutil.copytree(tiny_site / "sources", cold / "sources")
    shutil.copytree(tiny_site / "locales", cold / "locales")
    assert run_cli(cold, "publish", env=NEW_YEAR).returncode == 0
    assert tree(cold / "output") == tree(tiny_site / "output")


def test_a_partial_save_over_a_damaged_snapshot_leaves_none(tmp_path):
    """Without the notes of the articles not built, a partial snapshot could miss a translation
    another article has: better no snapshot, and a full build next time."""
    unit = ("de", "en", "How often should I exercise?")
    snapshot.save(tmp_path, snapshot.Snapshot("one", {}, frozenset()), confirmed=[unit])
    (tmp_path / snapshot.SNAPSHOT / snapshot.CONFIRMED).unlink()
    snapshot.save(tmp_path, snapshot.Snapshot("two", {}, frozenset()), fresh=set(), confirmed=[])
    assert snapshot.load(tmp_path, "two") is None
    assert snapshot.could_fill(tmp_path, [unit])


def test_translation_qa_left_out_by_catalogs_is_reported_by_the_next_publish(tiny_site, tmp_path):
    """``make catalogs`` prints no QA and skips it where it rewrites a catalog, but not where the
    files stay: that plan is memoized, and the next publish takes it as it is."""
    published_twice(tiny_site)
    edit(tiny_site, "locales/de/LC_MESSAGES/t-legs-01.po", '"**30 Minuten** Gehen', '"**20 Minuten** Gehen')
    edit(tiny_site, "sources/sleep.md", "Sleep matters.", "Sleep matters a lot.")  # a catalog it rewrites
    cold = tmp_path / "cold"
    shutil.copytree(tiny_site / "sources", cold / "sources")
    shutil.copytree(tiny_site / "locales", cold / "locales")
    assert run_cli(tiny_site, "catalogs").returncode == 0
    result = run_cli(tiny_site, "publish")
    full = run_cli(cold, "publish")
    assert "t-legs-01.po" in result.stderr and "i18n.number-mismatch" in result.stderr
    assert result.stderr == full.stderr
