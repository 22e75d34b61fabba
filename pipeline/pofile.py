"""Reading and writing gettext PO files, the way GNU gettext lays them out.

Our own, not Babel's: Babel's reader drops ``#|`` previous-msgid lines and accepts a
string with no closing quote (losing the translation), and its writer wraps differently
from GNU tools, so every save in Poedit or Weblate would churn the whole file. Here each
entry keeps the text it was read from and is written back unchanged unless its content
changed, and new text is wrapped the way ``msgcat`` wraps it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.cleantext import check_reference, check_value, forbidden_character, forbidden_reference
from pipeline.errors import CatalogError

WIDTH = 79  # GNU gettext's default page width
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
            "\f": "\\f", "\v": "\\v"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
# The escapes that stand for a character no page or feed can carry (``cleantext``).
_FORBIDDEN_ESCAPES = {letter for letter, char in _UNESCAPES.items() if forbidden_character(char)}
# ASCII text up to and including each break opportunity of ``_can_break_after``: a space not
# followed by another, a hyphen not followed by a space or digit, a newline that is not last.
_ASCII_WORDS = re.compile(r".*?(?: (?=[^ ])|-(?=[^ \d])|\n(?=.))|.+", re.DOTALL)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"\s*$')
_ESCAPE = re.compile(r"\\(.)")
_KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(\".*)$")
# A line of spaces (as ``str.strip`` sees them), after a newline.
_SPACES_ONLY = re.compile(r"\n[^\S\n]+(?=\n|\Z)")
# The usual entry: comment lines other than "#~" and "#|", then msgid and msgstr as quoted lines
# without backslashes or inner quotes, nothing else on their lines.
_QUOTED = r'"[^"\\\n]*"(?:\n"[^"\\\n]*")*'
_PLAIN = re.compile(rf"((?:#(?:[^~|\n][^\n]*)?\n)*)msgid ({_QUOTED})\nmsgstr ({_QUOTED})")


@dataclass(frozen=True)
class Entry:
    """One message of a catalog, as a translator sees it."""

    msgid: str  # the source text ("" for the header)
    msgstr: str = ""  # the translation, "" when untranslated
    msgctxt: str | None = None  # disambiguating context, rarely used
    flags: tuple[str, ...] = ()  # "fuzzy", "python-format", ...
    comments: tuple[str, ...] = ()  # translator comments ("# ...")
    extracted: tuple[str, ...] = ()  # comments for the translator ("#. ...")
    locations: tuple[str, ...] = ()  # "sources/x.md:12"
    previous: str | None = None  # the msgid this fuzzy translation was made for ("#| msgid")
    obsolete: bool = False  # no longer in the source ("#~"), kept so no work is lost
    line: int = 0  # where the entry starts in its file, 0 if it was not read from one
    raw: str | None = field(default=None, compare=False)  # the entry's text as read
    raw_key: tuple | None = field(default=None, compare=False)  # content when read

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and not self.fuzzy

    def key(self) -> tuple:
        """The content that matters: an entry with an unchanged key is written as it was read."""
        return (self.msgctxt, self.msgid, self.msgstr, self.flags, self.comments, self.extracted,
                self.locations, self.previous, self.obsolete)


@dataclass(frozen=True)
class PoFile:
    """A whole catalog file: the header entry and the messages, in file order."""

    header: Entry  # msgid "": the metadata, with the file's opening comments
    entries: tuple[Entry, ...]  # the messages, obsolete ones included

    def header_field(self, name: str) -> str | None:
        for line in self.header.msgstr.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None

    def active(self) -> Iterator[Entry]:
        return (e for e in self.entries if not e.obsolete)


# ---------------------------------------------------------------- reading

def read(path: str, text: str) -> PoFile:
    """Parse a PO file; the first syntax error raises with its line."""
    entries = [_plain_entry(chunk, start) or _entry(path, chunk.split("\n"), start) for start, chunk in _chunks(text)]
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None and not e.obsolete]
    if not headers:
        raise CatalogError("the header entry (msgid \"\") is missing", path, 1)
    if len(headers) > 1:
        raise CatalogError("a second header entry (msgid \"\")", path, headers[1].line)
    seen: dict[tuple, int] = {}
    for entry in entries:
        ident = (entry.msgctxt, entry.msgid, entry.obsolete)
        if ident in seen and entry.msgid:
            raise CatalogError(f"msgid {entry.msgid[:40]!r} appears twice (first on line {seen[ident]}); "
                               "keep one", path, entry.line)
        seen[ident] = entry.line
    return PoFile(headers[0], tuple(e for e in entries if e is not headers[0]))


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Entries are separated by blank lines; yields each entry's first line number and text."""
    if _SPACES_ONLY.search("\n" + text):  # a blank line that is not empty: rare, looked at line by line
        yield from _chunks_by_line(text)
        return
    line = 1
    for piece in text.split("\n\n"):
        entry = piece.lstrip("\n")
        line += len(piece) - len(entry)
        if entry.rstrip("\n"):
            yield line, entry.rstrip("\n")
        line += entry.count("\n") + 2


def _chunks_by_line(text: str) -> Iterator[tuple[int, str]]:
    chunk: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), 1):  # only "\n" ends a line; not NEL or U+2028
        if line.strip():
            if not chunk:
                start = number
            chunk.append(line)
        elif chunk:
            yield start, "\n".join(chunk)
            chunk = []
    if chunk:
        yield start, "\n".join(chunk)


def _plain_entry(text: str, start: int) -> Entry | None:
    """The entry in ``text`` if it has the shape of almost every entry (comments, then msgid and
    msgstr, without escapes), else None: reading entries line by line was nearly half of the
    catalogs' time in a cold build. ``_entry`` reads every other shape, and this one the same way."""
    match = _PLAIN.fullmatch(text)
    if match is None:
        return None
    notes, msgid, msgstr = match.groups()
    msgid, msgstr = msgid[1:-1].replace('"\n"', ""), msgstr[1:-1].replace('"\n"', "")
    if "&#" in msgid or "&#" in msgstr:  # a character reference is checked by ``_entry``, at its line
        return None
    comments, extracted, locations, flags = [], [], [], []
    for line in notes.split("\n")[:-1]:
        kind = line[1:2]
        if kind == ".":
            extracted.append(line[2:].strip())
        elif kind == ":":
            locations += line[2:].split()
        elif kind == ",":
            flags += [f.strip() for f in line[2:].split(",") if f.strip()]
        else:
            comments.append(line[1:].removeprefix(" "))
    entry = Entry(msgid=msgid, msgstr=msgstr,
                  flags=tuple(dict.fromkeys(flags)), comments=tuple(comments), extracted=tuple(extracted),
                  locations=tuple(locations), line=start)
    return _with_raw(entry, text + "\n")


def _entry(path: str, lines: list[str], start: int) -> Entry:
    fields: dict[str, list[tuple[int, str]]] = {}  # keyword -> its strings, each with its line
    previous: dict[str, list[tuple[int, str]]] = {}
    comments, extracted, locations, flags = [], [], [], []
    obsolete = False
    current: list[tuple[int, str]] | None = None
    for offset, line in enumerate(lines):
        number = start + offset
        first = line[0]  # most lines continue a string or name a keyword: looked at first
        if first == '"':
            if current is None:
                raise CatalogError("a string with no keyword before it", path, number)
            current.append((number, _string(path, number, line)))
            continue
        if first == "m":
            current = _keyword_line(path, number, line, fields)
            continue
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].lstrip() if not line.startswith("#~|") else "#|" + line[3:]
            if not line:
                continue
        if line.startswith("#|"):
            rest = line[2:].strip()
            if rest.startswith('"') and current is not None:
                current.append((number, _string(path, number, rest)))
            else:
                current = _keyword_line(path, number, rest, previous)
        elif line.startswith("#."):
            extracted.append(line[2:].strip())
        elif line.startswith("#:"):
            locations += line[2:].split()
        elif line.startswith("#,"):
            flags += [f.strip() for f in line[2:].split(",") if f.strip()]
        elif line.startswith("#"):
            comments.append(line[1:].removeprefix(" "))
        elif line.lstrip().startswith('"'):
            if current is None:
                raise CatalogError("a string with no keyword before it", path, number)
            current.append((number, _string(path, number, line.strip())))
        else:
            current = _keyword_line(path, number, line, fields)
    if "msgid" not in fields:
        raise CatalogError("an entry without msgid", path, start)
    if "msgid_plural" in fields:
        raise CatalogError("plural messages are not used in this project's catalogs", path, start)
    if "msgstr" not in fields:
        raise CatalogError("missing msgstr for this msgid", path, start)
    entry = Entry(
        msgid=_joined(path, fields["msgid"]),
        msgstr=_joined(path, fields["msgstr"]),
        msgctxt=_joined(path, fields["msgctxt"]) if "msgctxt" in fields else None,
        flags=tuple(dict.fromkeys(flags)),
        comments=tuple(comments),
        extracted=tuple(extracted),
        locations=tuple(locations),
        previous=_joined(path, previous["msgid"]) if "msgid" in previous else None,
        obsolete=obsolete,
        line=start,
    )
    return _with_raw(entry, "\n".join(lines) + "\n")


def _keyword_line(path: str, number: int, line: str,
                  into: dict[str, list[tuple[int, str]]]) -> list[tuple[int, str]]:
    match = _KEYWORD.match(line.strip())
    if not match:
        raise CatalogError(f"not a gettext line: {line.strip()[:60]!r}; check the keyword and the quotes",
                           path, number)
    keyword, rest = match.groups()
    if keyword in into:
        raise CatalogError(f"'{keyword}' twice in one entry; separate entries with a blank line", path, number)
    into[keyword] = [(number, _string(path, number, rest))]
    return into[keyword]


def _joined(path: str, pieces: list[tuple[int, str]]) -> str:
    """A field's strings as one text; a character reference split over two of them
    (``"&#1"`` ``"2;"``) is refused on the line where it starts."""
    text = "".join(piece for _, piece in pieces)
    found = forbidden_reference(text) if len(pieces) > 1 else None
    if found is not None:
        end = 0
        for number, piece in pieces:
            end += len(piece)
            if found.start() < end:
                check_value(text[found.start():found.end()], path, number, CatalogError, "this string")
    return text


def _string(path: str, number: int, quoted: str) -> str:
    quoted = quoted.strip()
    # Fast path: most lines are a plain quoted string without escapes or references, and the
    # file's raw text has been checked for forbidden characters already.
    if (len(quoted) >= 2 and quoted[0] == quoted[-1] == '"' and "\\" not in quoted and '"' not in quoted[1:-1]
            and "&#" not in quoted):
        return quoted[1:-1]
    match = _STRING.fullmatch(quoted)
    if not match:
        raise CatalogError(f"a string must be one line in double quotes: {quoted[:60]!r}", path, number)
    value = _unescape(path, number, match.group(1))
    # A reference is decoded when the translation is rendered (``&#12;``): refused on its line.
    check_reference(value, path, number, CatalogError, "this string")
    return value


def _unescape(path: str, number: int, body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char in _FORBIDDEN_ESCAPES:  # decodes to what the file's raw check never saw
            check_value(_UNESCAPES[char], path, number, CatalogError, "this string")
        if char in _UNESCAPES:
            return _UNESCAPES[char]
        raise CatalogError(f"unknown escape '\\{char}' in a string", path, number)

    return _ESCAPE.sub(replace, body)


def _with_raw(entry: Entry, raw: str) -> Entry:
    object.__setattr__(entry, "raw", raw)  # set once, on an entry nobody else has seen yet
    object.__setattr__(entry, "raw_key", entry.key())
    return entry


# ---------------------------------------------------------------- writing

def write(po: PoFile) -> str:
    """The file's text: entries as they were read where unchanged, new text wrapped like GNU."""
    return "\n".join(format_entry(e) for e in (po.header, *po.entries))


def format_entry(entry: Entry) -> str:
    if entry.raw is not None and entry.raw_key == entry.key():
        return entry.raw
    lines = [f"# {c}".rstrip() for c in entry.comments]
    lines += [f"#. {c}".rstrip() for c in entry.extracted]
    lines += _locations(entry.locations)
    if entry.flags:
        lines.append("#, " + ", ".join(entry.flags))
    prefix = "#~ " if entry.obsolete else ""
    if entry.previous is not None:
        lines += _field("#~| " if entry.obsolete else "#| ", "msgid", entry.previous)
    if entry.msgctxt is not None:
        lines += _field(prefix, "msgctxt", entry.msgctxt)
    lines += _field(prefix, "msgid", entry.msgid)
    lines += _field(prefix, "msgstr", entry.msgstr)
    return "\n".join(lines) + "\n"


def _locations(locations: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for location in locations:
        if lines and len(lines[-1]) + 1 + len(location) <= WIDTH:
            lines[-1] += " " + location
        else:
            lines.append("#: " + location)
    return lines


def _field(prefix: str, keyword: str, text: str) -> list[str]:
    escaped = escape(text)
    pieces = _split_newlines(text)
    single = f'{prefix}{keyword} "{escaped}"'
    if len(pieces) == 1 and _width(single) <= WIDTH:
        return [single]
    lines = [f'{prefix}{keyword} ""']
    for piece in pieces:
        lines += [f'{prefix}"{chunk}"' for chunk in _wrap(piece, WIDTH - len(prefix) - 2)]
    return lines


def escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


def _split_newlines(text: str) -> list[str]:
    """GNU starts a new line after every newline that is not the last character."""
    parts = text.split("\n")
    pieces = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        pieces.append(parts[-1])
    return pieces or [""]


def _wrap(text: str, limit: int) -> list[str]:
    """Greedy wrapping at the break opportunities GNU gettext uses for Latin text."""
    if not text:
        return [""]
    if text.isascii():
        return _wrap_ascii(text, limit)
    return _wrap_any(text, limit)


def _wrap_ascii(text: str, limit: int) -> list[str]:
    """``_wrap_any`` for ASCII text, a word at a time instead of a character at a time: writing
    catalogs was mostly wrapping. Every character is one column, or its escape's length."""
    chunks: list[str] = []
    line, width = "", 0
    for word in _ASCII_WORDS.findall(text):
        piece = escape(word)
        if line and width + len(piece) > limit:
            chunks.append(line)
            line, width = "", 0
        line += piece
        width += len(piece)
    chunks.append(line)
    return chunks


def _wrap_any(text: str, limit: int) -> list[str]:
    cells = [(escape(c), _char_width(c)) for c in text]
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = _break(text, cells, start, limit)
        chunks.append("".join(c for c, _ in cells[start:end]))
        start = end
    return chunks


def _break(text: str, cells: list[tuple[str, int]], start: int, limit: int) -> int:
    width = 0
    best = None
    for index in range(start, len(text)):
        width += len(cells[index][0]) if cells[index][0].startswith("\\") else cells[index][1]
        if width > limit:
            break
        if _can_break_after(text, index):
            best = index + 1
    else:
        return len(text)
    if best is not None:
        return best
    for index in range(start, len(text)):  # nothing fits: overflow to the next opportunity
        if _can_break_after(text, index):
            return index + 1
    return len(text)


def _can_break_after(text: str, index: int) -> bool:
    if index + 1 >= len(text):
        return False
    char, following = text[index], text[index + 1]
    if char == " ":
        return following != " "
    if char in "\u2013\u2014":  # en and em dash
        return following != " "
    if char == "-":  # a hyphen, but not a minus before a number ("60-120" stays whole)
        return following != " " and not following.isdigit()
    if char == "\n":
        return True
    return _char_width(char) == 2 and _char_width(following) == 2  # between ideographs


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(line: str) -> int:
    return len(line) if line.isascii() else sum(_char_width(c) for c in line)
