"""Text hygiene for ids and names: no control or invisible characters, and one identity per id.

Ids and names reach terminals, CSV files, calendars and HTML. A control character (an escape
sequence that recolours or clears a terminal), a bidirectional override (text that reads in another
order than it is stored) or a zero-width character (two ids that look the same and are not) is
refused where the config is read, with a located message that shows the character's code, never
the character itself.

Two ids are the same id when they are equal after Unicode NFKC normalisation and case folding
(`m-ana`, `M-ANA` and a full-width `ｍ-ａｎａ` are one id): such a collision is refused with both
locations (models/validation.py).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

from models.limits import MAX_ID_LENGTH

# C0 and C1 controls and DEL; zero-width and joiner characters, LRM/RLM and ALM; bidirectional
# embeddings, overrides and isolates; line and paragraph separators; the BOM inside text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def unsafe_character(text: str) -> str | None:
    """A description of the first control or invisible character in `text`, or None."""
    match = _UNSAFE.search(text)
    if match is None:
        return None
    character = match.group()
    name = unicodedata.name(character, "control character")
    return f"U+{ord(character):04X} ({name.lower()}) at position {match.start() + 1}"


def _plain(value: str) -> str:
    found = unsafe_character(value)
    if found is not None:
        raise ValueError(f"contains the control or invisible character {found}; ids and names must be plain "
                         "text (retype the value)")
    return value


PlainText = Annotated[str, AfterValidator(_plain)]
"""An id, a name or a reference: plain text, no control or invisible characters."""


def _short(value: str) -> str:
    # Checked before the characters, so a 100,000-character id gives one short message.
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"is {len(value):,} characters long; an id is at most {MAX_ID_LENGTH} characters "
                         "(it becomes part of file names, such as calendars/<manager-id>.ics)")
    return value


Identifier = Annotated[str, AfterValidator(_short), AfterValidator(_plain)]
"""An id or a reference to one: plain text of at most MAX_ID_LENGTH characters."""


def identity(identifier: str) -> str:
    """The form two ids are compared in: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", identifier).casefold()


def shown(text: str) -> str:
    """`text` safe to print: control and invisible characters written as escapes."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
