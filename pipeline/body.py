"""The body of a source article: CommonMark blocks into our content model.

We accept what a plain-language health article needs (headings, paragraphs, nested lists,
figures, tables) and refuse the rest with the line it stands on, so an editor never loses
content silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from pipeline.cleantext import check_reference, check_value
from pipeline.errors import SourceError
from pipeline.model import Block, Cell, Figure, Heading, ListBlock, ListItem, Origin, Paragraph, Table, Text

# Raw HTML is parsed only to be refused with its line; pages render with HTML off. Inline
# Markdown is parsed only where it could hold what we look for in it (see ``_Cursor.children``):
# parsing every unit's inline syntax took half of reading an article.
_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")
_ALIGN = {"text-align:left": "left", "text-align:center": "center", "text-align:right": "right"}
# Lists nested deeper than this are refused: markdown-it stops reading at 20 token levels (a list
# level is two), silently dropping the rest, and no reader follows an outline that deep.
MAX_LIST_DEPTH = 8
# A bracketed label, as a reference-style link ``[text][label]`` or ``[label]`` uses it.
_LABEL = re.compile(r"\[((?:[^\[\]\\]|\\.)+)\]")


@dataclass
class _Cursor:
    """Walks a flat markdown-it token stream and collects problems on the way."""

    tokens: Sequence[Token]
    path: str
    offset: int  # lines before the body in the source file
    env: dict  # what the block parse found for the inline one: reference definitions
    pos: int = 0
    problems: list[SourceError] | None = None

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def line(self, token: Token) -> int:
        return self.offset + (token.map[0] if token.map else 0) + 1

    def problem(self, token: Token, message: str) -> None:
        assert self.problems is not None
        self.problems.append(SourceError(message, self.path, self.line(token)))

    def skip_container(self) -> None:
        """Skip the token at the cursor and, if it opens a container, all of it."""
        depth = 0
        while True:
            token = self.take()
            depth += token.nesting
            if depth <= 0:
                return

    def text(self, inline: Token) -> Text:
        return self.unit(inline.content, inline)

    def unit(self, markdown: str, token: Token, decoded: bool = False) -> Text:
        """A unit's text; a character reference the renderer would decode into a character no
        page or feed can carry (``&#12;``) is refused at the unit's line. The file's raw text is
        checked already; a ``decoded`` text (an image title, whose references markdown-it
        decodes) is checked for the characters themselves too."""
        text = Text(normalize(markdown), Origin(self.path, self.line(token)))
        check = check_value if decoded else check_reference
        try:
            check(text.value, self.path, text.origin.line, SourceError)
        except SourceError as exc:
            assert self.problems is not None
            self.problems.append(exc)
        return text

    def children(self, inline: Token) -> list[Token]:
        """The inline tokens of a unit, as far as images and raw HTML go: a unit with neither
        ``![`` nor ``<`` holds no image and no HTML, so it is not parsed."""
        if not inline.children and ("<" in inline.content or "![" in inline.content):
            inline.children = []
            _PARSER.inline.parse(inline.content, _PARSER, self.env, inline.children)
        return inline.children or []


def normalize(markdown: str) -> str:
    """One line, single spaces: reflowing a paragraph does not change its unit."""
    return " ".join(markdown.split())


def parse_body(body: str, path: str, offset: int) -> tuple[tuple[Block, ...], list[SourceError]]:
    """Blocks of an article body, and every problem found in it."""
    env: dict = {}
    cursor = _Cursor(_PARSER.parse(body, env), path, offset, env, problems=[])
    blocks: list[Block] = []
    while cursor.peek() is not None:
        block = _block(cursor)
        if block is not None:
            blocks.append(block)
    for label, definition in env.get("references", {}).items():
        cursor.problems.append(SourceError(  # type: ignore[union-attr]
            f"a link reference definition ('[{label.lower()}]: {definition['href']}') is not supported: each "
            "unit is translated and shown on its own; write the link inline where it is used, [text](address)",
            path, offset + definition["map"][0] + 1))
    return tuple(blocks), cursor.problems or []


def _block(cursor: _Cursor) -> Block | None:
    token = cursor.peek()
    assert token is not None
    if token.type == "heading_open":
        return _heading(cursor)
    if token.type == "paragraph_open":
        return _paragraph(cursor)
    if token.type in ("bullet_list_open", "ordered_list_open"):
        return _list(cursor)
    if token.type == "table_open":
        return _table(cursor)
    cursor.problem(token, f"{_describe(token)} is not supported in articles; "
                   "use paragraphs, '##' headings, lists, tables or figures")
    cursor.skip_container()
    return None


def _describe(token: Token) -> str:
    names = {"html_block": "raw HTML", "fence": "a code block", "code_block": "an indented code block",
             "blockquote_open": "a block quote", "hr": "a horizontal rule"}
    return names.get(token.type, f"'{token.type}'")


def _heading(cursor: _Cursor) -> Heading | None:
    opening, inline, _ = cursor.take(), cursor.take(), cursor.take()
    level = int(opening.tag[1])
    if level == 1:
        cursor.problem(opening, "a '#' heading is not allowed in the body; the title comes from "
                       "front matter, so start sections with '##'")
        return None
    if level > 3:
        cursor.problem(opening, "headings deeper than '###' are not supported; use '##' or '###'")
        return None
    if not normalize(inline.content):
        cursor.problem(opening, "empty heading; write the question or remove the '#' marks")
        return None
    if not _inline_ok(cursor, inline):
        return None
    return Heading(level, cursor.text(inline))


def _paragraph(cursor: _Cursor) -> Paragraph | Figure | None:
    cursor.take()
    inline = cursor.take()
    cursor.take()
    children = cursor.children(inline)
    if len(children) == 1 and children[0].type == "image":
        return _figure(cursor, inline, children[0])
    if not _inline_ok(cursor, inline):
        return None
    return Paragraph(cursor.text(inline))


_SCHEME = re.compile(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = {"http", "https", "mailto"}


def _inline_ok(cursor: _Cursor, inline: Token) -> bool:
    if _uses_definition(cursor, inline):
        return False
    for scheme in _SCHEME.findall(inline.content):
        if scheme.lower() not in _SAFE_SCHEMES:
            cursor.problem(inline, f"a link to '{scheme.lower()}:' is not allowed; links must be http(s) or mailto")
            return False
    for child in cursor.children(inline):
        if child.type == "html_inline":
            cursor.problem(inline, f"raw HTML '{child.content}' is not allowed; use Markdown instead")
            return False
        if child.type == "image":
            cursor.problem(inline, "an image must stand alone in its own paragraph, "
                           'written ![alt text](images/file.svg "caption")')
            return False
    return True


def _uses_definition(cursor: _Cursor, inline: Token) -> bool:
    """Refuse a reference-style link: inline rendering knows no definitions, so its address
    would be lost without a word."""
    definitions = cursor.env.get("references")
    if not definitions or "[" not in inline.content:
        return False
    for label in _LABEL.findall(inline.content):
        if normalizeReference(label) in definitions:
            address = definitions[normalizeReference(label)]["href"]
            cursor.problem(inline, f"the link '[{label}]' is reference-style; write it "
                           f"inline, [text]({address}): a unit is translated and shown without the definitions")
            return True
    return False


def _figure(cursor: _Cursor, inline: Token, image: Token) -> Figure | None:
    src = str(image.attrs.get("src", ""))
    caption = normalize(str(image.attrs.get("title") or ""))
    alt = normalize(image.content)
    if not alt:
        cursor.problem(inline, f"the image '{src}' needs alternative text: ![what the picture shows]({src} \"caption\")")
        return None
    return Figure(src, cursor.unit(alt, inline), cursor.unit(caption, inline, decoded=True) if caption else None)


def _list(cursor: _Cursor) -> ListBlock | None:
    opening = cursor.peek()
    assert opening is not None
    if opening.level // 2 + 1 > MAX_LIST_DEPTH:  # a list is a level, and so is each of its items
        cursor.problem(opening, f"lists nested more than {MAX_LIST_DEPTH} levels deep are not supported; "
                       "flatten the list or split it")
        cursor.skip_container()
        return None
    cursor.take()
    ordered = opening.type == "ordered_list_open"
    start = int(opening.attrs.get("start", 1)) if ordered else 1
    items: list[ListItem] = []
    ok = True
    while cursor.peek() is not None and cursor.peek().type == "list_item_open":
        item = _item(cursor)
        ok = ok and item is not None
        if item is not None:
            items.append(item)
    cursor.take()  # the list's closing token
    return ListBlock(ordered, tuple(items), start) if ok else None


def _item(cursor: _Cursor) -> ListItem | None:
    opening = cursor.take()
    text: Text | None = None
    children: list[ListBlock] = []
    ok = True
    while cursor.peek().type != "list_item_close":
        token = cursor.peek()
        if token.type == "paragraph_open" and text is None and not children:
            cursor.take()
            inline = cursor.take()
            cursor.take()
            ok = _inline_ok(cursor, inline) and ok
            text = cursor.text(inline)
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            nested = _list(cursor)
            ok = ok and nested is not None
            if nested is not None:
                children.append(nested)
        else:
            cursor.problem(token, "a list item may hold one line of text and nested lists; "
                           "move further paragraphs out of the list")
            cursor.skip_container()
            ok = False
    cursor.take()
    if text is None:
        cursor.problem(opening, "empty list item; write its text or remove the bullet")
        return None
    return ListItem(text, tuple(children)) if ok else None


def _table(cursor: _Cursor) -> Table | None:
    cursor.take()
    header: tuple[Cell, ...] = ()
    rows: list[tuple[Cell, ...]] = []
    ok = True
    while (token := cursor.take()).type != "table_close":
        if token.type == "tr_open":
            row = _row(cursor)
            ok = ok and row is not None
            if row is not None and not header:
                header = row
            elif row is not None:
                rows.append(row)
    return Table(header, tuple(rows)) if ok else None


def _row(cursor: _Cursor) -> tuple[Cell, ...] | None:
    cells: list[Cell] = []
    ok = True
    while (token := cursor.take()).type != "tr_close":
        if token.type in ("th_open", "td_open"):
            inline = cursor.take()
            cursor.take()
            ok = _inline_ok(cursor, inline) and ok
            align = _ALIGN.get(str(token.attrs.get("style", "")))
            cells.append(Cell(cursor.text(inline), align))  # type: ignore[arg-type]
    return tuple(cells) if ok else None
