"""One output transaction: a command's whole set of files lands as one unit, or nothing changes.

Every file is written to a staging folder inside the output folder (the same filesystem), then the
set is swapped in: the files it replaces are renamed aside, the new ones renamed in, and only then
are the old ones removed. A failure at any point (disk full, an I/O error, a folder turned
read-only) puts every old file back and raises `OutputWriteError`; the previous set is untouched.

A manifest, `.caseload-manifest.json` in the output folder, records the files caseload wrote there
(with their SHA-256). It decides what may be replaced and removed:

- a folder set (`plan`, `assign`, `schedule`, `rebalance`, `whatif`, `staffing`) removes the files
  an earlier set recorded that it does not write again (an earlier schedule.csv, a manager's
  calendar), and nothing else: a file a user keeps there, or changed since, stays;
- a file that exists and is not recorded (or was changed since caseload wrote it) is replaced only
  with `force=True` (`--force`);
- nothing that is not a regular file is replaced or removed (a symbolic link, a FIFO, a device, a
  folder where a file should be), and no symbolic link on the way is followed: such targets are
  refused (`models.problems.ConfigError`, one located line each) before anything is written;
- the command's inputs (`protect`) are never replaced or removed, `--force` or not.

Ctrl-C and SIGTERM are held while the staged set is swapped in (a few renames), so an interrupted
run leaves the earlier set or the complete new one. Only a process killed outright (SIGKILL, power
loss) inside those renames can leave a mix; the next run into the folder clears what it left.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType

from export.files import safe_file_stem
from models.problems import ConfigError, LocatedProblem

MANIFEST_NAME = ".caseload-manifest.json"
_STAGING_PREFIX = ".caseload-staging-"
_OLD_PREFIX = ".caseload-old-"
_TEMPORARY_SUFFIX = ".tmp"
_MANIFEST_FORMAT = "caseload output manifest"
# A manifest larger than this is not read (a what-if run of 20 L-tier scenarios records ~3 MB).
_MANIFEST_LIMIT = 64 * 1024 * 1024
# How long a run waits for another run writing into the same folder to finish before it gives up
# (exit 1, "is in use"): a set is staged and swapped in seconds, even at L.
LOCK_WAIT_S = 10.0
_LOCK_POLL_S = 0.05

# The names caseload writes in an output folder: the only names a later set may remove. A manifest is a
# file anyone can edit, so what it lists is removed only when it is one of these (and unchanged).
FOLDER_FILES = frozenset({
    "plan.json", "assignments.csv", "notifications.csv", "report.html", "schedule.csv",  # plan, assign, ...
    "proposals.csv", "proposals.json", "curve.csv",  # rebalance
    "comparison.csv", "comparison.md", "comparison.html",  # whatif
    "staffing.json",  # staffing -o
})
_PLAN_FILES = ("plan.json", "assignments.csv", "notifications.csv", "report.html", "schedule.csv")
_CURVE_PLAN = re.compile(r"curve/plan-[0-9]{4,}-moves\.json")
# A plan's files in a what-if scenario's folder (models.scenario.slugify), and calendars at the top or there.
_SCENARIO_FILE = re.compile(r"(?P<folder>[^/]+)/(?:" + "|".join(re.escape(name) for name in _PLAN_FILES) + r")")
_CALENDAR = re.compile(r"(?:(?P<folder>[^/]+)/)?calendars/(?P<stem>[^/]+)\.ics")

log = logging.getLogger("caseload")


class OutputWriteError(Exception):
    """The output set could not be written (disk full, an I/O error, no permission); the earlier
    outputs are untouched (or, when even putting them back failed, the message says where they are)."""


@dataclass(frozen=True)
class Record:
    """One file caseload wrote: its content's SHA-256, the command, and whether it belongs to a folder
    set (which a later folder set may remove) or is a single file (`report`, `apply`, `generate`)."""

    sha256: str
    command: str
    in_set: bool


@dataclass(frozen=True)
class OwnedNames:
    """The names a folder set may remove when an earlier run recorded them: caseload's own output names
    (FOLDER_FILES, curve plans), the calendars of the managers given (`calendars/<manager-id>.ics`) and,
    in the scenario folders given, a plan's files and those calendars; never anything else a manifest
    lists (a manager no longer in the config, a scenario no longer in the file: their files stay)."""

    calendar_stems: frozenset[str] = field(default_factory=frozenset)
    folders: frozenset[str] = field(default_factory=frozenset)

    @staticmethod
    def for_managers(manager_ids: Iterable[str], folders: Iterable[str] = ()) -> OwnedNames:
        return OwnedNames(frozenset(safe_file_stem(manager_id) for manager_id in manager_ids), frozenset(folders))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name in FOLDER_FILES or _CURVE_PLAN.fullmatch(name):
            return True
        scenario_file = _SCENARIO_FILE.fullmatch(name)
        if scenario_file is not None:
            return scenario_file.group("folder") in self.folders
        calendar = _CALENDAR.fullmatch(name)
        return (calendar is not None and calendar.group("stem") in self.calendar_stems
                and calendar.group("folder") in (None, *self.folders))


def read_manifest(folder: Path) -> dict[str, Record]:
    """The files recorded in `folder`'s manifest ({} when there is none or it cannot be read)."""
    path = folder / MANIFEST_NAME
    try:
        info = path.lstat()
    except OSError:
        return {}
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MANIFEST_LIMIT:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"] if isinstance(data, dict) and data.get("format") == _MANIFEST_FORMAT else {}
        return {name: Record(str(entry["sha256"]), str(entry["command"]), bool(entry["in_set"]))
                for name, entry in files.items() if _valid_name(name)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        log.warning("warning: %s cannot be read; treating the folder as holding no caseload output", path)
        return {}


def _manifest_text(records: Mapping[str, Record]) -> str:
    files = {name: {"sha256": record.sha256, "command": record.command, "in_set": record.in_set}
             for name, record in sorted(records.items())}
    return json.dumps({"format": _MANIFEST_FORMAT, "version": 1, "files": files}, indent=1) + "\n"


def _valid_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts and "." not in parts
            and "\x00" not in name and parts[0] != MANIFEST_NAME
            and not parts[0].startswith((_STAGING_PREFIX, _OLD_PREFIX)))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


_KINDS = ((stat.S_ISREG, "a file"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None


def _problem(path: Path, message: str) -> LocatedProblem:
    return LocatedProblem(str(path), None, None, "", message)


def folder_problems(folder: Path) -> list[LocatedProblem]:
    """Why `folder` cannot hold outputs ([] when it can, or can be created)."""
    info = _lstat(folder)
    if info is not None and stat.S_ISLNK(info.st_mode):
        try:
            info = folder.stat()
        except OSError:
            return [_problem(folder, "is a symbolic link to nothing; choose another output folder")]
    if info is None:
        ancestor = folder.parent
        while _lstat(ancestor) is None and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        try:
            ancestor_info = ancestor.stat()
        except OSError as error:
            return [_problem(folder, f"cannot be created: {ancestor}: {error.strerror}")]
        if not stat.S_ISDIR(ancestor_info.st_mode):
            return [_problem(folder, f"cannot be created: {ancestor} is {_kind(ancestor_info.st_mode)}, "
                                     "not a folder")]
        if not os.access(ancestor, os.W_OK | os.X_OK):
            return [_problem(folder, f"cannot be created: the folder {ancestor} is not writable")]
        return []
    if not stat.S_ISDIR(info.st_mode):
        return [_problem(folder, f"is {_kind(info.st_mode)}, not a folder; choose a folder for the outputs")]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [_problem(folder, "the folder is not writable")]
    return []


def check_output_folder(folder: Path, names: Iterable[str] = (), *, force: bool = False,
                        protect: Iterable[Path] = ()) -> None:
    """Refuse early (before any work) an output folder, or known names in it (a subfolder ends in '/'),
    that a run could not write: ConfigError listing every reason. The full check runs again when the
    set is written."""
    problems = folder_problems(folder)
    if not problems and _lstat(folder) is not None:
        recorded = read_manifest(folder)
        protected = _resolved(protect)
        for name in names:
            if name.endswith("/"):  # a subfolder: no link, nothing else where it goes
                chain = _chain_problem(folder, f"{name}-")
                problems += [chain] if chain is not None else []
            else:
                problems += _target_problems(folder, name, recorded, force=force, protected=protected)
    if problems:
        raise ConfigError(problems)


def check_output_file(path: Path, *, force: bool = False, protect: Iterable[Path] = ()) -> None:
    """`check_output_folder` for a command that writes one file (`report -o FILE`, `apply -o FILE`)."""
    check_output_folder(path.parent, [path.name], force=force, protect=protect)


class _Inputs:
    """A command's inputs, recognised however an output names them: by real path (links and `..`
    resolved) and by file identity (device and inode: a bind mount, another spelling of the path)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.paths: set[Path] = set()
        self.identities: set[tuple[int, int]] = set()
        for path in paths:
            with contextlib.suppress(OSError, RuntimeError):
                self.paths.add(path.resolve())
            with contextlib.suppress(OSError):
                info = path.stat()
                self.identities.add((info.st_dev, info.st_ino))

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, Path):
            return False
        with contextlib.suppress(OSError, RuntimeError):
            if path.resolve() in self.paths:
                return True
        try:
            info = path.stat()
        except OSError:
            return False
        return (info.st_dev, info.st_ino) in self.identities


def _resolved(paths: Iterable[Path]) -> _Inputs:
    return _Inputs(paths)


def _chain_problem(folder: Path, name: str) -> LocatedProblem | None:
    """A symbolic link, or something not a folder, among the folders between `folder` and `name`."""
    current = folder
    for part in PurePosixPath(name).parts[:-1]:
        current = current / part
        info = _lstat(current)
        if info is None:
            return None
        if stat.S_ISLNK(info.st_mode):
            return _problem(current, "is a symbolic link; caseload neither writes nor removes files through "
                                     "links: remove the link or choose another output folder")
        if not stat.S_ISDIR(info.st_mode):
            return _problem(current, f"is {_kind(info.st_mode)} where caseload writes a folder; move it away "
                                     "or choose another output folder")
        if not os.access(current, os.W_OK | os.X_OK):
            return _problem(current, "the folder is not writable")
    return None


def _target_problems(folder: Path, name: str, recorded: Mapping[str, Record], *, force: bool,
                     protected: _Inputs) -> list[LocatedProblem]:
    chain = _chain_problem(folder, name)
    if chain is not None:
        return [chain]
    path = folder / name
    info = _lstat(path)
    if info is None:
        return []
    if not stat.S_ISREG(info.st_mode):
        return [_problem(path, f"is {_kind(info.st_mode)}, not a regular file; caseload replaces only regular "
                               "files: move it away or choose another output")]
    if path in protected:
        return [_problem(path, "is an input of this command; caseload never overwrites its inputs: write the "
                               "outputs somewhere else")]
    if force:
        return []
    record = recorded.get(name)
    if record is None:
        return [_problem(path, "exists and was not written by caseload; pass --force to overwrite it")]
    if _file_sha256(path) != record.sha256:
        return [_problem(path, "was changed since caseload wrote it; pass --force to overwrite it")]
    return []


def _os_error_text(error: OSError) -> str:
    code = errno.errorcode.get(error.errno or 0)
    text = error.strerror or str(error)
    return f"{text} ({code})" if code else text


class OutputSet:
    """Stage a set of files, then swap them into `folder` as one unit.

    ```
    with OutputSet(out_dir, "plan") as output:
        output.add("plan.json", text)
        output.add("calendars/m-ana.ics", data)
    written = output.written
    ```

    Leaving the block normally commits; an exception discards the staging folder and leaves the
    folder as it was. `in_set=False` (single-file commands) records the files without removing any
    earlier output.
    """

    def __init__(self, folder: Path, command: str, *, in_set: bool = True, force: bool = False,
                 protect: Iterable[Path] = (), owned: OwnedNames | None = None) -> None:
        self.folder = folder
        self.command = command
        self.in_set = in_set
        self.force = force
        self.protected = _resolved(protect)
        # What an earlier set's records may be removed under (no calendars unless the caller names managers).
        self.owned = owned if owned is not None else OwnedNames()
        self.written: list[Path] = []
        self._hashes: dict[str, str] = {}
        self._staging: Path | None = None
        self._created: list[Path] = []
        self._lock: int | None = None

    # ---------------------------------------------------------------------------------------------
    # Staging

    def __enter__(self) -> OutputSet:
        problems = folder_problems(self.folder)
        if problems:
            raise ConfigError(problems)
        try:
            # Held: a signal between making a folder and recording it would leave it behind.
            with _interrupts_held():
                self._make_folder(self.folder)
            # Not held: a run waiting for another one's lock stops at Ctrl-C.
            self._lock = lock_folder(self.folder)
            with _interrupts_held():
                self._staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, suffix=_TEMPORARY_SUFFIX,
                                                      dir=self.folder))
        except OSError as error:
            self._release()
            raise OutputWriteError(f"{self.folder}: cannot write here: {_os_error_text(error)}; nothing was "
                                   "written") from None
        except BaseException:
            self._release()
            raise
        return self

    def _release(self) -> None:
        """Undo what __enter__ did when the set goes no further: the lock, and folders it made."""
        _unlock(self._lock)
        self._lock = None
        self._remove_created()

    def _make_folder(self, folder: Path) -> None:
        missing = []
        current = folder
        while _lstat(current) is None and current != current.parent:
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            path.mkdir()
            self._created.append(path)

    def _remove_created(self) -> None:
        for path in reversed(self._created):
            with contextlib.suppress(OSError):
                path.rmdir()
        self._created = []

    def add(self, name: str | PurePosixPath, content: str | bytes) -> Path:
        """Stage one file of the set; `name` is relative to the folder (subfolders with '/')."""
        assert self._staging is not None, "add() inside the with block"
        key = str(PurePosixPath(name))
        if not _valid_name(key):
            raise ValueError(f"not a name inside the output folder: {name!r}")
        if key in self._hashes:
            raise ValueError(f"{key} is in the output set twice")
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self._staging / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_file(target, data)
        except OSError as error:
            raise OutputWriteError(f"{self.folder / key}: could not be written: {_os_error_text(error)}; "
                                   f"nothing was written, the earlier outputs in {self.folder} are untouched"
                                   ) from None
        self._hashes[key] = _sha256(data)
        return self.folder / key

    def add_all(self, files: Mapping[Path, str | bytes]) -> None:
        """Stage files named by their paths under the folder (`folder / "plan.json"`)."""
        for path, content in files.items():
            if not _is_under(path, self.folder):
                raise ValueError(f"{path} is not inside the output folder {self.folder}")
            self.add(PurePosixPath(path.relative_to(self.folder).as_posix()), content)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        committed = False
        try:
            if kind is None:
                self._commit()
                committed = True
        finally:
            # Held: an interrupt in the middle of the clean-up would leave part of the staging folder.
            with _interrupts_held():
                if self._staging is not None:
                    shutil.rmtree(self._staging, ignore_errors=True)
                    self._staging = None
                if not committed:
                    self._remove_created()
                _unlock(self._lock)
                self._lock = None

    # ---------------------------------------------------------------------------------------------
    # The swap

    def _commit(self) -> None:
        assert self._staging is not None
        recorded = read_manifest(self.folder)
        problems: list[LocatedProblem] = []
        for name in self._hashes:
            problems += _target_problems(self.folder, name, recorded, force=self.force, protected=self.protected)
        manifest_info = _lstat(self.folder / MANIFEST_NAME)
        if manifest_info is not None and not stat.S_ISREG(manifest_info.st_mode):
            problems.append(_problem(self.folder / MANIFEST_NAME, f"is {_kind(manifest_info.st_mode)}, not a "
                                     "regular file; caseload records its outputs there: move it away"))
        if problems:
            raise ConfigError(problems)
        records = {name: record for name, record in recorded.items() if name not in self._hashes}
        stale = self._stale(records) if self.in_set else []
        for name in stale:
            del records[name]
        records.update({name: Record(digest, self.command, self.in_set) for name, digest in self._hashes.items()})
        try:
            _write_file(self._staging / MANIFEST_NAME, _manifest_text(records).encode("utf-8"))
        except OSError as error:
            raise OutputWriteError(f"{self.folder / MANIFEST_NAME}: could not be written: {_os_error_text(error)}; "
                                   f"nothing was written, the earlier outputs in {self.folder} are untouched"
                                   ) from None
        replaced = [name for name in self._hashes if _lstat(self.folder / name) is not None]
        if manifest_info is not None:
            replaced.append(MANIFEST_NAME)
        with _interrupts_held():
            self._swap([*self._hashes, MANIFEST_NAME], [*replaced, *stale])
            self.written = [self.folder / name for name in self._hashes]
            for name in stale:
                _remove_empty_parents(self.folder, name)
            _clear_leftovers(self.folder)

    def _stale(self, records: dict[str, Record]) -> list[str]:
        """Files an earlier folder set recorded that this one does not write: removed if they are still
        what caseload wrote (a changed file, a link or anything not a regular file stays, unrecorded)."""
        stale = []
        for name, record in sorted(records.items()):
            if not record.in_set:
                continue
            path = self.folder / name
            if name not in self.owned:
                del records[name]  # not a name caseload writes here: a hand-edited manifest removes nothing
                if _lstat(path) is not None:
                    log.warning("warning: kept %s: the manifest lists it, but it is not one of the files caseload "
                                "writes there (an output name, or the calendar of a manager of the config); delete "
                                "it yourself if it is no longer needed", path)
                continue
            info = _lstat(path)
            keep = (info is None or _chain_problem(self.folder, name) is not None or not stat.S_ISREG(info.st_mode)
                    or path in self.protected or _file_sha256(path) != record.sha256)
            if not keep:
                stale.append(name)
                continue
            del records[name]  # gone, or now the user's: no longer caseload's to remove
            if info is not None:
                log.warning("warning: kept %s, which an earlier run wrote: it was changed since (or is not a "
                            "regular file)", path)
        return stale

    def _swap(self, new: list[str], old: list[str]) -> None:
        """Rename `old` aside, `new` in, then remove the old; on a failure undo every step."""
        assert self._staging is not None
        done: list[tuple[Path, Path]] = []
        created: list[Path] = []
        aside = current = self.folder
        try:
            aside = Path(tempfile.mkdtemp(prefix=_OLD_PREFIX, suffix=_TEMPORARY_SUFFIX, dir=self.folder))
            for name in old:
                current = self.folder / name
                (aside / name).parent.mkdir(parents=True, exist_ok=True)
                _move(self.folder / name, aside / name)
                done.append((self.folder / name, aside / name))
            for name in new:
                target = current = self.folder / name
                missing = []
                parent = target.parent
                while _lstat(parent) is None:
                    missing.append(parent)
                    parent = parent.parent
                for folder in reversed(missing):
                    folder.mkdir()
                    created.append(folder)
                _move(self._staging / name, target)
                done.append((self._staging / name, target))
        except OSError as error:
            failed = current
            restored = _undo(done, created)
            if not restored and aside != self.folder:
                raise OutputWriteError(
                    f"{failed}: could not be written: {_os_error_text(error)}; putting the earlier outputs back "
                    f"failed too: they are in {aside}") from None
            if aside != self.folder:
                shutil.rmtree(aside, ignore_errors=True)
            raise OutputWriteError(f"{failed}: could not be written: {_os_error_text(error)}; nothing was "
                                   f"written, the earlier outputs in {self.folder} are untouched") from None
        shutil.rmtree(aside, ignore_errors=True)
        _sync_folder(self.folder)


def _undo(done: list[tuple[Path, Path]], created: list[Path]) -> bool:
    restored = True
    for source, target in reversed(done):
        try:
            source.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target, source)
        except OSError:
            restored = False
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()
    return restored


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _write_file(path: Path, data: bytes) -> None:
    """A new file (never through a link), flushed to disk; the umask decides its mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _move(source: Path, target: Path) -> None:
    """One rename within the output folder (a seam for the tests' injected failures)."""
    os.rename(source, target)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _remove_empty_parents(folder: Path, name: str) -> None:
    parent = (folder / name).parent
    while parent != folder and _is_under(parent, folder):
        info = _lstat(parent)
        if info is None or not stat.S_ISDIR(info.st_mode):
            return
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent


def _clear_leftovers(folder: Path) -> None:
    """Staging and set-aside folders a killed run (SIGKILL, power loss) left behind."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if (entry.name.startswith((_STAGING_PREFIX, _OLD_PREFIX)) and entry.name.endswith(_TEMPORARY_SUFFIX)
                    and entry.is_dir(follow_symlinks=False)):
                shutil.rmtree(entry.path, ignore_errors=True)


def write_output_set(folder: Path, files: Mapping[Path, str | bytes], command: str, *, in_set: bool = True,
                     force: bool = False, protect: Iterable[Path] = (), owned: OwnedNames | None = None
                     ) -> list[Path]:
    """Write `files` (paths under `folder`) as one set; see `OutputSet`. Returns the files written."""
    with OutputSet(folder, command, in_set=in_set, force=force, protect=protect, owned=owned) as output:
        output.add_all(files)
    return output.written


def lock_folder(folder: Path, wait_s: float | None = None) -> int | None:
    """An exclusive advisory lock (flock) on the output folder itself, held while a set is staged and
    swapped in, so two runs into one folder never interleave their renames (a mixed set). The folder,
    not a lock file in it: nothing is left behind and nothing a user could replace by a link.

    Waits up to `wait_s` (default LOCK_WAIT_S) for another run to finish, then refuses the folder
    (ConfigError: exit 1). Returns the descriptor holding the lock, or None where the filesystem
    offers no such lock (some network mounts): the run then goes on unguarded, as before.
    """
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None  # whatever stops this stops the writes too, with their own message
    deadline = time.monotonic() + (LOCK_WAIT_S if wait_s is None else wait_s)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConfigError([_problem(folder, (
                        "is in use: another caseload run is writing its outputs there; waited "
                        f"{LOCK_WAIT_S if wait_s is None else wait_s:g} s for it to finish: run again when it has, "
                        "or choose another output folder"))]) from None
                time.sleep(_LOCK_POLL_S)
            except OSError:
                os.close(descriptor)
                return None
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(descriptor)
        raise


def _unlock(descriptor: int | None) -> None:
    if descriptor is not None:
        with contextlib.suppress(OSError):
            os.close(descriptor)  # closing the descriptor releases the flock


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the staged set is swapped in, then let them act."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda signum, _frame: caught.append(signum)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])
