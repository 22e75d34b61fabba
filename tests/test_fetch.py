"""Fetching pages from a real HTTP server on 127.0.0.1: every way a remote site misbehaves."""

from __future__ import annotations

import time

import pytest
from werkzeug import Response

from pipeline.fetch import FetchError, Limits, fetch

HERE = ("127.0.0.1",)  # the test servers' address: internal, so allowed explicitly
FAST = Limits(connect_timeout=2, read_timeout=1, retries=2, backoff=0, allow_hosts=HERE)
PAGE = "<html lang='en'><head><meta charset='utf-8'><title>T</title></head><body><p>Hello</p></body></html>"


def test_a_page_arrives_with_its_validators(httpserver):
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html; charset=utf-8",
                                                      headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Jun 2025 10:00:00 GMT"})
    page = fetch(httpserver.url_for("/a"), limits=FAST)
    assert (page.media_type, page.etag, page.last_modified, page.unchanged) == (
        "text/html", '"v1"', "Mon, 02 Jun 2025 10:00:00 GMT", False)
    assert "<p>Hello</p>" in page.text
    assert httpserver.log[0][0].headers["User-Agent"].startswith("health-pipeline/")


def test_an_unchanged_page_is_not_downloaded_again(httpserver):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"'})
    httpserver.expect_request("/a").respond_with_handler(handler)
    first = fetch(httpserver.url_for("/a"), limits=FAST)
    again = fetch(httpserver.url_for("/a"), etag=first.etag, limits=FAST)
    assert again.unchanged and again.text == ""


def test_a_busy_server_is_asked_again(httpserver):
    answers = iter([Response("busy", status=503, headers={"Retry-After": "1"}), Response(PAGE, content_type="text/html")])
    httpserver.expect_request("/a").respond_with_handler(lambda request: next(answers))
    started = time.monotonic()
    assert "Hello" in fetch(httpserver.url_for("/a"), limits=FAST).text
    assert len(httpserver.log) == 2 and time.monotonic() - started >= 1  # Retry-After was honoured


def test_a_server_that_stays_busy_fails_clearly(httpserver):
    httpserver.expect_request("/a").respond_with_data("busy", status=503)
    with pytest.raises(FetchError) as info:
        fetch(httpserver.url_for("/a"), limits=FAST)
    assert str(info.value) == f"{httpserver.url_for('/a')}: the server answered 503 SERVICE UNAVAILABLE"
    assert len(httpserver.log) == 3  # the first try and two retries


def test_a_slow_server_times_out(httpserver):
    def slow(request):
        time.sleep(2.5)
        return Response(PAGE, content_type="text/html")
    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(FetchError, match="timed out"):
        fetch(httpserver.url_for("/slow"), limits=Limits(connect_timeout=1, read_timeout=0.5, retries=0, allow_hosts=HERE))


def test_a_wrong_content_type_is_refused(httpserver):
    httpserver.expect_request("/a.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(FetchError, match="expected an HTML or text page, got content type 'application/pdf'"):
        fetch(httpserver.url_for("/a.pdf"), limits=FAST)


def test_an_oversized_body_is_refused(httpserver):
    httpserver.expect_request("/big").respond_with_data("x" * 50_000, content_type="text/html")
    with pytest.raises(FetchError, match="larger than the 10 KB allowed|more than the 10 KB allowed"):
        fetch(httpserver.url_for("/big"), limits=Limits(max_bytes=10 * 1024, retries=0, allow_hosts=HERE))


def test_a_redirect_loop_is_stopped(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(httpserver.url_for("/a"), limits=FAST)


def test_redirects_are_followed_to_the_page(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(PAGE, content_type="text/html")
    page = fetch(httpserver.url_for("/old"), limits=FAST)
    assert page.url == httpserver.url_for("/new")


def test_a_redirect_to_a_file_is_refused(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="not http"):
        fetch(httpserver.url_for("/a"), limits=FAST)


def test_a_refused_connection_names_the_cause():
    with pytest.raises(FetchError) as info:
        fetch("http://127.0.0.1:9/page", limits=Limits(retries=0, allow_hosts=HERE))
    assert str(info.value).startswith("http://127.0.0.1:9/page: cannot connect: ")
    assert "refused" in str(info.value).lower()


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    ("<p>Übersicht</p>".encode("iso-8859-1"), "text/html; charset=iso-8859-1", "Übersicht"),
    ("<meta charset='windows-1252'><p>Grüße</p>".encode("cp1252"), "text/html", "Grüße"),
    ("<p>Grüße</p>".encode("utf-8"), "text/html", "Grüße"),
    ("<p>Grüße</p>".encode("cp1252"), "text/html", "Grüße"),
])
def test_charsets_come_from_header_meta_or_fallback(httpserver, body, content_type, expected):
    httpserver.expect_request("/a").respond_with_data(body, content_type=content_type)
    assert expected in fetch(httpserver.url_for("/a"), limits=FAST).text


def test_other_schemes_are_refused():
    with pytest.raises(FetchError, match="cannot fetch ftp: addresses"):
        fetch("ftp://example.org/page.html")


def test_a_missing_file_names_the_file(tmp_path):
    with pytest.raises(FetchError, match="cannot read the file"):
        fetch(str(tmp_path / "nothing.html"))


def test_a_body_that_stops_halfway_fails_clearly(httpserver):
    def truncated(request):
        return Response(iter([b"<html><body><p>start"]), headers={"Content-Length": "5000", "Content-Type": "text/html"})
    httpserver.expect_request("/cut").respond_with_handler(truncated)
    with pytest.raises(FetchError) as info:
        fetch(httpserver.url_for("/cut"), limits=Limits(retries=0, read_timeout=2, allow_hosts=HERE))
    assert str(info.value).startswith(httpserver.url_for("/cut") + ": ")


def test_a_gzip_bomb_is_stopped_at_the_size_limit(httpserver):
    import gzip
    bomb = gzip.compress(b"<p>" + b"A" * (20 * 1024 * 1024))
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip",
                                                                        "Content-Type": "text/html"})
    assert len(bomb) < 100 * 1024
    with pytest.raises(FetchError, match="larger than the 1024 KB allowed"):
        fetch(httpserver.url_for("/bomb"), limits=Limits(max_bytes=1024 * 1024, retries=0, allow_hosts=HERE))


def test_an_endless_body_is_stopped_at_the_size_limit(httpserver):
    def endless(request):
        def chunks():
            while True:
                yield b"<p>more</p>" * 1000
        return Response(chunks(), content_type="text/html")
    httpserver.expect_request("/endless").respond_with_handler(endless)
    with pytest.raises(FetchError, match="larger than the 256 KB allowed"):
        fetch(httpserver.url_for("/endless"), limits=Limits(max_bytes=256 * 1024, retries=0, allow_hosts=HERE))


def test_a_redirect_to_another_scheme_is_refused(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "ftp://evil.example/x"})
    with pytest.raises(FetchError, match="not http"):
        fetch(httpserver.url_for("/a"), limits=FAST)
