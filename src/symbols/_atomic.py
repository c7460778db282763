"""Locked, atomic rewrites of one file: what every registry edit goes through.

:func:`locked` holds an exclusive ``flock`` on a sidecar file (``.NAME.lock`` beside the file)
for the whole read-modify-write, so concurrent edits from several processes are serialised: the
second one waits, then reads the first one's result. The sidecar is removed on release; a waiter
that wins the lock on a sidecar that was just removed notices (the inode changed) and locks the
new one, so two processes never both hold the lock. A process that dies holding the lock releases
it (the kernel drops the ``flock``); the stale sidecar is harmless.

:func:`write_atomic` writes a temporary file in the same directory, flushes and fsyncs it, gives
it the old file's mode, renames it over the file (``os.replace``, atomic on POSIX) and fsyncs the
directory. A process killed at any point leaves either the old file or the new one, never a mix;
a temporary file left by a killed writer is removed by the next edit (under the lock, so it cannot
belong to a live writer). :func:`write_output` writes generated files the same way; maps and
reports without the fsyncs: readers still see the old file or the new one, never a part, and
what a power cut could lose is made again from the registry, whose own writes are durable (the
30 MB Markdown report of 100,000 objects took a tenth of a second more to fsync than to write).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import EditError, OutputError

#: Called as ``test_hook(stage, path)`` at ``"locked"`` (the lock is held, nothing written) and
#: ``"written"`` (the temporary file is complete, not yet renamed). Tests use it to pause or kill
#: a writer at those points; it is None otherwise.
test_hook: Callable[[str, Path], None] | None = None

LOCK_TIMEOUT = 60.0  # seconds to wait for another edit before giving up


def target(path: Path) -> Path:
    """The file an edit of ``path`` must replace: symlinks resolved, so the link survives."""
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(
    path: Path,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the exclusive edit lock of ``path`` (a resolved path) for the ``with`` body; wait
    up to ``timeout`` seconds (default LOCK_TIMEOUT) for another holder, calling ``on_wait``
    once with a message if there is one."""
    sidecar = lock_path(path)
    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    warned = False
    while True:
        try:
            fd = os.open(sidecar, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise EditError(f"cannot lock the registry: {sidecar}: {error.strerror}") from None
        try:
            if _acquire(fd, sidecar, deadline, on_wait if not warned else None):
                break
            warned = True
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the sidecar we waited on was replaced: lock the current one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        _remove_stale_temporaries(path)
        if test_hook is not None:
            test_hook("locked", path)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(sidecar)
        os.close(fd)  # releases the flock


def _acquire(
    fd: int, sidecar: Path, deadline: float, on_wait: Callable[[str], None] | None
) -> bool:
    """Lock ``fd``; True if it is still the sidecar's current inode, False to retry."""
    delay = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise EditError(f"cannot lock the registry: {sidecar}: {error.strerror}") from None
        if on_wait is not None:
            on_wait(f"waiting for another edit of the registry ({_holder(fd)})")
            on_wait = None
        if time.monotonic() > deadline:
            raise EditError(
                f"another edit ({_holder(fd)}) has held the registry's lock for too long: "
                f"{sidecar}; nothing was written"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    try:
        current = os.stat(sidecar)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_stale_temporaries(path: Path) -> None:
    prefix = _temporary_prefix(path)
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` (a resolved path) by ``data``: all of it, or nothing; ``durable``: on
    disk before this returns (fsynced). A replaced file keeps its mode and owner; a new one gets
    the usual mode (0666 less the umask), not ``mkstemp``'s private 0600. Raises OutputError
    naming the file and the system's reason."""
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if old is not None:
            os.chmod(temporary, stat.S_IMODE(old.st_mode))
            with contextlib.suppress(OSError):
                os.chown(temporary, old.st_uid, old.st_gid)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        if test_hook is not None:
            test_hook("written", temporary)
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
        raise
    if durable:
        _fsync_directory(path.parent)


def write_output(path: Path | str, data: bytes, *, durable: bool = False) -> Path:
    """Write a generated file (a map, a report, a review file) whole, making its folder first;
    return ``path``. Readers see the old file or the new one, never a part. Not fsynced unless
    ``durable`` (by name: a bare True would not say what it is): a map or report is made again
    from the registry, a review file from the network may not come back the same."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None
    write_atomic(target(path), data, durable=durable)
    return path


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
