"""Characters no page or feed can carry: the one list every reader of untrusted text checks.

A file's raw text is checked as it is read (``check_control``), and so is every value once its
escapes are decoded (``check_value``): a YAML ``"\\a"``, a PO ``\\f`` or a JSON ``\\uFFFE`` is
the same character as the raw one, and must be refused the same way, at the line it stands on.
"""

from __future__ import annotations

import re

from pipeline.errors import PipelineError

# C0 controls but tab, newline and carriage return; DEL and the C1 controls (they come from
# text decoded wrongly); lone surrogates; and the noncharacters, which XML forbids or
# discourages and lxml refuses (U+FFFE, U+FFFF): each would stop a feed from being written.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
                       + "]")
CONTROL = FORBIDDEN  # the name older callers use


def forbidden_character(text: str) -> re.Match[str] | None:
    """The first character of ``text`` that no page or feed can carry, if there is one."""
    return FORBIDDEN.search(text)


def describe(char: str) -> str:
    """What the character is, for an editor: its kind and code point."""
    code = ord(char)
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
    """Refuse a forbidden character in a decoded value (its escapes already turned into characters)."""
    found = FORBIDDEN.search(value)
    if found:
        raise error(f"{what} holds {describe(found.group())}, written as an escape or reference, that no "
                    "page or feed can carry; delete it", path, line)
