"""Hostile servers and files against ingest, sync and WebSub: internal addresses, endless waits,
bogus charsets and files that never end. Real servers on 127.0.0.1 (pytest-httpserver, and a
raw socket server for a body trickling in a byte a second), real files, real pipes."""

from __future__ import annotations

import ipaddress
import os
import re
import resource
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest
import requests
from werkzeug import Response

from pipeline.config import load_config
from pipeline.errors import ConfigError, PipelineError
from pipeline.fetch import (
    Fetched,
    FetchError,
    Limits,
    fetch,
    fetch_image,
    host_allowed,
    internal_kind,
)
from pipeline.ingest import ingest
from pipeline.sync import sync
from pipeline.websub import PingLimits, ping
from tests.helpers import DATA, ROOT, run_cli, tree

HERE = ("127.0.0.1",)  # the test servers' address, allowed where a test needs to reach them
QUICK = Limits(connect_timeout=2, read_timeout=2, retries=1, backoff=0, allow_hosts=HERE)
PAGE = "<html lang='en'><head><meta charset='utf-8'><title>T</title></head><body><p>Hello</p></body></html>"
NO_HANG = 15  # seconds: a bound that proves a call ends, not a speed target
FEEDS = ["https://x.example/en/feed.atom", "https://x.example/en/feed.rss", "https://x.example/en/feed.json"]


def finishes(call, bound: float = NO_HANG):
    """What ``call()`` returns or raises, asserting that it ends within ``bound`` seconds.

    The call runs in a daemon thread, so on code that hangs the test fails instead of hanging too.
    """
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test, which says what it expected
            outcome["error"] = exc
    worker = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(bound)
    assert not worker.is_alive(), f"still running after {bound} s: it hangs"
    outcome["seconds"] = time.monotonic() - started
    return outcome


def allow_in_site(root, *hosts: str) -> None:
    config = root / "sources/site.toml"
    listed = ", ".join(f'"{h}"' for h in hosts)
    config.write_text(config.read_text().replace("[site]\n", f"[site]\ningest_allow_hosts = [{listed}]\n", 1))


# ---------------------------------------------------------------- internal addresses

def test_a_page_on_the_loopback_address_is_refused_before_anything_is_sent(httpserver):
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    url = httpserver.url_for("/a")
    with pytest.raises(FetchError) as info:
        fetch(url, limits=Limits(retries=2, backoff=0))
    assert str(info.value) == (f"{url}: refused to connect to 127.0.0.1, a loopback address inside this network; "
                               "if the site means to fetch from it, list the host in 'ingest_allow_hosts' in "
                               "sources/site.toml")
    assert httpserver.log == []  # not a request, not a retry


def test_allowing_127_0_0_1_does_not_allow_localhost(httpserver):
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    url = f"http://localhost:{httpserver.port}/a"
    with pytest.raises(FetchError, match=r"refused to connect to localhost \((127\.0\.0\.1|::1)\), a loopback address"):
        fetch(url, limits=QUICK)
    assert httpserver.log == []


def test_an_allowed_network_allows_the_addresses_in_it(httpserver):
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    assert "Hello" in fetch(httpserver.url_for("/a"), limits=Limits(allow_hosts=("127.0.0.0/8",))).text


@pytest.mark.parametrize("target", ["http://localhost:{port}/secret", "http://127.0.0.2:{port}/secret",
                                    "http://[::1]:{port}/secret", "http://0.0.0.0:{port}/secret"])
def test_a_redirect_from_an_allowed_server_to_an_internal_address_is_refused(httpserver, target):
    target = target.format(port=httpserver.port)
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": target})
    httpserver.expect_request("/secret").respond_with_data("internal", content_type="text/html")
    url = httpserver.url_for("/a")
    with pytest.raises(FetchError) as info:
        fetch(url, limits=QUICK)
    assert str(info.value).startswith(f"{url}: redirected to {target}: refused to connect to ")
    assert "inside this network" in str(info.value) and "\n" not in str(info.value)
    assert [request.path for request, _ in httpserver.log] == ["/a"]  # the secret was never asked for


def test_a_picture_on_an_internal_host_is_not_fetched_and_nothing_is_written(tiny_site, httpserver):
    page = (DATA / "ingest/knee-pain-en.html").read_text().replace(
        'src="images/knee-walk.png"', f'src="http://localhost:{httpserver.port}/images/knee-walk.png"')
    httpserver.expect_request("/page.html").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/images/knee-walk.png").respond_with_data(
        (DATA / "ingest/images/knee-walk.png").read_bytes(), content_type="image/png")
    before = tree(tiny_site)
    with pytest.raises(FetchError) as info:
        ingest(tiny_site, httpserver.url_for("/page.html"), article_id="knee-01", limits=QUICK)
    assert str(info.value).startswith(f"http://localhost:{httpserver.port}/images/knee-walk.png: the picture could "
                                      "not be fetched: refused to connect to localhost (")
    assert [request.path for request, _ in httpserver.log] == ["/page.html"]
    assert tree(tiny_site) == before


def test_the_site_setting_lets_the_cli_ingest_from_an_allowed_host(tiny_site, httpserver):
    httpserver.expect_request("/knee.html").respond_with_data(
        (DATA / "ingest/knee-pain-en.html").read_bytes(), content_type="text/html")
    httpserver.expect_request("/images/knee-walk.png").respond_with_data(
        (DATA / "ingest/images/knee-walk.png").read_bytes(), content_type="image/png")
    refused = run_cli(tiny_site, "ingest", httpserver.url_for("/knee.html"), "--id", "knee-01")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines()[0] == (f"{httpserver.url_for('/knee.html')}: refused to connect to 127.0.0.1, "
                                           "a loopback address inside this network; if the site means to fetch "
                                           "from it, list the host in 'ingest_allow_hosts' in sources/site.toml")
    allow_in_site(tiny_site, "127.0.0.1")
    allowed = run_cli(tiny_site, "ingest", httpserver.url_for("/knee.html"), "--id", "knee-01")
    assert allowed.returncode == 0, allowed.stderr
    assert (tiny_site / "sources/knee-01.md").is_file() and (tiny_site / "sources/images/knee-01-1.png").is_file()


@pytest.fixture
def names(monkeypatch):
    """A resolver that answers for made-up host names, as a DNS server someone controls would."""
    import socket

    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port) if ":" not in ip else (ip, port, 0, 0)) for ip in table[host]]
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def test_a_harmless_looking_name_that_resolves_inside_is_refused_without_connecting(names):
    names["cdn.example.org"] = ["169.254.169.254"]  # where cloud machines keep their credentials
    result = finishes(lambda: fetch("http://cdn.example.org/latest/meta-data/", limits=QUICK))
    assert str(result.get("error")) == ("http://cdn.example.org/latest/meta-data/: refused to connect to "
                                        "cdn.example.org (169.254.169.254), a link-local address inside this network; "
                                        "if the site means to fetch from it, list the host in 'ingest_allow_hosts' "
                                        "in sources/site.toml")
    assert result["seconds"] < 1  # refused, not a connection attempt that timed out


def test_a_name_allowed_as_written_reaches_the_address_it_resolves_to(names, httpserver):
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    names["intranet.test"] = names["other.test"] = ["127.0.0.1"]
    limits = Limits(retries=0, allow_hosts=("intranet.test",))
    assert "Hello" in fetch(f"http://intranet.test:{httpserver.port}/a", limits=limits).text
    with pytest.raises(FetchError, match=r"refused to connect to other.test \(127.0.0.1\), a loopback address"):
        fetch(f"http://other.test:{httpserver.port}/a", limits=limits)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(("value", "shown"), [('"127.0.0.1"', "'127.0.0.1'"), ('["intra net"]', "'intra net'"),
                                              ("[5]", "5"), ('["10.0.0.0/33"]', "'10.0.0.0/33'")])
def test_a_wrong_allow_list_is_one_line_naming_the_setting(tiny_site, value, shown):
    config = tiny_site / "sources/site.toml"
    config.write_text(config.read_text().replace("[site]\n", f"[site]\ningest_allow_hosts = {value}\n", 1))
    with pytest.raises(ConfigError) as info:
        load_config(tiny_site)
    assert str(info.value) == ("sources/site.toml:4: 'ingest_allow_hosts' must be a list of host names, IP addresses "
                               f'or networks, e.g. ["intranet.example.org", "10.1.0.0/16"]; {shown} is none of these')


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("10.2.3.4", "private"),
    ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("100.64.0.1", "shared (carrier-grade NAT)"),
    ("100.127.255.254", "shared (carrier-grade NAT)"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("240.0.0.1", "private"), ("192.0.2.1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("2002:7f00:1::", "loopback"),
    ("64:ff9b::a9fe:a9fe", "link-local"), ("2001:db8::1", "private"),
])
def test_internal_addresses_are_recognised_however_written(address, kind):
    assert internal_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert internal_kind(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("host", "allowed", "expected"), [
    ("127.0.0.1", ("127.0.0.1",), True), ("localhost", ("127.0.0.1",), False),
    ("intranet.example.org", ("Intranet.Example.org.",), True), ("evil-intranet.example.org", ("intranet.example.org",), False),
    ("10.1.2.3", ("10.1.0.0/16",), True), ("10.2.0.1", ("10.1.0.0/16",), False), ("[::1]", ("::1",), True),
])
def test_hosts_are_allowed_as_written(host, allowed, expected):
    assert host_allowed(host, allowed) is expected


# ---------------------------------------------------------------- bounded in time

class Trickle:
    """A raw HTTP server on 127.0.0.1 that sends ``answer`` one byte per ``pause`` seconds, all of it
    (``from_byte`` = 0) or after sending the first ``from_byte`` bytes at once."""

    def __init__(self, answer: bytes, from_byte: int = 0, pause: float = 1.0):
        trickle = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.recv(65536)
                try:
                    self.request.sendall(answer[:from_byte])
                    for index in range(from_byte, len(answer)):
                        if trickle.stopped.wait(pause):
                            return
                        self.request.sendall(answer[index:index + 1])
                except OSError:  # the client gave up: that is what the tests want
                    return

        self.stopped = threading.Event()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/page.html"

    def close(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
SLOW_ANSWERS = {
    "a body one byte a second": (HEAD + b"Content-Length: 10000\r\n\r\n" + b"<p>" * 3333, len(HEAD) + 25),
    "a body without length, one byte a second": (HEAD + b"Connection: close\r\n\r\n" + b"<p>" * 3333, len(HEAD) + 19),
    "the headers one byte a second": (HEAD + b"X-Slow: " + b"s" * 5000 + b"\r\n\r\n<p>late</p>", 0),
}


@pytest.fixture
def trickle(request):
    answer, from_byte = SLOW_ANSWERS[request.param]
    server = Trickle(answer, from_byte)
    yield server
    server.close()


@pytest.mark.parametrize("trickle", list(SLOW_ANSWERS), indirect=True)
def test_a_server_trickling_its_answer_is_cut_at_the_page_deadline(trickle):
    limits = Limits(read_timeout=30, retries=0, page_deadline=2, allow_hosts=HERE)
    result = finishes(lambda: fetch(trickle.url, limits=limits))
    assert isinstance(result.get("error"), FetchError), result  # never a page cut short and taken as whole
    assert str(result["error"]) == (f"{trickle.url}: no complete answer within the 2 s allowed for one page "
                                    "(the server is too slow or stalls); try again later")


@pytest.mark.parametrize("retry_after", ["99999", "Fri, 31 Dec 2099 23:59:59 GMT", "9" * 5000])
def test_a_server_asking_to_wait_for_ages_is_given_up_at_once(httpserver, retry_after):
    httpserver.expect_request("/a").respond_with_data("busy", status=503, headers={"Retry-After": retry_after})
    result = finishes(lambda: fetch(httpserver.url_for("/a"), limits=QUICK))
    assert isinstance(result.get("error"), FetchError), result
    assert str(result["error"]).startswith(f"{httpserver.url_for('/a')}: the server answered 503 and asks to wait ")
    assert str(result["error"]).endswith(" s; try again later") or "without end" in str(result["error"])
    assert len(httpserver.log) == 1


def test_a_short_retry_after_is_honoured_within_the_deadline(httpserver):
    answers = iter([Response("busy", status=429, headers={"Retry-After": "1"}), Response(PAGE, content_type="text/html")])
    httpserver.expect_request("/a").respond_with_handler(lambda request: next(answers))
    assert "Hello" in fetch(httpserver.url_for("/a"), limits=QUICK).text
    httpserver.clear_log()
    httpserver.expect_request("/b").respond_with_data("busy", status=503, headers={"Retry-After": "5"})
    result = finishes(lambda: fetch(httpserver.url_for("/b"), limits=Limits(retries=3, page_deadline=2, allow_hosts=HERE)))
    assert str(result["error"]).endswith(": the server answered 503 SERVICE UNAVAILABLE; waiting 5 s to ask again "
                                         "would pass the 2 s allowed for one page; try again later")


def test_sync_gives_up_a_page_asking_to_wait_and_goes_on(tiny_site, httpserver):
    httpserver.expect_request("/busy.html").respond_with_data("busy", status=429, headers={"Retry-After": "99999"})
    (tiny_site / "sources/remote.toml").write_text(
        f'[[article]]\nurl = "{httpserver.url_for("/busy.html")}"\nid = "busy-01"\nlang = "en"\n')
    result = finishes(lambda: sync(tiny_site, QUICK))
    [outcome] = result["value"]
    assert outcome.status == "failed"
    assert outcome.message == "the server answered 429 and asks to wait 99999 s; try again later"


def test_sync_stops_at_its_run_deadline_and_reports_the_pages_not_reached(tiny_site, httpserver):
    slow = Trickle(*SLOW_ANSWERS["a body one byte a second"])
    try:
        httpserver.expect_request("/en.html").respond_with_data(PAGE, content_type="text/html")
        (tiny_site / "sources/remote.toml").write_text(
            f'[[article]]\nurl = "{slow.url}"\nid = "slow-01"\nlang = "en"\n\n'
            f'[[article]]\nurl = "{httpserver.url_for("/en.html")}"\nid = "late-01"\nlang = "en"\n')
        limits = Limits(read_timeout=30, retries=0, run_deadline=2, allow_hosts=HERE)
        result = finishes(lambda: sync(tiny_site, limits))
    finally:
        slow.close()
    first, second = result["value"]
    assert (first.status, second.status) == ("failed", "failed")
    assert first.message.startswith("no complete answer within the 2 s allowed for one sync")
    assert second.message == "not fetched: the 2 s allowed for one sync ran out; run the sync again for the rest"
    assert httpserver.log == [] and not (tiny_site / "sources/late-01.md").exists()


# ---------------------------------------------------------------- WebSub within one bound

@pytest.mark.parametrize("retry_after", ["99999", "Fri, 31 Dec 2099 23:59:59 GMT"])
def test_a_hub_asking_to_wait_is_left_alone_and_every_feed_is_a_finding(httpserver, retry_after):
    httpserver.expect_request("/hub").respond_with_data("busy", status=503, headers={"Retry-After": retry_after})
    result = finishes(lambda: ping(httpserver.url_for("/hub"), FEEDS))
    problems = result["value"]
    assert [p.kind for p in problems] == ["websub.ping-failed"] * 3
    assert problems[0].message.startswith(f"{FEEDS[0]}: the hub answered 503 SERVICE UNAVAILABLE and asks to wait ")
    assert all(p.message.startswith(f"{url}: not pinged: the hub answered 503") for p, url in zip(problems[1:], FEEDS[1:]))
    assert len(httpserver.log) == 1


def test_a_hub_trickling_its_answer_holds_all_pings_for_no_longer_than_their_bound():
    hub = Trickle(b"HTTP/1.1 204 No Content\r\n" + b"X-Slow: " + b"s" * 5000 + b"\r\n\r\n")
    try:
        result = finishes(lambda: ping(hub.url, FEEDS, PingLimits(read_timeout=30, total=2)))
    finally:
        hub.close()
    problems = result["value"]
    assert len(problems) == 3 and all(p.kind == "websub.ping-failed" for p in problems)
    assert problems[0].message.endswith("the 2 s allowed for pinging the hub ran out (it is slow or down); "
                                        "publish again later to tell it")


def test_a_publish_with_a_hub_asking_to_wait_until_2099_finishes(tiny_site, httpserver):
    from pipeline.publish import publish
    from tests.helpers import BUILD_TIME

    httpserver.expect_request("/hub").respond_with_data("", status=503,
                                                        headers={"Retry-After": "Fri, 31 Dec 2099 23:59:59 GMT"})
    config = tiny_site / "sources/site.toml"
    config.write_text(config.read_text().replace("[site]\n", f'[site]\nwebsub_hub = "{httpserver.url_for("/hub")}"\n'))
    result = finishes(lambda: publish(tiny_site, BUILD_TIME), bound=60)
    failures = [f for f in result["value"].findings if f.kind == "websub.ping-failed"]
    assert len(failures) == 18 and len(httpserver.log) == 1
    assert (tiny_site / "output/en/feed.atom").is_file()


# ---------------------------------------------------------------- charsets

BAD_LABELS = ["unicode_escape", "raw_unicode_escape", "undefined", "idna", "punycode", "utf-7", "uu", "rot13",
              "base64", "hex", "zlib", "bz2", "quopri"]


@pytest.mark.parametrize("label", BAD_LABELS)
@pytest.mark.parametrize("where", ["header", "meta"])
def test_a_charset_that_is_no_text_encoding_is_ignored_not_obeyed(httpserver, label, where):
    body = f"<html><head><meta charset='{label}'></head><body><p>Grüße \\x41\\n 2,5 mg\\</p></body></html>"
    content_type = f"text/html; charset={label}" if where == "header" else "text/html"
    httpserver.expect_request("/a").respond_with_data(body.encode("utf-8"), content_type=content_type)
    page = fetch(httpserver.url_for("/a"), limits=QUICK)
    assert page.text == body  # read as UTF-8, every byte kept


# ---------------------------------------------------------------- local files

def test_a_pipe_is_refused_not_waited_for(tmp_path):
    pipe = tmp_path / "page.html"
    os.mkfifo(pipe)
    result = finishes(lambda: fetch(str(pipe)))
    assert str(result.get("error")) == (f"{pipe}: cannot read the file: not a regular file (a directory, device or "
                                        "pipe); name a saved page or picture")


def test_a_picture_that_is_a_pipe_is_refused_not_waited_for(tmp_path):
    pipe = tmp_path / "picture.png"
    os.mkfifo(pipe)
    result = finishes(lambda: fetch_image(str(pipe)))
    assert str(result.get("error")).startswith(f"{pipe}: cannot read the picture: not a regular file")


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "page.html").mkdir()
    with pytest.raises(FetchError, match="cannot read the file: not a regular file"):
        fetch(str(tmp_path / "page.html"))


def test_a_large_file_is_read_only_up_to_the_limit(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>" + b"x" * 20_000)
    with pytest.raises(FetchError, match="the file is larger than the 10 KB allowed"):
        fetch(str(page), limits=Limits(max_bytes=10 * 1024))


def _without_much_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # code that reads without end fails, not the machine


@pytest.mark.parametrize("name", ["/dev/zero", "zero.html"])
def test_ingesting_dev_zero_is_one_line_and_reads_nothing(tiny_site, name):
    if name == "zero.html":
        (tiny_site / name).symlink_to("/dev/zero")
        name = str(tiny_site / name)
    result = subprocess.run([sys.executable, "-m", "pipeline", "--root", str(tiny_site), "ingest", name, "--lang", "en"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, preexec_fn=_without_much_memory)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.splitlines()[0] == (f"{name}: cannot read the file: not a regular file (a directory, "
                                             "device or pipe); name a saved page or picture")


# ---------------------------------------------------------------- any answer at all

def test_any_answer_is_a_page_or_one_fetch_error(httpserver):
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"), max_size=40)
    answer = st.fixed_dictionaries({
        "status": st.sampled_from([200, 200, 200, 204, 301, 302, 303, 304, 307, 308, 400, 404, 410, 429, 500, 503])
        | st.integers(200, 599),
        "type": st.sampled_from(["text/html", "text/plain", "application/xhtml+xml", "image/png", "", "text/html;"])
        | header_text,
        "charset": st.none() | st.sampled_from(BAD_LABELS + ["utf-8", "utf-16", "latin-1", "cp1252", "ascii"])
        | header_text,
        "retry_after": st.none() | st.sampled_from(["0", "1", "99999", "-1", "Fri, 31 Dec 2099 23:59:59 GMT",
                                                    "Mon, 01 Jan 1990 00:00:00 GMT", "9" * 5000]) | header_text,
        "location": st.none() | st.sampled_from(["/p", "/other", "http://localhost:{port}/p", "http://127.0.0.2/",
                                                 "file:///etc/passwd", "ftp://x/", "http://[::1", "//[zz]/",
                                                 "https://127.0.0.1:{port}/p", "http:///nohost"]) | header_text,
        "body": st.binary(max_size=2000),
    })
    current: dict = {}

    def handler(request):
        drawn = current["answer"]
        headers = {}
        if drawn["retry_after"] is not None:
            headers["Retry-After"] = drawn["retry_after"]
        if drawn["location"] is not None:
            headers["Location"] = drawn["location"].replace("{port}", str(httpserver.port))
        content_type = drawn["type"] + (f"; charset={drawn['charset']}" if drawn["charset"] is not None else "")
        headers["Content-Type"] = content_type
        return Response(drawn["body"], status=drawn["status"], headers=headers)

    httpserver.expect_request("/p").respond_with_handler(handler)
    limits = Limits(connect_timeout=1, read_timeout=1, retries=1, backoff=0, max_retry_after=0.2, page_deadline=3,
                    allow_hosts=HERE)

    def known(status=200, type="text/html", charset=None, retry_after=None, location=None, body=b"<p>x</p>"):
        return {"status": status, "type": type, "charset": charset, "retry_after": retry_after,
                "location": location, "body": body}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(answer)
    @example(known(charset="undefined"))  # the classes the attack found, always tried
    @example(known(charset="unicode_escape", body=b"<p>\\N{</p>"))
    @example(known(status=503, retry_after="99999"))
    @example(known(status=429, retry_after="Fri, 31 Dec 2099 23:59:59 GMT"))
    @example(known(status=302, location="http://[::1"))
    def any_answer(drawn):
        current["answer"] = drawn
        result = finishes(lambda: fetch(httpserver.url_for("/p"), limits=limits))
        if "error" in result:
            assert isinstance(result["error"], PipelineError), repr(result["error"])
            assert "\n" not in str(result["error"])
        else:
            assert isinstance(result["value"], Fetched)

    any_answer()


# ---------------------------------------------------------------- TLS through the vetted connection

@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 whose self-made certificate names the address 127.0.0.1 only."""
    import http.server
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert
    server.shutdown()
    server.server_close()


def test_tls_still_checks_the_certificate_and_the_host_name(tls_server):
    from pipeline.fetch import Watchdog, guarded_session

    port, cert = tls_server
    with pytest.raises(FetchError, match="cannot connect|the request failed"):  # our certificate is trusted by nobody
        fetch(f"https://127.0.0.1:{port}/", limits=QUICK)
    with Watchdog(NO_HANG) as watchdog, guarded_session(("127.0.0.1", "localhost"), watchdog) as session:
        session.verify = str(cert)  # trusted here: what is left to check is the name
        assert session.get(f"https://127.0.0.1:{port}/", timeout=5).text == PAGE
        with pytest.raises(requests.exceptions.SSLError, match="match|mismatch"):  # connected to 127.0.0.1 as "localhost"
            session.get(f"https://localhost:{port}/", timeout=5)


# ---------------------------------------------------------------- one bound for a page and its pictures

PICTURE = (DATA / "ingest/images/knee-walk.png").read_bytes()


def page_with_pictures(server, count: int, folder: str) -> str:
    """A page whose ``count`` figures each point at a picture in ``folder`` on ``server`` (a folder per
    test: a slow picture of the test before may still be answered, and logged, during the next)."""
    figures = "".join(f'<figure><img src="{server.url_for(f"/{folder}/p{n}.png")}" alt="Picture {n}"></figure>'
                      for n in range(count))
    return PAGE.replace("<p>Hello</p>", f"<h1>Knees</h1><p>Hello.</p>{figures}")


def serve_page(server, count: int, folder: str) -> None:
    server.expect_request("/page.html").respond_with_data(page_with_pictures(server, count, folder),
                                                          content_type="text/html")


def slow_picture(request):
    time.sleep(0.8)
    return Response(PICTURE, content_type="image/png")


def test_slow_pictures_share_the_import_deadline_instead_of_each_getting_a_new_one(tiny_site, httpserver):
    serve_page(httpserver, 12, "slow")
    httpserver.expect_request(re.compile(r"/slow/p\d+\.png")).respond_with_handler(slow_picture)
    before = tree(tiny_site)
    limits = Limits(retries=0, page_deadline=1, import_deadline=2, allow_hosts=HERE)
    result = finishes(lambda: ingest(tiny_site, httpserver.url_for("/page.html"), article_id="slow-01", limits=limits))
    assert isinstance(result.get("error"), FetchError), result
    assert "the 2 s allowed for one import" in str(result["error"])
    assert result["seconds"] < 6  # 12 pictures of 0.8 s each took 9.7 s, each with its own deadline
    assert len([r for r, _ in httpserver.log if r.path.startswith("/slow/")]) < 5 and tree(tiny_site) == before


def test_the_ingest_command_ends_within_its_import_deadline(tiny_site, httpserver):
    serve_page(httpserver, 12, "command")
    httpserver.expect_request(re.compile(r"/command/p\d+\.png")).respond_with_handler(slow_picture)
    allow_in_site(tiny_site, "127.0.0.1")
    before = tree(tiny_site)
    result = finishes(lambda: ingest(tiny_site, httpserver.url_for("/page.html"), article_id="slow-01",
                                     limits=Limits(import_deadline=3)))
    assert "the 3 s allowed for one import" in str(result.get("error")), result
    assert tree(tiny_site) == before


def test_a_sync_run_deadline_covers_the_pictures_too(tiny_site, httpserver):
    serve_page(httpserver, 12, "sync")
    httpserver.expect_request(re.compile(r"/sync/p\d+\.png")).respond_with_handler(slow_picture)
    (tiny_site / "sources/remote.toml").write_text(
        f'[[article]]\nurl = "{httpserver.url_for("/page.html")}"\nid = "slow-01"\nlang = "en"\n')
    result = finishes(lambda: sync(tiny_site, Limits(retries=0, page_deadline=1, run_deadline=2, allow_hosts=HERE)))
    [outcome] = result["value"]
    assert outcome.status == "failed" and "the 2 s allowed for one sync" in outcome.message, outcome
    assert result["seconds"] < 6 and not (tiny_site / "sources/slow-01.md").exists()


def test_a_page_with_more_pictures_than_one_import_takes_is_refused_before_any_is_fetched(tiny_site, httpserver):
    serve_page(httpserver, 101, "many")
    httpserver.expect_request(re.compile(r"/many/p\d+\.png")).respond_with_data(PICTURE, content_type="image/png")
    before = tree(tiny_site)
    with pytest.raises(PipelineError) as info:
        ingest(tiny_site, httpserver.url_for("/page.html"), article_id="many-01", limits=QUICK)
    assert str(info.value) == (f"{httpserver.url_for('/page.html')}: the page has 101 pictures, more than the 100 one "
                               "import takes; nothing was imported; save the page, keep the pictures the article "
                               "needs and import the file")
    assert not [r for r, _ in httpserver.log if r.path.startswith("/many/")] and tree(tiny_site) == before


def test_the_pictures_of_one_import_share_one_byte_budget(tiny_site, httpserver):
    serve_page(httpserver, 5, "budget")
    httpserver.expect_request(re.compile(r"/budget/p\d+\.png")).respond_with_data(PICTURE + b"\0" * 4000,
                                                                               content_type="image/png")
    before = tree(tiny_site)
    limits = replace(QUICK, max_bytes=5000, max_picture_bytes=12000)  # each picture fits, three do not
    with pytest.raises(PipelineError) as info:
        ingest(tiny_site, httpserver.url_for("/page.html"), article_id="big-01", limits=limits)
    assert str(info.value).startswith(f"{httpserver.url_for('/page.html')}: the page's pictures together are larger "
                                      "than the 11 KB one import takes (reached at ")
    assert len([r for r, _ in httpserver.log if r.path.startswith("/budget/")]) == 3 and tree(tiny_site) == before


# ---------------------------------------------------------------- connecting within the deadline

def in_namespace(tmp_path, script: str, setup: str, *files: tuple[str, str]) -> subprocess.CompletedProcess:
    """``script`` run by this Python in a new user and mount namespace (``unshare -rm``, plus a network
    namespace when ``setup`` brings up lo), after ``setup`` has bind-mounted the given files over /etc ones."""
    if subprocess.run(["unshare", "-rmn", "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("unshare -rmn is not allowed here")
    mounts = []
    for name, text in files:
        (tmp_path / name).write_text(text)
        mounts.append(f"mount --bind {tmp_path / name} /etc/{name}")
    (tmp_path / "script.py").write_text(script)
    command = " && ".join([setup, *mounts, f"{sys.executable} {tmp_path / 'script.py'}"])
    return subprocess.run(["unshare", "-rmn", "sh", "-c", command], capture_output=True, text=True, timeout=120,
                          check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


FULL_QUEUES = """
import socket, time
from pipeline.fetch import FetchError, Limits, fetch
held = []
for n in range(2, 10):  # eight addresses whose accept queues are full: a connect there waits for its timeout
    server = socket.socket(); server.bind((f"127.0.0.{n}", 8080)); server.listen(0); held.append(server)
    for _ in range(3):
        client = socket.socket(); client.setblocking(False); held.append(client)
        client.connect_ex((f"127.0.0.{n}", 8080))
time.sleep(0.2)
for deadline in (2, 30):
    started = time.monotonic()
    try:
        fetch("http://multi.test:8080/", limits=Limits(connect_timeout=1, page_deadline=deadline, retries=0,
                                                      allow_hosts=("multi.test",)))
    except FetchError as exc:
        print(f"{time.monotonic() - started:.1f}", exc)
"""


def test_a_name_with_many_unreachable_addresses_is_given_up_within_the_deadline(tmp_path):
    hosts = "127.0.0.1 localhost\n" + "".join(f"127.0.0.{n} multi.test\n" for n in range(2, 10))
    done = in_namespace(tmp_path, FULL_QUEUES, "ip link set lo up", ("hosts", hosts))
    assert done.returncode == 0, done.stderr
    within_deadline, within_address_cap = done.stdout.splitlines()
    seconds, message = within_deadline.split(" ", 1)
    assert float(seconds) < 4, done.stdout  # 8 addresses of 1 s each took 8 s against a 2 s deadline
    assert message == ("http://multi.test:8080/: no complete answer within the 2 s allowed for one page "
                       "(the server is too slow or stalls); try again later")
    seconds, message = within_address_cap.split(" ", 1)
    assert float(seconds) < 6, done.stdout  # at most 4 addresses tried, 1 s each
    assert message == "http://multi.test:8080/: cannot connect within 1 s (timed out)"


MUTE_RESOLVER = """
import socket, time
from pipeline.fetch import FetchError, Limits, fetch
mute = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); mute.bind(("127.0.0.1", 53))  # takes questions, never answers
started = time.monotonic()
try:
    fetch("http://slow.test/", limits=Limits(page_deadline=2, retries=0, allow_hosts=("slow.test",)))
except FetchError as exc:
    print(f"{time.monotonic() - started:.1f}", exc)
"""


def test_a_resolver_that_never_answers_is_given_up_at_the_deadline(tmp_path):
    resolver = "nameserver 127.0.0.1\noptions timeout:30 attempts:2\n"
    done = in_namespace(tmp_path, MUTE_RESOLVER, "ip link set lo up", ("resolv.conf", resolver))
    assert done.returncode == 0, done.stderr
    seconds, message = done.stdout.strip().split(" ", 1)
    assert float(seconds) < 5, done.stdout  # the lookup alone took 60 s
    assert message == ("http://slow.test/: no complete answer within the 2 s allowed for one page "
                       "(the server is too slow or stalls); try again later")


# ---------------------------------------------------------------- a hub that keeps talking

def test_a_hub_answering_with_an_endless_body_is_not_read():
    hub = Trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 999999999\r\n\r\n" + b"x" * 100000,
                  from_byte=200, pause=0.05)
    try:
        result = finishes(lambda: ping(hub.url, FEEDS, PingLimits(read_timeout=30, total=5)))
    finally:
        hub.close()
    assert result["value"] == []  # the hub took every ping; what it goes on to say is not read


# ---------------------------------------------------------------- messages that name the real cause

RAW_ANSWERS = {
    "garbage": (b"garbage garbage\r\n\r\n", "the server's answer is not valid HTTP: BadStatusLine (garbage garbage)"),
    "two lengths": (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
                    b"hello!",
                    ("the server's answer is not valid HTTP: InvalidHeader (Content-Length contained multiple "
                    "unmatching values (5, 6))")),
    "bad port in a redirect": (b"HTTP/1.1 302 Found\r\nLocation: http://host:99999/\r\nContent-Length: 0\r\n\r\n",
                               "redirected to http://host:99999/: not a valid address: InvalidURL"),
    "brotli": (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: br\r\nContent-Length: 5\r\n\r\nhello",
               ("the answer is compressed as 'br', which cannot be decoded here; save it from a browser and import "
               "the file")),
    "silence": (b"", "the server closed the connection without answering"),
}


@pytest.mark.parametrize("name", list(RAW_ANSWERS))
def test_a_broken_answer_is_named_for_what_is_wrong_with_it(name):
    answer, expected = RAW_ANSWERS[name]
    server = Trickle(answer, from_byte=len(answer))
    try:
        result = finishes(lambda: fetch(server.url, limits=QUICK))
    finally:
        server.close()
    assert str(result.get("error")) == f"{server.url}: {expected}", result


def test_an_unspecified_address_is_called_so(names):
    names["zero.example.org"] = ["0.0.0.0"]
    with pytest.raises(FetchError, match=r"to zero\.example\.org \(0\.0\.0\.0\), an unspecified address inside"):
        fetch("http://zero.example.org/", limits=QUICK)
