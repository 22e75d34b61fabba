"""Ingest end to end against a real server on 127.0.0.1: an English page and its German
counterpart become a source and a catalog that publish a complete German page."""

from __future__ import annotations

import pytest
from lxml import html

from pipeline.fetch import FetchError, Limits
from pipeline.ingest import IngestError, align, ingest, ingest_translation
from pipeline.publish import publish, update_catalogs
from pipeline.sources import read_article
from pipeline.config import load_config
from tests.helpers import BUILD_TIME, DATA, SHARED, run_cli, tree

FAST = Limits(connect_timeout=2, read_timeout=2, retries=1, backoff=0, allow_hosts=("127.0.0.1",))
PAGES = DATA / "ingest"


@pytest.fixture
def site_server(httpserver):
    for name in ("knee-pain-en.html", "knee-pain-de.html"):
        httpserver.expect_request(f"/{name}").respond_with_data(
            (PAGES / name).read_bytes(), content_type="text/html; charset=utf-8")
    httpserver.expect_request("/images/knee-walk.png").respond_with_data(
        (PAGES / "images/knee-walk.png").read_bytes(), content_type="image/png")
    return httpserver


def test_an_english_page_and_its_german_counterpart_publish_a_complete_german_page(tiny_site, site_server):
    done = ingest(tiny_site, site_server.url_for("/knee-pain-en.html"), article_id="knee-01", limits=FAST)
    assert (done.path, done.status) == ("sources/knee-01.md", "new")
    assert (tiny_site / "sources/images/knee-01-1.png").read_bytes() == (PAGES / "images/knee-walk.png").read_bytes()
    update_catalogs(tiny_site, BUILD_TIME)
    aligned = ingest_translation(tiny_site, site_server.url_for("/knee-pain-de.html"), "knee-01", "de", limits=FAST)
    assert (aligned.confident, aligned.doubtful, aligned.unmatched) == (38, 0, ())
    report = publish(tiny_site, BUILD_TIME)
    assert not [h for h in report.held_back if h.article and h.article.id == "knee-01"]
    german = html.fromstring((tiny_site / "output/de/knee-osteoarthritis-can-walking-help.html").read_bytes())
    assert german.xpath("//h1/text()") == ["Kniearthrose: Kann Gehen helfen?"]
    assert german.xpath("//article/h2/text()")[0] == "Was ist eine Kniearthrose?"
    assert "Erstellt am 3. März 2021" in german.xpath("string(//p[@class='dates'])")


def test_the_source_written_is_valid_and_tells_what_it_found(tiny_site, site_server):
    done = ingest(tiny_site, site_server.url_for("/knee-pain-en.html"), article_id="knee-01", limits=FAST)
    article = read_article(done.path, (tiny_site / done.path).read_text(), load_config(tiny_site), tiny_site)
    assert article.title.value == "Knee osteoarthritis: can walking help?" and len(article.references) == 2
    assert done.found[1] == "headings: 4; paragraphs: 9; list items: 9; table cells: 12"
    assert any(line.startswith("<footer>") for line in done.dropped)


def test_doubtful_pairs_become_fuzzy_and_translators_work_is_kept(tiny_site, site_server):
    ingest(tiny_site, site_server.url_for("/knee-pain-en.html"), article_id="knee-01", limits=FAST)
    update_catalogs(tiny_site, BUILD_TIME)
    po = tiny_site / "locales/de/LC_MESSAGES/knee-01.po"
    text = po.read_text()
    text = text.replace('msgid "Week"\nmsgstr ""', 'msgid "Week"\nmsgstr "Kalenderwoche"')
    po.write_text(text)
    page = (PAGES / "knee-pain-de.html").read_text().replace("30 Minuten", "40 Minuten", 1)
    site_server.expect_request("/changed-de.html").respond_with_data(page, content_type="text/html")
    aligned = ingest_translation(tiny_site, site_server.url_for("/changed-de.html"), "knee-01", "de", limits=FAST)
    assert aligned.doubtful == 1 and aligned.kept == 1
    text = po.read_text()
    assert 'msgid "Week"\nmsgstr "Kalenderwoche"' in text
    assert "#, fuzzy" in text and "the pairing is uncertain" in text


def test_an_existing_source_is_never_overwritten_without_force(tiny_site, site_server):
    url = site_server.url_for("/knee-pain-en.html")
    ingest(tiny_site, url, article_id="knee-01", limits=FAST)
    before = tree(tiny_site / "sources")
    with pytest.raises(IngestError, match="sources/knee-01.md exists already; pass --force"):
        ingest(tiny_site, url, article_id="knee-01", limits=FAST)
    assert tree(tiny_site / "sources") == before
    assert ingest(tiny_site, url, article_id="knee-01", force=True, limits=FAST).status == "unchanged"


def test_a_failed_fetch_leaves_every_file_as_it_was(tiny_site, httpserver):
    httpserver.expect_request("/broken.html").respond_with_data("<html><body><article><h1>T</h1><p>x</p>"
                                                                "<img src='/missing.png' alt='A picture'>"
                                                                "</article></body></html>", content_type="text/html")
    httpserver.expect_request("/missing.png").respond_with_data("nope", status=404)
    before = tree(tiny_site)
    with pytest.raises(FetchError, match="missing.png: the picture could not be fetched: 404"):
        ingest(tiny_site, httpserver.url_for("/broken.html"), lang="en", article_id="broken", limits=FAST)
    assert tree(tiny_site) == before


def test_the_cli_prints_a_one_line_error_for_a_bad_address(tiny_site):
    config = tiny_site / "sources/site.toml"  # 127.0.0.1 is internal: allowed here to reach the refused port
    config.write_text(config.read_text().replace("[site]\n", '[site]\ningest_allow_hosts = ["127.0.0.1"]\n', 1))
    result = run_cli(tiny_site, "ingest", "http://127.0.0.1:9/page.html", "--lang", "en")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("http://127.0.0.1:9/page.html: cannot connect: ")


def test_the_seed_export_ingests_into_a_source(tiny_site):
    seed = SHARED / "seed" / "000_09830500d577ff4c.txt"
    if not seed.is_file():
        pytest.skip("../shared/seed is not beside this clone")
    result = run_cli(tiny_site, "ingest", str(seed), "--lang", "en", "--id", "pts-01",
                     "--title", "Post-thrombotic syndrome: what helps?")
    assert result.returncode == 0, result.stderr
    source = (tiny_site / "sources/pts-01.md").read_text()
    assert 'title: "Post-thrombotic syndrome: what helps?"' in source
    assert "created: 2022-06-02" in source and "next_review: 2025" in source
    assert source.count("\n## ") == 6 and "IQWiG" not in source and "Über diese Seite" not in source
    assert '![Calf lifts to strengthen the calf muscles](images/pts-01-2.jpg "Calf lifts to strengthen the calf muscles")' in source
    assert "check: add the picture sources/images/pts-01-1.jpg" in result.stdout
    assert "dropped: Über diese Seite" in result.stdout


def test_alignment_pairs_by_kind_and_order():
    from pipeline.model import Origin, Segment

    def units(*pairs):
        return tuple(Segment(text, kind, Origin("x", 0)) for kind, text in pairs)

    source = units(("heading", "Why?"), ("paragraph", "Walk 30 minutes."), ("list item", "rest"))
    page = units(("heading", "Warum?"), ("paragraph", "30 Minuten gehen."), ("paragraph", "Extra."),
                 ("list item", "ausruhen"))
    pairs, unmatched = align(source, page)
    assert [(a.msgid, b.msgid, sure) for a, b, sure in pairs] == [
        ("Why?", "Warum?", True), ("Walk 30 minutes.", "30 Minuten gehen.", True), ("rest", "ausruhen", True)]
    assert unmatched == []


def test_a_remote_page_cannot_make_ingest_read_a_local_file(tiny_site, httpserver):
    httpserver.expect_request("/evil.html").respond_with_data(
        "<html lang='en'><body><article><h1>T</h1><p>x</p><img src='file:///etc/hostname.png' alt='A'>"
        "</article></body></html>", content_type="text/html")
    before = tree(tiny_site)
    with pytest.raises(IngestError, match="not on the web") as info:
        ingest(tiny_site, httpserver.url_for("/evil.html"), article_id="evil-01", limits=FAST)
    assert info.value.path == httpserver.url_for("/evil.html")
    assert tree(tiny_site) == before
