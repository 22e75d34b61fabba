"""The command line: parse arguments, call one library function, print the outcome.

Expected problems print as ``path:line: message`` lines and exit 1. Faults of the machine (a
full disk, a read-only folder, a killed worker, Ctrl-C, SIGTERM) print one line: what happened and
what the command had changed by then. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import functools
import json
import os
import signal
import sys
import time
from pathlib import Path

from pipeline.errors import Fault, PipelineError

# What to do about an error of the machine, by errno; the others only say what happened.
_REMEDIES = {
    errno.ENOSPC: "free some space and run it again",
    errno.EDQUOT: "free some space and run it again",
    errno.EROFS: "make it writable and run it again",
    errno.EACCES: "check who may write there and run it again",
    errno.EPERM: "check who may write there and run it again",
    errno.EBUSY: "publish into a folder, not onto a mount point",
}
INTERRUPTED, TERMINATED = 130, 143  # the shell's codes for a command ended by SIGINT, by SIGTERM


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that it unwinds as for Ctrl-C: workers stopped,
    the lock released, the staging folder left for the next run."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None, keep: list[object] | None = None) -> int:
    """Run a command; ``keep`` takes what it built, for a caller that ends the process at once."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.keep = keep
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    before = len(_changes())
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except Fault as exc:
        return _stopped(str(exc), args.root, before, 1)
    except PipelineError as exc:
        print(str(exc), file=sys.stderr)
        count = len(getattr(exc, "problems", (exc,)))
        print(f"error: {count} problem(s); nothing was written", file=sys.stderr)
        return 1
    except OSError as exc:  # the machine's, not a bug: a full disk, a read-only folder
        return _stopped(_described(exc, args.root), args.root, before, 1)
    except KeyboardInterrupt:
        return _stopped("interrupted (Ctrl-C)", args.root, before, INTERRUPTED)
    except Terminated:
        return _stopped("terminated (SIGTERM)", args.root, before, TERMINATED)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stopped(what: str, root: Path, before: int, code: int) -> int:
    """Print the one line of a command the machine stopped: what happened, and what it had changed."""
    print(f"error: {what}; {_changed_since(before, root)}", file=sys.stderr)
    return code


def _described(exc: OSError, root: Path, remedy: bool = True) -> str:
    name = errno.errorcode.get(exc.errno or 0, "")
    reason = f"{exc.strerror} ({name})" if name and exc.strerror else (exc.strerror or str(exc))
    fix = _REMEDIES.get(exc.errno or 0) if remedy else None
    where = f"{_shown(exc.filename, root)}: " if exc.filename else ""
    return f"{where}{reason}" + (f"; {fix}" if fix else "")


def _changed_since(before: int, root: Path) -> str:
    made = [_shown(path, root) for path in _changes()[before:]]
    made = [path for path in dict.fromkeys(made) if not path.startswith(".cache/")]  # caches: safe to lose
    made.sort(key=lambda path: not path.endswith("/"))  # a tree swapped in first: the new site is live
    if not made:
        return "nothing was changed"
    shown = [f"{path} (the new site is live)" if path.endswith("/") else path for path in made[:5]]
    more = f" and {len(made) - 5} more" if len(made) > 5 else ""
    return f"changed before it stopped, each file whole: {', '.join(shown)}{more}; nothing else"


def _changes() -> tuple[str, ...]:
    files = sys.modules.get("pipeline.files")  # not imported yet: nothing written (the no-op path stays light)
    return files.changes() if files is not None else ()


def _shown(path: object, root: Path) -> str:
    """``path`` as the user knows it: below the project folder, or as it is."""
    text = os.fsdecode(path) if isinstance(path, (str, bytes)) else str(path)
    trailing = "/" if text.endswith("/") else ""
    inside = os.path.relpath(text, root)
    return inside + trailing if not inside.startswith("..") else text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Publish bilingual health-information articles: sources -> catalogs -> pages.",
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="project folder holding sources/, locales/ and output/ (default: .)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    cmd = commands.add_parser("publish", help="update the catalogs and build the site into output/")
    cmd.add_argument("--strict", action="store_true", help="fail on warnings (translation QA, reviews) instead of printing them")
    cmd.add_argument("--editorial", action="append", default=[], metavar="ID",
                     help="the change to article ID is an editorial correction: no new 'Updated' date, "
                          "translations stay valid (repeatable)")
    cmd.set_defaults(run=_publish)

    cmd = commands.add_parser("catalogs", help="create and update the gettext catalogs in locales/")
    cmd.add_argument("--check", action="store_true", help="write nothing; exit 1 if a catalog is out of date")
    cmd.add_argument("--editorial", action="append", default=[], metavar="ID",
                     help="the change to article ID is an editorial correction: translations stay valid")
    cmd.set_defaults(run=_catalogs)

    cmd = commands.add_parser("status", help="show how far each translation has come")
    cmd.add_argument("--lang", help="only this target language")
    cmd.add_argument("--json", action="store_true", help="print JSON for machines")
    cmd.add_argument("--fail-under", type=float, metavar="PERCENT",
                     help="exit 1 if any translation is less than PERCENT translated")
    cmd.set_defaults(run=_status)

    cmd = commands.add_parser("newsletter", help="publish, then write a newsletter issue per language")
    cmd.add_argument("--lang", action="append", default=[], help="only this language (repeatable)")
    cmd.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                     help="a one-off issue of everything since this date; records nothing")
    cmd.set_defaults(run=_newsletter)

    cmd = commands.add_parser("ingest", help="import an article from a web page or a text export into sources/")
    cmd.add_argument("address", metavar="URL_OR_FILE", help="an http(s) URL or a local .html or .txt file")
    cmd.add_argument("--lang", help="the page's language, if it does not say")
    cmd.add_argument("--id", dest="article_id", help="the article's id (default: a new one)")
    cmd.add_argument("--title", help="the article's title, if the page has none")
    cmd.add_argument("--force", action="store_true", help="replace an existing source or translations")
    cmd.add_argument("--translation-of", metavar="ID",
                     help="the page translates article ID: fill its catalog for --lang instead")
    cmd.set_defaults(run=_ingest)

    cmd = commands.add_parser("sync", help="sync the remote articles listed in sources/remote.toml")
    cmd.set_defaults(run=_sync)

    cmd = commands.add_parser("history", help="show an article's versions and its translations")
    cmd.add_argument("article_id", metavar="ID", help="the article's id")
    cmd.set_defaults(run=_history)

    cmd = commands.add_parser("check", help="check sources and catalogs; write nothing")
    cmd.set_defaults(run=_check)

    cmd = commands.add_parser("serve", help="preview output/ on http://127.0.0.1:PORT/")
    cmd.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    cmd.set_defaults(run=_serve)
    return parser


def _publish(args: argparse.Namespace) -> int:
    inputs = None
    if not args.strict and not args.editorial:
        from pipeline import buildcache  # light: the no-op path imports nothing else

        inputs = buildcache.look(args.root, buildcache.build_day(args.root))
        if args.keep is not None:
            args.keep.append(inputs)  # 49,000 entries at 10,000 articles: left to the end too
        record = inputs.unchanged()
        if record is not None:
            first, *rest = record["summary"]
            again = [first.split(" (")[0] + " (nothing changed since the last publish)."]
            _print_lines(again + [line for line in rest if not line.startswith(("Updated ", "New version ", "Read again "))],
                         record["warnings"])
            return 0
    from pipeline.progress import Progress
    from pipeline.publish import publish, report_lines

    started = time.perf_counter()
    report = publish(args.root, strict=args.strict, editorial=args.editorial, progress=Progress(sys.stderr),
                     inputs=inputs, keep=args.keep)
    _print_lines(*report_lines(report))
    if report.unrecorded:
        print(f"warning: published; but could not record what this publish did ({_described(report.unrecorded, args.root, remedy=False)}); "
              "the next publish reads everything again", file=sys.stderr)
    print(f"Finished in {time.perf_counter() - started:.1f} s.")
    return 0


def _print_lines(summary: list[str], warnings: list[str]) -> None:
    for line in warnings:
        print(line, file=sys.stderr)
    for line in summary:
        print(line)


def _catalogs(args: argparse.Namespace) -> int:
    from pipeline import status as status_stage
    from pipeline.publish import update_catalogs

    if args.check:
        stale = status_stage.stale_catalogs(args.root)
        for path in stale:
            print(f"{path}: out of date; run 'make catalogs'", file=sys.stderr)
        return 1 if stale else 0
    written = update_catalogs(args.root, editorial=args.editorial, keep=args.keep)
    for path in written:
        print(f"Updated {path}")
    print(f"{len(written)} catalog file(s) updated.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from pipeline import status as status_stage

    rows = status_stage.translation_status(args.root, args.lang)
    reviews = status_stage.review_status(args.root)
    if args.json:
        data = {"translations": [row.as_json() for row in rows], "reviews": [r.as_json() for r in reviews]}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(status_stage.format_table(rows))
        print()
        print(status_stage.format_reviews(reviews))
    below = [r for r in rows if args.fail_under is not None and r.percent < args.fail_under]
    for row in below:
        print(f"{row.path}: {row.percent:.0f}% translated, under {args.fail_under:g}%", file=sys.stderr)
    return 1 if below else 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2025-06-30: {value!r}") from None


def _newsletter(args: argparse.Namespace) -> int:
    from pipeline.publish import newsletter, report_lines

    report, issues = newsletter(args.root, languages=args.lang, since=args.since, keep=args.keep)
    _print_lines(*report_lines(report))
    for issue in issues:
        if issue.items:
            print(f"Newsletter {issue.lang} {issue.date}: {issue.items} article(s) in output/"
                  + ", output/".join(path for path in issue.files if not path.endswith("index.html")))
        else:
            print(f"Newsletter {issue.lang}: nothing new since the last issue; nothing written.")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.ingest import ingest, ingest_translation

    if args.translation_of:
        if not args.lang:
            raise PipelineError("--translation-of needs --lang, the page's language", args.address)
        done = ingest_translation(args.root, args.address, args.translation_of, args.lang, force=args.force)
        print(f"{done.path}: {done.confident} units translated, {done.doubtful} marked fuzzy to check, "
              f"{done.kept} already translated and kept ({done.status})")
        for text in done.unmatched:
            print(f"  not found on the page: {text[:70]}")
        return 0
    done = ingest(args.root, args.address, args.lang, args.article_id, args.title, args.force)
    print(f"{done.path} ({done.status}) from {done.fetched.url}")
    for line in done.found:
        print(f"  {line}")
    for line in done.dropped:
        print(f"  dropped: {line}")
    for line in done.notes:
        print(f"  check: {line}")
    return 0


def _sync(args: argparse.Namespace) -> int:
    from pipeline.sync import sync

    outcomes = sync(args.root)
    if not outcomes:
        print("No remote articles to sync: list them as [[article]] entries in sources/remote.toml (see README).")
        return 0
    for outcome in outcomes:
        print(f"{outcome.status:9} {outcome.remote.url}: {outcome.message}")
    failed = sum(o.status == "failed" for o in outcomes)
    print(f"{len(outcomes)} page(s): " + ", ".join(
        f"{sum(o.status == s for o in outcomes)} {s}" for s in ("new", "changed", "unchanged", "failed")))
    return 1 if failed else 0


def _history(args: argparse.Namespace) -> int:
    from pipeline import status as status_stage

    print(status_stage.format_history(status_stage.history(args.root, args.article_id)))
    return 0


def _check(args: argparse.Namespace) -> int:
    from pipeline import status as status_stage

    findings = status_stage.check(args.root)
    for finding in findings:
        print(finding, file=sys.stderr)
    print(f"{len(findings)} problem(s) found." if findings else "Sources and catalogs are in order.")
    return 1 if findings else 0


def _serve(args: argparse.Namespace) -> int:
    folder = args.root / "output"
    if not (folder / "index.html").is_file():
        print("output/ is empty; run 'make publish' first", file=sys.stderr)
        return 1
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(f"Serving output/ on http://127.0.0.1:{args.port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:  # how a preview is meant to end: no fault
            print("Stopped.")
    return 0
