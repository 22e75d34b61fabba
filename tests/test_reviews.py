"""Review tracking: overdue and upcoming planned updates."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from lxml import html

from pipeline.errors import Problems
from pipeline.model import ReviewDate
from pipeline.publish import publish
from pipeline.reviews import DUE, OVERDUE, review_state
from tests.helpers import BUILD_TIME, ROOT, run_cli


@pytest.mark.parametrize(("review", "today", "expected"), [
    (ReviewDate(2025), dt.date(2025, 12, 31), (DUE, 0)),
    (ReviewDate(2025), dt.date(2026, 1, 1), (OVERDUE, 1)),
    (ReviewDate(2025, 6), dt.date(2025, 6, 30), (DUE, 0)),
    (ReviewDate(2025, 6), dt.date(2025, 7, 2), (OVERDUE, 2)),
    (ReviewDate(2025, 6, 15), dt.date(2025, 3, 1), None),
    (ReviewDate(2025, 6, 15), dt.date(2025, 4, 1), (DUE, 75)),
])
def test_a_review_is_due_until_the_period_it_names_is_over(review, today, expected):
    assert review_state(review, today, window_days=90) == expected


def test_the_sample_site_shows_one_overdue_review_today():
    """On the real date (no SOURCE_DATE_EPOCH), the sample's 2025 review has passed."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run([sys.executable, "-m", "pipeline", "status", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    reviews = json.loads(result.stdout)["reviews"]
    if dt.date.today() <= dt.date(2025, 12, 31):
        pytest.skip("the sample's planned update (2025) is not overdue before 2026")
    overdue = [r["domain"] for r in reviews if r["state"] == OVERDUE]
    assert overdue[0] == "3f8a2c71"  # the most overdue first; later years add others


def test_publish_warns_and_strict_fails(tiny_site):
    warned = run_cli(tiny_site, "publish")
    assert warned.returncode == 0
    assert "warning: sources/legs.md: review.due-soon: article t-legs-01: the planned update (2025) is due in 37 day(s)" in warned.stderr
    strict = run_cli(tiny_site, "publish", "--strict")
    assert strict.returncode == 1 and "review.due-soon" in strict.stderr


def test_overdue_pages_show_a_notice_only_when_configured(tiny_site):
    later = BUILD_TIME + dt.timedelta(days=60)
    publish(tiny_site, later)
    assert "notice-review" not in (tiny_site / "output/en/leg-exercises.html").read_text()
    config = tiny_site / "sources/site.toml"
    config.write_text(config.read_text().replace("[site]\n", "[site]\noverdue_notice = true\n"))
    publish(tiny_site, later)
    en = html.fromstring((tiny_site / "output/en/leg-exercises.html").read_bytes())
    assert " ".join(en.xpath("string(//p[contains(@class, 'notice-review')])").split()) == (
        "The planned update of this article (2025) is overdue. Its content may not reflect the latest research.")
    de = html.fromstring((tiny_site / "output/de/beinuebungen.html").read_bytes())
    assert "Die geplante Aktualisierung dieses Artikels (2025) steht noch aus." in de.xpath(
        "string(//p[contains(@class, 'notice-review')])")
    assert "notice-review" not in (tiny_site / "output/en/water.html").read_text()


def test_a_wrong_review_window_is_a_config_error(tiny_site):
    config = tiny_site / "sources/site.toml"
    config.write_text(config.read_text().replace("[site]\n", "[site]\nreview_window_days = \"soon\"\n"))
    result = run_cli(tiny_site, "publish")
    assert result.returncode == 1
    assert result.stderr.startswith("sources/site.toml:4: 'review_window_days' must be a whole number")


def test_strict_lists_every_warning(tiny_site):
    with pytest.raises(Problems) as info:
        publish(tiny_site, BUILD_TIME, strict=True)
    assert [p.path for p in info.value.problems] == ["sources/legs.md"]
