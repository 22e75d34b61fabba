from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import DATA, ROOT


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


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Test servers listen on the loopback address only, on a free port."""
    return ("127.0.0.1", 0)
