"""Atomic file output and spreadsheet-safe CSV cells."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from models.plan import Plan

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    A reader (or an interrupted run) sees either the old file or the complete new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); outputs get the usual umask-based mode instead.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def safe_file_stem(identifier: str) -> str:
    """A file name made from an id, unable to climb out of its folder or hide as a dotfile."""
    stem = _UNSAFE_FILE_CHARACTERS.sub("_", identifier).lstrip(".")
    if stem != identifier:
        # Two ids that clean up alike (m/a, m_a) must not share one file.
        stem = f"{stem or '_'}-{hashlib.sha1(identifier.encode('utf-8')).hexdigest()[:8]}"
    return stem


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula.

    Numbers are left alone (a negative number is data, not a formula).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(round(value, 4)) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def plan_json(plan: Plan) -> str:
    """The plan as stable, pretty JSON (same plan, same bytes)."""
    return plan.model_dump_json(indent=2) + "\n"


def write_plan_json(plan: Plan, path: Path) -> None:
    write_atomic(path, plan_json(plan))
