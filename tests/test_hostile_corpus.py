"""The hostile corpus (``tests/data/hostile/cases.toml``): every attack gives a published site
with no script in it, or one clear ``path:line`` line per problem and nothing changed; and
``check`` refuses exactly what ``publish`` refuses. Never a traceback."""

from __future__ import annotations

import json
import tomllib

import feedparser
import pytest
from lxml import etree, html

from tests.helpers import DATA, project_state, run_main
from tests.test_hostile import assert_safe

CASES = tomllib.loads((DATA / "hostile" / "cases.toml").read_text(encoding="utf-8"))["case"]
ATOM = "{http://www.w3.org/2005/Atom}"


def apply(root, case) -> None:
    for edit in case.get("edit", []):
        path = root / edit["file"]
        text = path.read_text(encoding="utf-8")
        assert edit["old"] in text, (case["name"], edit["old"])
        path.write_text(text.replace(edit["old"], edit["new"], 1), encoding="utf-8")
    for write in case.get("write", []):
        (root / write["file"]).write_text(write["text"], encoding="utf-8")
    for link in case.get("link", []):
        path = root / link["file"]
        path.unlink(missing_ok=True)
        path.symlink_to(link["target"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_hostile_input_is_refused_or_published_harmless(published, capsys, case):
    apply(published, case)
    before = project_state(published)
    checked = run_main(published, capsys, "check")
    code, out, err = run_main(published, capsys, "publish")
    assert "Traceback" not in err + checked[2], err
    if case["expect"] == "refused":
        assert code == 1, out + err
        problems = err.splitlines()[:-1]
        assert problems and problems[0].startswith(case["where"]), err
        assert all(line.count(": ") >= 1 and "\n" not in line for line in problems)
        assert case["says"] in err, err
        assert err.splitlines()[-1].endswith("nothing was written")
        assert project_state(published) == before
        assert checked[0] == 1 and case["where"] in checked[2], checked[2]  # check refuses it too
    else:
        assert code == 0, err
        assert case.get("says", "") in err
        assert_harmless(published / "output")


def assert_harmless(output) -> None:
    """Nothing in the site can run a script: pages, feed contents and pictures."""
    for page in output.rglob("*.html"):
        assert_safe(html.fromstring(page.read_bytes()))
    for feed in output.rglob("feed.atom"):
        assert not feedparser.parse(feed.read_bytes()).bozo, feed
        for content in etree.parse(str(feed)).iter(f"{ATOM}content"):
            assert_safe(html.fragment_fromstring(content.text or "", create_parent="div"))
    for feed in output.rglob("feed.rss"):
        assert not feedparser.parse(feed.read_bytes()).bozo, feed
    for feed in output.rglob("feed.json"):
        for item in json.loads(feed.read_text(encoding="utf-8"))["items"]:
            assert_safe(html.fragment_fromstring(item["content_html"], create_parent="div"))
    for picture in output.rglob("*.svg"):
        svg = etree.fromstring(picture.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
        for element in svg.iter():
            assert etree.QName(element).localname not in ("script", "foreignObject"), picture
            assert not [name for name in element.attrib if etree.QName(name).localname.startswith("on")], picture
