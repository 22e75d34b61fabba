"""make ingest: remote articles listed in sources/remote.toml, kept in sync."""

from __future__ import annotations

import pytest
from werkzeug import Response

from pipeline.fetch import Limits
from pipeline.sync import sync
from tests.helpers import DATA, run_cli

FAST = Limits(connect_timeout=2, read_timeout=2, retries=1, backoff=0, allow_hosts=("127.0.0.1",))
PAGES = DATA / "ingest"


@pytest.fixture
def remote_site(httpserver):
    """An English page with an ETag, its German counterpart, a picture, and a broken page."""
    def english(request):
        if request.headers.get("If-None-Match") == '"en-1"':
            return Response(status=304)
        return Response((PAGES / "knee-pain-en.html").read_bytes(), content_type="text/html", headers={"ETag": '"en-1"'})
    httpserver.expect_request("/en.html").respond_with_handler(english)
    httpserver.expect_request("/de.html").respond_with_data((PAGES / "knee-pain-de.html").read_bytes(),
                                                            content_type="text/html")
    httpserver.expect_request("/images/knee-walk.png").respond_with_data(
        (PAGES / "images/knee-walk.png").read_bytes(), content_type="image/png")
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=410)
    return httpserver


def manifest(root, server, broken=False):
    text = (f'[[article]]\nurl = "{server.url_for("/en.html")}"\nid = "knee-01"\nlang = "en"\n\n'
            f'[[article]]\nurl = "{server.url_for("/de.html")}"\ntranslation_of = "knee-01"\nlang = "de"\n')
    if broken:
        text += f'\n[[article]]\nurl = "{server.url_for("/gone.html")}"\nid = "gone-01"\nlang = "en"\n'
    (root / "sources/remote.toml").write_text(text)
    config = root / "sources/site.toml"  # the CLI's sync allows the test server through the setting
    config.write_text(config.read_text().replace("[site]\n", '[site]\ningest_allow_hosts = ["127.0.0.1"]\n', 1))


def test_a_first_sync_imports_everything_and_a_second_finds_nothing_new(tiny_site, remote_site):
    manifest(tiny_site, remote_site)
    first = sync(tiny_site, FAST)
    assert [o.status for o in first] == ["new", "new"]
    assert (tiny_site / "sources/knee-01.md").is_file()
    assert "38 units translated" in first[1].message
    second = sync(tiny_site, FAST)
    assert [o.status for o in second] == ["unchanged", "unchanged"]
    assert second[0].message == "not modified since the last sync (304)"


def test_failures_are_reported_and_the_rest_goes_on(tiny_site, remote_site):
    manifest(tiny_site, remote_site, broken=True)
    result = run_cli(tiny_site, "sync")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(l.startswith("failed") and "gone.html: the server answered 410 GONE" in l for l in lines)
    assert lines[-1] == "3 page(s): 2 new, 0 changed, 0 unchanged, 1 failed"
    assert (tiny_site / "sources/knee-01.md").is_file() and not (tiny_site / "sources/gone-01.md").exists()


def test_a_source_edited_by_hand_is_not_overwritten(tiny_site, remote_site, httpserver):
    manifest(tiny_site, remote_site)
    sync(tiny_site, FAST)
    source = tiny_site / "sources/knee-01.md"
    source.write_text(source.read_text().replace("topics: []", "topics: [legs]"))
    (tiny_site / "sources/remote-state.json").write_text("{}")  # forget the validators: the page is fetched again
    outcome = sync(tiny_site, FAST)[0]
    assert outcome.status == "failed" and "was edited here since the last sync" in outcome.message
    assert "topics: [legs]" in source.read_text()


NOT_TABLES = "sources/remote.toml:1: 'article' must be a list of [[article]] tables, each with url, lang and id"


@pytest.mark.parametrize(("text", "expected"), [
    (b'article = "x"\n', NOT_TABLES),
    (b"article = [1]\n", NOT_TABLES),
    (b"a = " + b"[" * 3000 + b"\n", "sources/remote.toml: nested too deeply to read; list the pages as [[article]] "
                                    "tables"),
    (b"\xff\xfe[[article]]\n", "sources/remote.toml: not UTF-8 (byte 0); save it as UTF-8"),
    (b"#" * (2 * 1024 * 1024), "sources/remote.toml: the file is larger than the 1024 KB allowed"),
])
def test_a_broken_manifest_is_one_line_not_a_traceback(tiny_site, capsys, text, expected):
    from tests.helpers import run_main

    (tiny_site / "sources/remote.toml").write_bytes(text)
    code, _, err = run_main(tiny_site, capsys, "sync")
    assert code != 0 and "Traceback" not in err
    assert err.splitlines()[0] == expected


def test_a_damaged_state_file_is_one_line_not_a_traceback(tiny_site, capsys):
    from tests.helpers import run_main

    (tiny_site / "sources/remote.toml").write_text('[[article]]\nurl = "http://127.0.0.1:9/a"\nid = "a-01"\n'
                                                   'lang = "en"\n')
    (tiny_site / "sources/remote-state.json").write_bytes(b"[" * 100000)
    code, _, err = run_main(tiny_site, capsys, "sync")
    assert code != 0 and "Traceback" not in err
    assert err.splitlines()[0].startswith("sources/remote-state.json: damaged (")
