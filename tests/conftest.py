from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import DATA, ROOT, run_main


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A copy of the bundled sample site (sources and catalogs) to build and edit freely."""
    root = tmp_path / "sample"
    shutil.copytree(ROOT / "sources", root / "sources")
    shutil.copytree(ROOT / "locales", root / "locales")
    return root


@pytest.fixture
def tiny_site(tmp_path: Path) -> Path:
    """A copy of the tiny fixture site in ``tests/data/site-tiny``."""
    root = tmp_path / "tiny"
    shutil.copytree(DATA / "site-tiny", root)
    return root


@pytest.fixture
def published(tiny_site: Path, capsys, monkeypatch) -> Path:
    """The tiny site, published once (in this process) at the tests' fixed time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    assert run_main(tiny_site, capsys, "publish")[0] == 0
    return tiny_site


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Test servers listen on the loopback address only, on a free port."""
    return ("127.0.0.1", 0)
