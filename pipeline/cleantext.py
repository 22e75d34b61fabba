"""Characters no page or feed can carry."""

from __future__ import annotations

import re

from pipeline.errors import PipelineError

# C0 controls but tab and newline, DEL, and the C1 controls (they come from text decoded wrongly).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_control(text: str, path: str, error: type[PipelineError]) -> None:
    """Control characters break XML feeds and hide in pasted text: name the first one's line."""
    found = CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise error(f"a control character (U+{ord(found.group()):04X}) that no page or feed can carry; "
                    "delete it (it usually comes from pasted text)", path, line)
