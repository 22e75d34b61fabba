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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_bar_fills_stage_by_stage_on_one_line(tiny_site):
    stream = Terminal()
    publish(tiny_site, BUILD_TIME, progress=Progress(stream, minimum=1))
    updates = stream.getvalue().split("\r\033[K")[1:]
    assert [u.split(" ", 1)[0] for u in updates] == ["###.................", "######..............",
                                                     "##########..........", "#############.......",
                                                     "################....", "####################"]
    assert [u.split(" ")[1] for u in updates] == ["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"]
    assert stream.getvalue().endswith("replaced output/\n")  # the line is finished, not overwritten
