"""``make bench``: a synthetic site shaped like the sample articles, timed as editors run it.

Generates N articles per language in a temporary folder (most with complete catalogs, some
partly translated), then times whole ``python -m pipeline`` runs: a cold publish, a no-op
publish, a publish after one article changed (``one-first`` right after the cold build, which
moves the article to the top of the feeds and into the sitemap's dates; ``one`` after a
further change, as an editor's day goes), ``catalogs`` after 5 % of the units changed, and a
newsletter. Prints a table (median of several runs, pages per second, peak memory of the
process tree, pages shared with forked workers counted once, from one more run that is not
timed) and writes the figures as JSON for comparison between commits.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline import pofile

EPOCH = "1764000000"  # 2025-11-24: every run dates things alike
WORDS = ("blood", "vein", "calf", "muscle", "skin", "sleep", "water", "walk", "rest", "doctor", "pain", "leg",
         "exercise", "cream", "night", "shift", "daily", "gentle", "strong", "symptom", "week", "minutes")


def generate(root: Path, per_language: int, seed: int = 7) -> None:
    """A site with ``per_language`` articles per site language, shaped like the samples."""
    rng = random.Random(seed)
    (root / "sources/images").mkdir(parents=True)
    (root / "sources/images/figure.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><rect width="600" height="300" fill="#dde"/></svg>')
    (root / "sources/site.toml").write_text(
        '[site]\ntitle = "Bench site"\ndescription = "Synthetic articles."\nbase_url = "https://bench.example/"\n'
        'languages = ["en", "de"]\npublisher = "Bench"\ncontact_email = "bench@bench.example"\n'
        'time_zone = "Europe/Berlin"\nversion_history = false\n\n[site.topics]\nveins = "Veins"\nskin = "Skin"\n'
        'sleep = "Sleep"\n')
    for number in range(per_language):
        lang = "de" if number % 5 == 0 else "en"
        (root / f"sources/a{number:05d}.md").write_text(_article(rng, number, lang))


def _sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return f"{text[0].upper()}{text[1:]} {rng.randint(2, 90)} times."


def _article(rng: random.Random, number: int, lang: str) -> str:
    topic = rng.choice(["veins", "skin", "sleep"])
    lines = ["---", f"id: a{number:05d}", f"lang: {lang}", f"title: \"Question {number}: {_sentence(rng, 5)[:-1]}?\"",
             f"summary: {_sentence(rng, 20)}", f"topics: [{topic}]", f"created: 20{rng.randint(15, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
             f"next_review: {rng.randint(2026, 2030)}", "references:",
             f"  - \"Author A{number}. A synthetic study. Journal 2020; {number}: 1-9.\"",
             f"  - \"Author B{number}. Another synthetic study. Journal 2021; {number}: 10-19.\"", "---", ""]
    lines.append(_sentence(rng, 30) + " " + _sentence(rng, 25))
    for section in range(rng.randint(6, 10)):
        lines += ["", f"## How does {rng.choice(WORDS)} {section} help?", "", _sentence(rng, 40) + " " + _sentence(rng)]
        if section % 3 == 0:
            lines += [""] + [f"- {_sentence(rng, 8)}" for _ in range(rng.randint(3, 5))]
        if section == 1:
            lines += ["", f"![A synthetic figure {number}](images/figure.svg \"Caption {number}: {_sentence(rng, 6)}\")"]
        lines += ["", _sentence(rng, 35)]
    return "\n".join(lines) + "\n"


def translate_catalogs(root: Path, partial_every: int = 10) -> None:
    """Fill the catalogs: complete for most articles, half-done for every ``partial_every``-th."""
    for index, path in enumerate(sorted((root / "locales").glob("*/LC_MESSAGES/*.po"))):
        po = pofile.read(str(path), path.read_text())
        partial = path.stem != "site" and index % partial_every == 0
        entries = tuple(
            e.__class__(**{**e.__dict__, "msgstr": f"[{path.parent.parent.name}] {e.msgid}"})
            if not e.obsolete and not (partial and i % 2) else e
            for i, e in enumerate(po.entries))
        path.write_text(pofile.write(pofile.PoFile(po.header, entries)))


def change_units(root: Path, share: float, seed: int = 11) -> int:
    """Change ``share`` of the paragraphs in the sources; returns how many."""
    rng = random.Random(seed)
    changed = 0
    for path in sorted((root / "sources").glob("*.md")):
        lines = path.read_text().split("\n")
        for i, line in enumerate(lines):
            if line and line[0].isupper() and not line.startswith(("##", "-", "!")) and rng.random() < share:
                lines[i] = line.replace(" ", " also ", 1)
                changed += 1
        path.write_text("\n".join(lines))
    return changed


def run(root: Path, *args: str, sample: bool = True) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, whole process tree) of one pipeline command; without
    ``sample``, the memory is not looked at (0), and the time is the command's alone."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    # Warnings go to a file: a pipe nobody reads until the end stops a run that warns a lot.
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "--root", str(root), *args], env=env,
                                   stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0
        while sample and process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)
        process.wait()
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"pipeline {' '.join(args)} failed:\n{errors.read().decode()}")
    return seconds, peak


def _tree_rss(pid: int) -> int:
    """Memory of a process and all its descendants, from /proc (Linux), each page counted once.

    Forked workers share the main process's pages until they write to them, so the main
    process counts with its resident set and each descendant only with the pages it has of its
    own. The main process is read from ``statm``, which costs it nothing; walking its page
    tables (``smaps``) every few milliseconds would slow the very run being timed.
    """
    page = os.sysconf("SC_PAGE_SIZE")
    try:
        total = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    except (OSError, IndexError, ValueError):
        return 0
    todo = _children(pid)
    while todo:
        current = todo.pop()
        total += _private(current)
        todo += _children(current)
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _private(pid: int) -> int:
    """The pages a process has to itself (written since the fork, or allocated), in bytes."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty")) * 1024
    except (OSError, ValueError, KeyError, IndexError):
        try:
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            return 0


def measure(per_language: int, repeat: int) -> dict[str, dict[str, float]]:
    """The figures of every step: the median of ``repeat`` timed runs, and the peak memory of
    one more run. Sampling the memory reads each worker's page tables from /proc every 20 ms,
    which took 4 % of a cold build's time on 2 cores, so the runs that sample are not timed."""
    base = Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    try:
        site = base / "site"
        generate(site, per_language)
        run(site, "catalogs", sample=False)
        translate_catalogs(site)
        run(site, "publish", sample=False)  # records the first versions, so the timings below see a settled site
        pages = sum(1 for _ in (site / "output").rglob("*.html"))
        steps = ("cold", "noop", "one-first", "one", "catalogs", "newsletter")
        seconds: dict[str, list[float]] = {k: [] for k in steps}
        peaks: dict[str, int] = dict.fromkeys(steps, 0)

        def note(step: str, figures: tuple[float, int], sample: bool) -> None:
            if sample:
                peaks[step] = max(peaks[step], figures[1])
            else:
                seconds[step].append(figures[0])

        rounds = [False] * repeat + [True]  # the last round samples the memory
        for attempt, sample in enumerate(rounds):
            # Moved aside, deleted only at the end: on ext4 without a journal (as on our VMs), a file
            # created soon after thousands were deleted costs about a millisecond of
            # kernel time (it skips the freed inodes one by one), which would time the bench's own
            # clean-up, not the publish; a cold build right after `make clean` pays it, though.
            aside = base / f"previous-{attempt}"
            aside.mkdir()
            for name in ("output", ".cache", ".output.staging"):
                if (site / name).exists():
                    (site / name).rename(aside / name)
            note("cold", run(site, "publish", sample=sample), sample)
            note("noop", run(site, "publish", sample=sample), sample)
            target = site / "sources/a00001.md"
            for step in ("one-first", "one"):
                target.write_text(target.read_text().replace("times.", "times!", 1))
                note(step, run(site, "publish", sample=sample), sample)
        for attempt, sample in enumerate(rounds):
            scratch = base / f"scratch-{attempt}"  # a new one each time, for the same reason
            shutil.copytree(site, scratch)
            change_units(scratch, 0.05)
            note("catalogs", run(scratch, "catalogs", sample=sample), sample)
            # A one-off issue of what is new today: the whole site would be far over the mail size limit.
            note("newsletter", run(site, "newsletter", "--since", "2099-01-01", sample=sample), sample)
        return {name: {"seconds": statistics.median(seconds[name]), "peak_mb": peaks[name] / 2**20,
                       "pages_per_second": pages / statistics.median(seconds[name]) if name == "cold" else 0.0,
                       "pages": pages}
                for name in steps}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000], help="articles per language (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to write the figures")
    args = parser.parse_args(argv)
    table: dict[str, dict] = {}
    print(f"{'N/lang':>7} {'step':<11} {'median s':>9} {'pages/s':>8} {'peak MB':>8}")
    for size in args.sizes:
        figures = measure(size, args.repeat)
        table[str(size)] = figures
        for name, f in figures.items():
            rate = f"{f['pages_per_second']:.0f}" if f["pages_per_second"] else ""
            print(f"{size:>7} {name:<11} {f['seconds']:>9.2f} {rate:>8} {f['peak_mb']:>8.0f}", flush=True)
    args.json.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
