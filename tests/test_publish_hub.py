"""A publish tells the WebSub hub only once it has released the write lock: a slow or broken hub
never holds the next publish."""

from __future__ import annotations

from werkzeug import Response

from pipeline.publish import publish
from tests.helpers import BUILD_TIME, run_cli
from tests.test_websub import with_hub


def test_the_hub_is_told_after_the_lock_is_released(tiny_site, httpserver):
    seen: list[int] = []

    def hub(request):
        if not seen:  # while the hub is being told, another writer can take the lock
            seen.append(run_cli(tiny_site, "catalogs").returncode)
        return Response("", status=204)

    httpserver.expect_request("/hub", method="POST").respond_with_handler(hub)
    with_hub(tiny_site, httpserver.url_for("/hub"))
    report = publish(tiny_site, BUILD_TIME)
    assert seen == [0]
    assert not [f for f in report.findings if f.kind.startswith("websub")]


def test_ctrl_c_while_the_hub_is_told_keeps_the_published_report(tiny_site, httpserver):
    import os
    import signal
    import time

    def hub(request):
        os.kill(os.getpid(), signal.SIGINT)  # the editor gives up waiting for the hub
        time.sleep(2)
        return Response("", status=204)

    httpserver.expect_request("/hub", method="POST").respond_with_handler(hub)
    with_hub(tiny_site, httpserver.url_for("/hub"))
    report = publish(tiny_site, BUILD_TIME)
    assert report.published["en"] == 3  # the site is published and the summary is there
    assert [f.message for f in report.findings if f.kind == "websub.ping-failed"] == [
        "interrupted (Ctrl-C): the hub was not told of the changed feeds"]
    assert (tiny_site / "output/en/feed.atom").is_file()
