"""Hostile pictures through the real CLI (issue 18, findings 2 and 5): an SVG with script, a web
page named as a picture, a link out of sources/images/. Each gives one line naming the file and
line, exit 1, no traceback, and leaves sources, catalogs and the published site as they were;
``check`` refuses the same."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import DATA, project_state, run_main, tree

PICTURES = DATA / "images"
FIGURE = "sources/legs.md:34:"  # ![Two feet on tiptoe](images/feet.svg "...") in the tiny site
FEET = "sources/images/feet.svg"

# (fixture put in place of feet.svg, the line it names, text the message must contain)
SVG_CASES = [
    ("onload.svg", 2, "the attribute 'onload' on <svg>"),
    ("script.svg", 3, "<script> is not allowed"),
    ("xhtml-script.svg", 3, "outside SVG's namespace"),
    ("foreign.svg", 3, "<foreignObject> is not allowed"),
    ("animate.svg", 3, "<a> is not allowed"),
    ("external.svg", 3, "'xlink:href' on <use>"),
    ("style-url.svg", 2, "it loads another file"),
    ("entities.svg", 2, "DOCTYPE or entity declaration"),
    ("stylesheet.svg", 2, "<?xml-stylesheet?>"),
    ("page.html", 1, "not an SVG picture"),
]


def expect_refusal(root, capsys, prefix, text, before):
    code, out, err = run_main(root, capsys, "publish")
    assert code == 1, out + err
    assert err.splitlines()[0].startswith(prefix), err
    assert text in err.splitlines()[0], err
    assert len([line for line in err.splitlines() if line.startswith("sources/")]) == 1, err
    assert "Traceback" not in err
    assert err.splitlines()[-1].endswith("nothing was written")
    assert project_state(root) == before
    code, out, err = run_main(root, capsys, "check")
    assert code == 1 and err.splitlines()[0].startswith(prefix) and text in err, out + err


def point_figure_at(root, src):
    legs = root / "sources/legs.md"
    legs.write_text(legs.read_text().replace("(images/feet.svg ", f"({src} "))


@pytest.mark.parametrize(("fixture", "line", "text"), SVG_CASES, ids=[c[0] for c in SVG_CASES])
def test_an_editors_svg_that_could_run_script_or_load_files_is_refused_at_its_line(published, capsys, fixture, line, text):
    shutil.copyfile(PICTURES / fixture, published / FEET)
    expect_refusal(published, capsys, f"{FEET}:{line}:", text, project_state(published))


@pytest.mark.parametrize(("name", "fixture", "text"), [
    ("a web page named png", "page.html", "is not a PNG picture: its bytes are a web page's"),
    ("an svg named png", "clean.svg", "is not a PNG picture: its bytes are an SVG's"),
    ("a jpeg named png", "dot.jpg", "is not a PNG picture: its bytes are a JPEG picture's"),
])
def test_a_picture_whose_bytes_are_not_of_its_format_is_refused_at_the_figure(published, capsys, name, fixture, text):
    shutil.copyfile(PICTURES / fixture, published / "sources/images/feet.png")
    point_figure_at(published, "images/feet.png")
    expect_refusal(published, capsys, FIGURE, f"image 'images/feet.png' {text}", project_state(published))


@pytest.mark.parametrize("name", ["page.html", "feet.SVG", "feet.txt"])
def test_a_file_without_a_picture_suffix_is_refused(published, capsys, name):
    shutil.copyfile(PICTURES / "page.html", published / "sources/images" / name)
    point_figure_at(published, f"images/{name}")
    expect_refusal(published, capsys, FIGURE, "is not a picture file", project_state(published))


def test_a_picture_linked_to_a_file_elsewhere_is_not_published(published, capsys):
    (published / FEET).unlink()
    os.symlink("/etc/passwd", published / FEET)
    expect_refusal(published, capsys, FIGURE, "symbolic link", project_state(published))
    assert b"root:" not in b"".join(tree(published / "output").values())


def test_a_link_to_a_real_picture_outside_is_refused_too(published, capsys, tmp_path):
    outside = tmp_path / "outside.svg"
    shutil.copyfile(PICTURES / "clean.svg", outside)
    (published / FEET).unlink()
    os.symlink(outside, published / FEET)
    expect_refusal(published, capsys, FIGURE, "symbolic link", project_state(published))


def test_a_linked_images_folder_is_refused(published, capsys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.move(published / "sources/images", elsewhere)
    os.symlink(elsewhere, published / "sources/images")
    expect_refusal(published, capsys, FIGURE, "symbolic link", project_state(published))


def test_a_linked_folder_below_images_is_refused(published, capsys, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    shutil.copyfile(PICTURES / "clean.svg", tmp_path / "elsewhere/feet.svg")
    os.symlink(tmp_path / "elsewhere", published / "sources/images/sub")
    point_figure_at(published, "images/sub/feet.svg")
    expect_refusal(published, capsys, FIGURE, "symbolic link", project_state(published))


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_picture_that_is_not_a_regular_file_is_refused_without_waiting(published, capsys, kind):
    (published / FEET).unlink()
    os.mkfifo(published / FEET) if kind == "fifo" else (published / FEET).mkdir()
    expect_refusal(published, capsys, FIGURE, "is not a regular file", project_state(published))


def test_a_picture_of_more_than_five_megabytes_is_refused(published, capsys):
    big = (PICTURES / "clean.svg").read_bytes().replace(b"</svg>", b"<!--" + b"x" * (6 << 20) + b"--></svg>")
    (published / FEET).write_bytes(big)
    expect_refusal(published, capsys, FIGURE, "at most 5 MB", project_state(published))
