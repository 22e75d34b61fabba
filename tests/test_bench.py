"""The benchmark runs end to end on a tiny synthetic site (the real figures come from make bench)."""

from __future__ import annotations

import json

from pipeline import bench


def test_a_tiny_benchmark_produces_every_figure(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert bench.main(["4", "--repeat", "1", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())["4"]
    assert set(figures) == {"cold", "noop", "one-first", "one", "catalogs", "newsletter"}
    assert all(f["seconds"] > 0 and f["peak_mb"] > 0 for f in figures.values())
    assert figures["cold"]["pages"] > 4
    assert "median s" in capsys.readouterr().out


def test_the_synthetic_site_is_deterministic(tmp_path):
    bench.generate(tmp_path / "a", 3)
    bench.generate(tmp_path / "b", 3)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


def test_a_failing_run_stops_the_bench_with_its_message(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="pipeline publish failed:\n.*sources/site.toml"):
        bench.run(tmp_path, "publish")  # no site here
