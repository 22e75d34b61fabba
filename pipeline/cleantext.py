"""Characters no page or feed can carry: the one list every reader of untrusted text checks.

A file's raw text is checked as it is read (``check_control``), and so is every value once its
escapes are decoded (``check_value``): a YAML ``"\\a"``, a PO ``\\f`` or a JSON ``\\uFFFE`` is
the same character as the raw one, and must be refused the same way, at the line it stands on.
"""

from __future__ import annotations

import dataclasses
import re

from pipeline.errors import PipelineError

# C0 controls but tab, newline and carriage return; DEL and the C1 controls (they come from
# text decoded wrongly); lone surrogates; and the noncharacters, which XML forbids or
# discourages and lxml refuses (U+FFFE, U+FFFF): each would stop a feed from being written.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
                       + "]")
CONTROL = FORBIDDEN  # the name older callers use
# A numeric character reference as markdown-it reads one (``&#12;``, ``&#x0C;``), or a backslash
# escape, which makes the "&" after it literal text and is skipped.
_REFERENCE = re.compile(r"\\[\s\S]|&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")
# What ends or overwrites a line on a terminal besides the forbidden characters: a file name
# holding one would print as two problems, or hide the one before it.
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")


def forbidden_character(text: str) -> re.Match[str] | None:
    """The first character of ``text`` that no page or feed can carry, if there is one."""
    return FORBIDDEN.search(text)


def forbidden_reference(markdown: str) -> re.Match[str] | None:
    """The first character reference in inline Markdown that stands for a character no page or
    feed can carry (``&#12;``, ``&#xFFFE;``), or for none at all (``&#0;``, ``&#x110000;``).

    markdown-it turns ``&#12;`` into U+000C; browsers and feed readers decode what it leaves."""
    if "&#" not in markdown:  # nearly every unit: no reference at all
        return None
    for match in _REFERENCE.finditer(markdown):
        digits = match.group(1) or match.group(2)
        if digits is not None and not _carried(int(digits, 16 if match.group(1) else 10)):
            return match
    return None


def _carried(code: int) -> bool:
    return 0 < code <= 0x10FFFF and not FORBIDDEN.match(chr(code))


def forbidden_in_name(name: str) -> re.Match[str] | None:
    """The first character of a file name that would break the one line naming it."""
    return FORBIDDEN.search(name) or _LINE_BREAKS.search(name)


def remove_forbidden(text: str) -> tuple[str, int]:
    """``text`` without forbidden characters and references to them, and how many went."""
    text, removed = FORBIDDEN.subn("", text)
    if "&#" not in text:
        return text, removed
    text, references = _remove_references(text)
    return text, removed + references


def _remove_references(text: str) -> tuple[str, int]:
    """``text`` without references to forbidden characters, in one pass over it: the same as
    removing the first one again and again until none is left (which took 33 s for 100,000).

    Removing one can join a new one across the gap (``&#&#1;12;`` leaves ``&#12;``); it is
    looked for in the last kept characters. Nothing else changes after the gap: a removed
    reference holds no backslash and follows no pending one, so every later escape and
    reference stands where the scan of the whole text found it."""
    kept: list[tuple[int, int]] = []  # the spans of ``text`` kept, none empty
    removed, pos = 0, 0
    for match in _REFERENCE.finditer(text):
        if match.start() < pos or not _stands_for_forbidden(match):
            continue
        if match.start() > pos:
            kept.append((pos, match.start()))
        pos, removed = match.end(), removed + 1
        while (joined := _joined_reference(text, kept, pos)) is not None:
            pos, removed = joined, removed + 1
    if pos < len(text):
        kept.append((pos, len(text)))
    return "".join(text[start:end] for start, end in kept), removed


_LONGEST = len("&#1114111;")  # the longest reference: a joined one starts within this many kept characters
_AT_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _joined_reference(text: str, kept: list[tuple[int, int]], pos: int) -> int | None:
    """Where in ``text`` a forbidden reference ends that the last kept characters and ``text[pos:]``
    make together; its kept part is dropped from ``kept``. None where they make none."""
    if not kept or pos >= len(text) or text[pos] not in _INSIDE or text[kept[-1][1] - 1] not in _INSIDE + "&":
        return None  # nearly always: the gap joins no reference
    tail, origin = "", 0  # the last kept characters, and where the first of them stands in ``text``
    for start, end in reversed(kept):
        origin = max(start, end - (_LONGEST - len(tail)))
        tail = text[origin:end] + tail
        if len(tail) >= _LONGEST:
            break
    at = tail.rfind("&")  # a reference holds one "&": only the last can reach past the tail
    if at < 0:
        return None
    match = _AT_REFERENCE.match(tail + text[pos:pos + _LONGEST], at)
    if match is None or match.end() <= len(tail) or not _stands_for_forbidden(match):
        return None
    if _escaped(text, _origin_of(kept, len(tail) - at)):
        return None
    _drop_last(kept, len(tail) - at)
    return pos + match.end() - len(tail)


_INSIDE = "#xX0123456789abcdefABCDEF;"  # what follows the "&" of a reference


def _origin_of(kept: list[tuple[int, int]], back: int) -> int:
    """Where in ``text`` the kept character ``back`` places from the end stands."""
    for start, end in reversed(kept):
        if end - start >= back:
            return end - back
        back -= end - start
    raise AssertionError("fewer kept characters than asked for")


def _stands_for_forbidden(match: re.Match[str]) -> bool:
    digits = match.group(1) or match.group(2)
    return digits is not None and not _carried(int(digits, 16 if match.group(1) else 10))


def _escaped(text: str, index: int) -> bool:
    """True when a backslash escape makes the character at ``index`` literal: an odd run of them."""
    run = 0
    while index - run > 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _drop_last(kept: list[tuple[int, int]], count: int) -> None:
    while count:
        start, end = kept[-1]
        if end - start <= count:
            kept.pop()
            count -= end - start
        else:
            kept[-1], count = (start, end - count), 0


def remove_forbidden_everywhere(value: object) -> tuple[object, int]:
    """``value`` (text, or frozen dataclasses, tuples, lists and dicts of them) with
    ``remove_forbidden`` applied to every text inside it, and how many characters went."""
    if isinstance(value, str):
        return remove_forbidden(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes, total = {}, 0
        for field in dataclasses.fields(value):
            if field.init:
                cleaned, removed = remove_forbidden_everywhere(getattr(value, field.name))
                if removed:
                    changes[field.name], total = cleaned, total + removed
        return (dataclasses.replace(value, **changes) if changes else value), total
    if isinstance(value, (tuple, list)):
        items = [remove_forbidden_everywhere(item) for item in value]
        return type(value)(item for item, _ in items), sum(n for _, n in items)
    if isinstance(value, dict):
        pairs = [(remove_forbidden_everywhere(k), remove_forbidden_everywhere(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, sum(a + b for (_, a), (_, b) in pairs)
    return value, 0


def describe(char: str) -> str:
    """What the character is, for an editor: its kind and code point."""
    return describe_code(ord(char))


def describe_code(code: int) -> str:
    """What the code point is, for an editor: its kind and number."""
    if code > 0x10FFFF:
        return f"no character (U+{code:X} is beyond Unicode)"
    if 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate"
    elif code >= 0xFDD0 and (0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE):
        kind = "a noncharacter"
    else:
        kind = "a control character"
    return f"{kind} (U+{code:04X})"


def check_control(text: str, path: str, error: type[PipelineError], first_line: int = 1) -> None:
    """Refuse the first forbidden character of a file's text, naming its line."""
    found = FORBIDDEN.search(text)
    if found:
        line = first_line + text.count("\n", 0, found.start())
        raise error(f"{describe(found.group())} that no page or feed can carry; "
                    "delete it (it usually comes from pasted text)", path, line)


def check_value(value: str, path: str, line: int | None, error: type[PipelineError], what: str = "the text") -> None:
    """Refuse a forbidden character in a decoded value (its escapes already turned into characters),
    and a character reference to one, which the Markdown renderer or a feed reader would decode."""
    found = FORBIDDEN.search(value)
    if found:
        pair = value[found.start():found.start() + 2]
        if len(pair) == 2 and "\ud800" <= pair[0] <= "\udbff" and "\udc00" <= pair[1] <= "\udfff":
            # YAML does not join "\ud83d\ude00" into one character, as JSON does
            code = (ord(pair[0]) - 0xD800) * 0x400 + ord(pair[1]) - 0xDC00 + 0x10000
            raise error(f"{what} writes the character U+{code:X} as two surrogate escapes, which YAML keeps as "
                        f"two lone surrogates; write the character itself, or \\U{code:08X}", path, line)
        raise error(f"{what} holds {describe(found.group())}, written as an escape or reference, that no "
                    "page or feed can carry; delete it", path, line)
    check_reference(value, path, line, error, what)


def check_reference(value: str, path: str, line: int | None, error: type[PipelineError], what: str = "the text") -> None:
    """Refuse a character reference to a forbidden character: for text whose characters were
    checked raw already and that has no escapes of its own (a Markdown unit, a plain YAML scalar)."""
    reference = forbidden_reference(value)
    if reference:
        digits = reference.group(1) or reference.group(2)
        code = int(digits, 16 if reference.group(1) else 10)
        raise error(f"{what} holds the character reference '{reference.group()}', which stands for "
                    f"{describe_code(code)} that no page or feed can carry; delete it", path, line)
