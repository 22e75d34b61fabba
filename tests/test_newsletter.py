"""The newsletter: what goes in an issue, and files mail clients and services accept."""

from __future__ import annotations

import datetime as dt
import email
import shutil
import subprocess
from email import policy

import pytest
from lxml import html

from pipeline.errors import PipelineError
from pipeline.publish import newsletter, publish
from pipeline.files import MIRROR
from tests.helpers import BUILD_TIME, assert_mirror_or_nothing, run_cli

LATER = BUILD_TIME + dt.timedelta(days=30)  # 2025-12-24
ISSUE = "output/newsletter/{lang}/{date}.{ext}"


def issue(root, lang, ext, date="2025-11-24"):
    return root / ISSUE.format(lang=lang, date=date, ext=ext)


def edit(root, name, old, new):
    path = root / "sources" / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))


@pytest.fixture
def first_issue(tiny_site):
    report, issues = newsletter(tiny_site, BUILD_TIME)
    assert [(i.lang, i.items) for i in issues] == [("en", 3), ("de", 2)]
    return tiny_site


def test_the_html_part_is_made_for_mail_clients(first_issue):
    raw = issue(first_issue, "de", "html").read_bytes()
    assert len(raw) < 102 * 1024
    doc = html.fromstring(raw)
    assert (doc.get("lang"), doc.get("dir")) == ("de", "ltr")
    assert not doc.xpath("//script") and not doc.xpath("//link[@rel='stylesheet']")
    assert doc.xpath("//table[@width='600']")
    assert all(style.text.lstrip().startswith("@media") for style in doc.xpath("//style"))
    assert doc.xpath("//td[@class='item']/@style"), "CSS must be inlined"
    links = doc.xpath("//a/@href")
    assert links and all(h.startswith("https://tiny.example.org/") or h == "*|UNSUB|*" for h in links)
    assert all(img.get("alt") and img.get("src").startswith("https://") for img in doc.xpath("//img"))
    preheader = doc.xpath("//body/div[1]")[0]
    assert "display: none" in preheader.get("style") and "Wie viel Wasser?" in preheader.text
    assert doc.xpath("//a[@href='https://tiny.example.org/newsletter/de/2025-11-24.html']/text()") == [
        "Diesen Newsletter im Browser ansehen"]
    text = doc.text_content()
    assert "Neue Artikel" in text and "Neu übersetzte Artikel" in text and "Abbestellen" in text
    assert "Unsubscribe" not in text and "Read the article" not in text


def test_the_plain_text_part_is_written_for_reading(first_issue):
    text = issue(first_issue, "en", "txt").read_text()
    lines = text.splitlines()
    assert lines[0] == "Tiny health site" and lines[1] == "=" * len("Tiny health site")
    assert "New articles\n------------" in text
    assert "* Legs: what helps?" in lines
    assert "  https://tiny.example.org/en/leg-exercises.html" in lines
    assert "Newly translated articles" in text and "* How much water?" in lines
    assert "Short & simple <advice> on moving" in text and "&amp;" not in text  # text, not HTML
    assert all(len(line) <= 100 for line in lines)


def test_the_eml_is_multipart_alternative_text_first(first_issue):
    message = email.message_from_bytes(issue(first_issue, "de", "eml").read_bytes(), policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Kleine Gesundheitsseite: Neues vom 24. November 2025"
    assert message["From"] == "Tinyco <hello@tiny.example.org>"
    text, part_html = message.get_payload()
    assert (text.get_content_type(), part_html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content_charset() == part_html.get_content_charset() == "utf-8"
    assert "Wie viel Wasser?" in text.get_content() and "Wie viel Wasser?" in part_html.get_content()


def test_an_issue_is_never_repeated(first_issue):
    before = {p: p.read_bytes() for p in (first_issue / "output/newsletter").rglob("*") if p.is_file()}
    report, issues = newsletter(first_issue, LATER)
    assert [i.items for i in issues] == [0, 0]
    assert not issue(first_issue, "en", "html", "2025-12-24").exists()
    result = run_cli(first_issue, "newsletter")
    assert "Newsletter en: nothing new since the last issue; nothing written." in result.stdout
    assert {p: p.read_bytes() for p in (first_issue / "output/newsletter").rglob("*") if p in before} == before


def test_an_update_goes_out_once_with_its_note(first_issue):
    edit(first_issue, "legs.md", "Doe J. A fictional study.", "Doe J. A fictional study, revised.")
    edit(first_issue, "legs.md", "sample: true", "sample: true\nchange_note: Revised the first reference.")
    report, issues = newsletter(first_issue, LATER)
    assert [(i.lang, i.items) for i in issues] == [("en", 1), ("de", 1)]
    en = issue(first_issue, "en", "txt", "2025-12-24").read_text()
    assert "Updated articles" in en and "What changed: Revised the first reference." in en
    assert "How much water?" not in en
    de = issue(first_issue, "de", "txt", "2025-12-24").read_text()
    assert "Aktualisierte Artikel" in de and "Revised" not in de  # the note is English: not on a German page
    ledger = (first_issue / "sources/versions/t-legs-01.toml").read_text()
    assert '[[newsletters]]\nlang = "en"\nissue = 2025-12-24\nversion = 2' in ledger


def test_a_translation_finished_later_is_announced_in_the_next_issue(first_issue):
    po = first_issue / "locales/de/LC_MESSAGES/t-sleep-03.po"
    po.write_text(po.read_text().replace('msgid "Sleep matters."\nmsgstr ""', 'msgid "Sleep matters."\nmsgstr "Schlaf ist wichtig."')
                  .replace('msgid "Keep the room dark."\nmsgstr ""', 'msgid "Keep the room dark."\nmsgstr "Halten Sie den Raum dunkel."'))
    report, issues = newsletter(first_issue, LATER)
    assert [(i.lang, i.items) for i in issues] == [("en", 0), ("de", 1)]
    text = issue(first_issue, "de", "txt", "2025-12-24").read_text()
    assert "Neu übersetzte Artikel" in text and "* Schlaf" in text


def test_since_makes_a_one_off_issue_and_records_nothing(first_issue):
    ledgers = {p: p.read_bytes() for p in (first_issue / "sources/versions").glob("*.toml")}
    report, issues = newsletter(first_issue, LATER, languages=["en"], since=dt.date(2024, 1, 1))
    assert [(i.lang, i.items) for i in issues] == [("en", 1)]  # only the English water page is that recent
    assert {p: p.read_bytes() for p in (first_issue / "sources/versions").glob("*.toml")} == ledgers


def test_the_index_lists_past_issues(first_issue):
    edit(first_issue, "wasser.md", "zu wenig.", "oft zu wenig.")
    newsletter(first_issue, LATER)
    index = html.fromstring((first_issue / "output/newsletter/de/index.html").read_bytes())
    assert index.xpath("//ul[@class='article-list']//a/@href") == ["2025-12-24.html", "2025-11-24.html"]
    assert index.get("lang") == "de"


def test_publish_keeps_the_newsletter_archive(first_issue):
    publish(first_issue, LATER)
    assert issue(first_issue, "de", "html").is_file()


def test_issues_written_into_output_outlive_the_next_publishes(tiny_site):
    publish(tiny_site, BUILD_TIME)  # leaves a mirror of output/ to start the next publish from
    newsletter(tiny_site, BUILD_TIME)  # writes into output/ itself
    assert not (tiny_site / ".output.staging" / MIRROR).exists()
    for old, new in (("Walking", "Brisk walking"), ("Brisk walking", "Walking")):
        edit(tiny_site, "legs.md", old, new)
        publish(tiny_site, LATER)
        assert issue(tiny_site, "de", "html").is_file() and issue(tiny_site, "en", "eml").is_file()
        assert_mirror_or_nothing(tiny_site)


def test_an_issue_over_gmails_limit_is_refused(tiny_site):
    long = "A long summary sentence about a health question. " * 20
    for number in range(60):
        (tiny_site / f"sources/extra-{number}.md").write_text(
            f"---\nid: extra-{number:03d}\nlang: en\ntitle: Extra {number}\nsummary: {long}\ntopics: [legs]\n"
            "created: 2024-01-01\nnext_review: 2030\nreferences: []\n---\n\nText.\n")
    with pytest.raises(PipelineError, match=r"Gmail clips messages over 102 KB") as info:
        newsletter(tiny_site, BUILD_TIME, languages=["en"])
    assert info.value.path == "output/newsletter/en/2025-11-24.html"
    assert not issue(tiny_site, "en", "html").exists()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = ("<script>document.body.setAttribute('data-overflow', "
         "String(document.documentElement.scrollWidth > window.innerWidth))</script>")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("width", [600, 375])
def test_nothing_overflows_in_a_real_browser(first_issue, tmp_path, width):
    # The probe goes into a copy: the issue itself carries no script.
    probe = tmp_path / "probe.html"
    probe.write_text(issue(first_issue, "de", "html").read_text().replace("</body>", PROBE + "</body>"))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},900", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert 'data-overflow="false"' in result.stdout, result.stdout[-500:] + result.stderr[-500:]
