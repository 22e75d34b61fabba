"""Progress lines: plain lines per stage when not on a terminal, silence for short runs."""

from __future__ import annotations

import io

from pipeline.progress import Progress
from pipeline.publish import publish
from tests.helpers import BUILD_TIME


def test_a_long_run_reports_each_stage_on_plain_lines(tiny_site):
    stream = io.StringIO()
    publish(tiny_site, BUILD_TIME, progress=Progress(stream, minimum=1))
    lines = stream.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "read 3 articles", "brought 4 catalogs up to date", "checked translations and reviews", "rendered 5 pages",
        "wrote 18 feeds and the sitemap", "replaced output/"]
    assert all(line.startswith("[") and " s] " in line for line in lines)


def test_a_short_run_stays_quiet(tiny_site):
    stream = io.StringIO()
    publish(tiny_site, BUILD_TIME, progress=Progress(stream))
    assert stream.getvalue() == ""
