"""Where the top-level values of a JSON document sit, so a problem in a plan.json can name its line.

json.loads forgets positions; reading the YAML way (models.loader.parse_yaml) keeps them but is slow
on a state agency's plan of many megabytes. The top level of a plan is one object whose values are
scalars or arrays, so its keys, and the items of one array, are found with the standard library's
scanner (`raw_decode`), value by value, at the speed of json.loads.
"""

from __future__ import annotations

import json
import re

Position = tuple[int, int]  # line, column (both from 1)

_SPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None

    def skip(self, index: int, expected: str = "") -> int:
        """The index after white space (and after `expected` and the white space behind it)."""
        index = _after_space(self.text, index)
        if expected:
            if not self.text.startswith(expected, index):
                raise ValueError(f"expected {expected!r} at offset {index}")
            index = _after_space(self.text, index + 1)
        return index

    def position(self, index: int) -> Position:
        if self._line_starts is None:
            self._line_starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        line = _bisect(self._line_starts, index)
        return line + 1, index - self._line_starts[line] + 1


def _after_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in _SPACE:
        index += 1
    return index


def _bisect(starts: list[int], index: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= index:
            low = middle
        else:
            high = middle - 1
    return low


def top_level_positions(text: str, array_keys: tuple[str, ...] = ()) -> dict[tuple[str | int, ...], Position]:
    """{(key,): position of its value} for every top-level key, and {(key, i): position} for the items of
    each array named in `array_keys`. Empty when the text is not a JSON object (its problems are
    reported elsewhere)."""
    source = _Text(text)
    positions: dict[tuple[str | int, ...], Position] = {}
    try:
        index = source.skip(0, "{")
        while index < len(text) and text[index] != "}":
            key, index = _DECODER.raw_decode(text, index)
            index = source.skip(index, ":")
            positions[(key,)] = source.position(index)
            if key in array_keys and text.startswith("[", index):
                index = _array_items(source, index, key, positions)
            else:
                index = _DECODER.raw_decode(text, index)[1]
            index = source.skip(index)
            if text.startswith(",", index):
                index = source.skip(index, ",")
    except (ValueError, IndexError):
        return positions
    return positions


def _array_items(source: _Text, index: int, key: str, positions: dict[tuple[str | int, ...], Position]) -> int:
    text = source.text
    index = source.skip(index, "[")
    item = 0
    while not text.startswith("]", index):
        positions[(key, item)] = source.position(index)
        index = source.skip(_DECODER.raw_decode(text, index)[1])
        if text.startswith(",", index):
            index = source.skip(index, ",")
        item += 1
    return index + 1
