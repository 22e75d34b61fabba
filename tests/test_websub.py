"""WebSub: feeds advertise the hub, and a publish pings it for every feed that changed."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import feedparser
from werkzeug import Response

from pipeline.publish import publish
from pipeline.websub import PingLimits, ping
from tests.helpers import BUILD_TIME

LATER = BUILD_TIME + dt.timedelta(days=30)


def with_hub(root, url):
    config = root / "sources/site.toml"
    config.write_text(config.read_text().replace("[site]\n", f'[site]\nwebsub_hub = "{url}"\n'))


def pinged(server) -> list[str]:
    return sorted({parse_qs(request.get_data(as_text=True))["hub.url"][0] for request, _ in server.log})


def test_feeds_advertise_the_hub(tiny_site, httpserver):
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    with_hub(tiny_site, httpserver.url_for("/hub"))
    publish(tiny_site, BUILD_TIME)
    output = tiny_site / "output/en"
    atom = feedparser.parse((output / "feed.atom").read_bytes())
    assert ("hub", httpserver.url_for("/hub")) in {(l.rel, l.href) for l in atom.feed.links}
    assert f'<atom:link rel="hub" href="{httpserver.url_for("/hub")}"/>' in (output / "feed.rss").read_text()
    assert json.loads((output / "feed.json").read_text())["hubs"] == [{"type": "WebSub", "url": httpserver.url_for("/hub")}]


def test_only_changed_feeds_are_pinged(tiny_site, httpserver):
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=204)
    with_hub(tiny_site, httpserver.url_for("/hub"))
    first = publish(tiny_site, BUILD_TIME)
    assert len(pinged(httpserver)) == 3 * 6  # three formats of two language feeds and four topic feeds
    assert not [f for f in first.findings if f.kind.startswith("websub")]
    httpserver.clear_log()
    publish(tiny_site, BUILD_TIME)
    assert pinged(httpserver) == []  # nothing changed, nobody is told
    source = tiny_site / "sources/wasser.md"
    source.write_text(source.read_text().replace("zu wenig.", "oft zu wenig."))
    publish(tiny_site, LATER)
    assert pinged(httpserver) == sorted(f"https://tiny.example.org/de/{name}" for name in
                                        ("feed.atom", "feed.json", "feed.rss", "topics/water/feed.atom",
                                         "topics/water/feed.json", "topics/water/feed.rss"))
    request = httpserver.log[0][0]
    assert request.form["hub.mode"] == "publish"
    assert request.headers["User-Agent"].startswith("health-pipeline/")


def test_a_failing_hub_is_a_warning_and_the_site_is_still_published(tiny_site, httpserver):
    httpserver.expect_request("/hub", method="POST").respond_with_data("no such topic", status=400)
    with_hub(tiny_site, httpserver.url_for("/hub"))
    report = publish(tiny_site, BUILD_TIME)
    failures = [f for f in report.findings if f.kind == "websub.ping-failed"]
    assert len(failures) == 18
    assert failures[0].message.endswith("the hub answered 400 BAD REQUEST")
    assert (tiny_site / "output/en/feed.atom").is_file()


def test_ping_retries_a_busy_hub_then_succeeds(httpserver):
    answers = iter([Response("", status=503, headers={"Retry-After": "0"}), Response("", status=202)])
    httpserver.expect_request("/hub").respond_with_handler(lambda request: next(answers))
    assert ping(httpserver.url_for("/hub"), ["https://x.example/feed.atom"], PingLimits(backoff=0)) == []
    assert len(httpserver.log) == 2


def test_an_unreachable_hub_gives_a_clear_message():
    problems = ping("http://127.0.0.1:9/hub", ["https://x.example/feed.atom"], PingLimits(retries=1, backoff=0))
    assert len(problems) == 1
    assert problems[0].kind == "websub.ping-failed" and "ConnectionError" in problems[0].message
    assert str(problems[0]).startswith("http://127.0.0.1:9/hub: websub.ping-failed: https://x.example/feed.atom: ")
