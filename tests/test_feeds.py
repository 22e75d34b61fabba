"""Feeds as readers see them: parsed back with feedparser, ids, dates, languages, links."""

from __future__ import annotations

import datetime as dt
import json

import feedparser
import pytest
from lxml import etree, html

from pipeline.publish import publish
from tests.helpers import BUILD_TIME, DATA, run_cli, tree

LATER = BUILD_TIME + dt.timedelta(days=30)  # 2025-12-24


@pytest.fixture
def sample_output(sample_site):
    publish(sample_site, BUILD_TIME)
    return sample_site / "output"


def parsed(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def edit(root, name, old, new):
    path = root / "sources" / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


def test_every_feed_parses_cleanly(sample_output):
    feeds = sorted(sample_output.rglob("feed.atom")) + sorted(sample_output.rglob("feed.rss"))
    assert len(feeds) == 2 * (2 + 11)  # per format: two languages, eleven topic feeds with entries
    for path in feeds:
        assert parsed(path).entries, path


def test_json_feeds_have_the_required_fields(sample_output):
    for path in sorted(sample_output.rglob("feed.json")):
        data = json.loads(path.read_text())
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        assert data["title"] and data["feed_url"].endswith(path.relative_to(sample_output).as_posix())
        for item in data["items"]:
            assert item["id"] and (item.get("content_html") or item.get("content_text"))
            dt.datetime.fromisoformat(item["date_published"])


def test_feeds_keep_to_their_language(sample_output):
    de = parsed(sample_output / "de/feed.atom")
    assert de.feed.language == "de"
    assert [e.title for e in de.entries] == [
        "Trinken im Alter: Wie viel Flüssigkeit brauche ich?", "Krampfadern: Wie kann Bewegung helfen?",
        "Trockene Haut im Winter: Was hilft?"]
    assert all(e.link.startswith("https://health.example.org/de/") for e in de.entries)
    rss = parsed(sample_output / "de/feed.rss")
    assert rss.feed.language == "de"
    assert [e.link for e in rss.entries] == [e.link for e in de.entries]
    en = json.loads((sample_output / "en/feed.json").read_text())
    assert {item["language"] for item in en["items"]} == {"en"} and len(en["items"]) == 4


def test_ids_of_the_sample_site_never_change(sample_output):
    """Every id a reader has seen must stay: losing or changing one floods readers with duplicates."""
    expected = json.loads((DATA / "sample-entry-ids.json").read_text())
    for lang, ids in expected.items():
        seen = {e.id for e in parsed(sample_output / f"{lang}/feed.atom").entries}
        assert set(ids) <= seen, f"{lang}: ids disappeared: {set(ids) - seen}"
        rss = {e.id for e in parsed(sample_output / f"{lang}/feed.rss").entries}
        assert set(ids) <= rss


def test_entries_link_their_page_and_other_language(sample_output):
    entry = next(e for e in parsed(sample_output / "de/feed.atom").entries if "Krampfadern" in e.title)
    links = {(l.get("hreflang"), l.href) for l in entry.links if l.rel == "alternate"}
    assert links == {("de", "https://health.example.org/de/krampfadern-und-bewegung.html"),
                     ("en", "https://health.example.org/en/varicose-veins-exercise.html")}
    assert entry.link == "https://health.example.org/de/krampfadern-und-bewegung.html"
    feed = parsed(sample_output / "de/feed.atom").feed
    assert {(l.rel, l.href) for l in feed.links} >= {
        ("self", "https://health.example.org/de/feed.atom"), ("alternate", "https://health.example.org/de/index.html")}
    assert [t.label for t in entry.tags] == ["Venen", "Bewegung"]


def test_dates_are_honest(sample_output):
    de = parsed(sample_output / "de/feed.atom")
    entry = next(e for e in de.entries if "Krampfadern" in e.title)
    assert entry.published.startswith("2022-06-20T00:00:00+02:00")  # created
    assert entry.updated.startswith("2023-11-08T00:00:00+01:00")  # last substantive update
    assert de.feed.updated.startswith("2024-04-10")  # the newest entry, not the build time
    rss = (sample_output / "de/feed.rss").read_text()
    assert "<pubDate>Mon, 20 Jun 2022 00:00:00 +0200</pubDate>" in rss  # RFC 822, English names
    assert "<lastBuildDate>Wed, 10 Apr 2024 00:00:00 +0200</lastBuildDate>" in rss


def test_content_is_full_with_absolute_urls(sample_output):
    entry = next(e for e in parsed(sample_output / "en/feed.atom").entries if "Varicose" in e.title)
    body = html.fromstring(entry.content[0].value)
    assert body.xpath("//img/@src") == ["https://health.example.org/images/walking-legs.svg"]
    assert "Sample reference: Muster A" in entry.content[0].value
    assert len(body.xpath("//h2")) >= 4


def test_topic_feeds_hold_only_their_topic(sample_output):
    veins = parsed(sample_output / "de/topics/veins/feed.atom")
    assert veins.feed.title == "Gesundheitsfragen, verständlich beantwortet: Venen"
    assert [e.title for e in veins.entries] == ["Krampfadern: Wie kann Bewegung helfen?"]
    assert not (sample_output / "de/topics/sleep").exists()  # no German sleep article is published yet
    assert (sample_output / "en/topics/sleep/feed.json").is_file()


def test_pages_announce_their_language_feeds(sample_output):
    page = html.fromstring((sample_output / "de/trinken-im-alter.html").read_bytes())
    assert page.xpath("//link[@rel='alternate'][@type]/@href") == ["../de/feed.atom", "../de/feed.rss", "../de/feed.json"]


def test_publishing_twice_gives_identical_feeds(sample_site):
    assert run_cli(sample_site, "publish").returncode == 0
    before = tree(sample_site / "output")
    assert run_cli(sample_site, "publish").returncode == 0
    assert tree(sample_site / "output") == before


def test_a_changed_article_moves_to_the_top_with_the_same_id(tiny_site):
    publish(tiny_site, BUILD_TIME)
    before = parsed(tiny_site / "output/en/feed.atom")
    legs_id = next(e.id for e in before.entries if e.title == "Legs: what helps?")
    assert before.entries[0].title != "Legs: what helps?"
    edit(tiny_site, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    publish(tiny_site, LATER)
    after = parsed(tiny_site / "output/en/feed.atom")
    assert (after.entries[0].title, after.entries[0].id) == ("Legs: what helps?", legs_id)
    assert after.entries[0].updated.startswith("2025-12-24") and after.feed.updated.startswith("2025-12-24")
    german = parsed(tiny_site / "output/de/feed.atom")  # the translation is still complete: it follows
    assert german.entries[0].title == "Beine: Was hilft?" and german.entries[0].updated.startswith("2025-12-24")


def test_an_editorial_fix_changes_only_the_entry_content(tiny_site):
    publish(tiny_site, BUILD_TIME)
    before = (tiny_site / "output/en/feed.atom").read_text()
    edit(tiny_site, "legs.md", "- with *rests*", "- with *rest*")
    publish(tiny_site, LATER, editorial=["t-legs-01"])
    after = (tiny_site / "output/en/feed.atom").read_text()
    assert after != before
    strip = lambda text: etree.tostring(_without_content(text))  # noqa: E731
    assert strip(after) == strip(before)


def _without_content(text: str):
    root = etree.fromstring(text.encode())
    for content in root.iter("{http://www.w3.org/2005/Atom}content"):
        content.getparent().remove(content)
    return root


def test_renaming_a_slug_or_moving_the_domain_keeps_every_id(tiny_site):
    publish(tiny_site, BUILD_TIME)
    ids = {e.id for e in parsed(tiny_site / "output/en/feed.atom").entries}
    edit(tiny_site, "legs.md", "en: leg-exercises", "en: exercises-for-legs")
    config = tiny_site / "sources/site.toml"
    config.write_text(config.read_text().replace('base_url = "https://tiny.example.org/"', 'base_url = "https://new.example.com/"'))
    publish(tiny_site, BUILD_TIME)
    feed = parsed(tiny_site / "output/en/feed.atom")
    assert {e.id for e in feed.entries} == ids
    assert "https://new.example.com/en/exercises-for-legs.html" in {e.link for e in feed.entries}


def test_feeds_keep_the_newest_entries_only(tiny_site):
    config = tiny_site / "sources/site.toml"
    config.write_text(config.read_text().replace("[site]\n", "[site]\nfeed_size = 2\n"))
    publish(tiny_site, BUILD_TIME)
    assert [e.title for e in parsed(tiny_site / "output/en/feed.atom").entries] == ["How much water?", "Legs: what helps?"]
    assert len(json.loads((tiny_site / "output/en/feed.json").read_text())["items"]) == 2


def test_sitemap_pairs_language_versions(sample_output):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = etree.parse(str(sample_output / "sitemap.xml")).getroot()
    url = root.xpath("//s:url[s:loc='https://health.example.org/de/trinken-im-alter.html']", namespaces=ns)[0]
    assert url.xpath("s:lastmod/text()", namespaces=ns) == ["2024-04-10"]
    assert {(l.get("hreflang"), l.get("href")) for l in url.xpath("x:link", namespaces=ns)} == {
        ("de", "https://health.example.org/de/trinken-im-alter.html"),
        ("en", "https://health.example.org/en/drinking-enough-in-older-age.html")}
    assert len(root.xpath("//s:url", namespaces=ns)) == 9  # seven pages and two indexes
    assert (sample_output / "robots.txt").read_text().endswith("Sitemap: https://health.example.org/sitemap.xml\n")


def test_the_language_choice_page_announces_both_feeds(sample_output):
    page = html.fromstring((sample_output / "index.html").read_bytes())
    assert [(l.get("hreflang"), l.get("href")) for l in page.xpath("//link[@type='application/atom+xml']")] == [
        ("en", "en/feed.atom"), ("de", "de/feed.atom")]


def test_short_feeds_keep_each_topics_newest(tiny_site):
    publish(tiny_site, BUILD_TIME)
    feeds = sorted((tiny_site / "output").glob("*/topics/*/feed.json"))
    assert feeds
    newest = {path: [item["id"] for item in json.loads(path.read_text())["items"]] for path in feeds}
    config = tiny_site / "sources/site.toml"
    text = config.read_text()
    for size in (1, 0):
        config.write_text(text.replace("[site]\n", f"[site]\nfeed_size = {size}\n"))
        publish(tiny_site, BUILD_TIME)
        for path in feeds:  # every topic feed is still there, with the first entries of the long one
            assert [item["id"] for item in json.loads(path.read_text())["items"]] == newest[path][:size]
