"""Reading an input file (image, audio, label...) safely: regular files only, errors that
say why."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tflite_tasks.core.errors import InputError, InputFileNotFoundError


def check_regular_file(path: str, what: str, hint: str = "") -> None:
    """Raises unless ``path`` names a regular file; ``what`` ("image file", "label file")
    names it in errors and ``hint`` ends them.

    Only a regular file has an end: reading a FIFO waits for a writer, a device such as
    /dev/zero never ends. Checked with ``stat``, before anything opens the path (opening can
    block or act on a device).

    Raises:
        InputFileNotFoundError: the path does not exist.
        InputError: the path is empty, a directory, a FIFO, a socket, a device or
            cannot be looked at.
    """
    if not path:
        raise InputError(f"the {what} path is an empty string{hint}")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError as exc:
        raise InputFileNotFoundError(f"{what} {path!r} does not exist{hint}") from exc
    except OSError as exc:
        raise InputError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise InputError(f"{what} {path!r} is a directory, and is not a regular file{hint}")
    if not stat.S_ISREG(mode):
        raise InputError(f"{what} {path!r} is not a regular file (a FIFO, socket or "
                         f"device){hint}")


def read_input_file(path: str, kind: str, hint: str | None = None) -> bytes:
    """Returns the bytes of the regular file at ``path``; ``kind`` ("image", "audio") names
    the input in errors, which end with ``hint`` (by default: pass the path of such a file,
    or its bytes). Raises as :func:`check_regular_file`, and InputError when reading fails.
    """
    what = f"{kind} file"
    if hint is None:
        hint = f"; pass the path of an {kind} file, or its bytes"
    check_regular_file(path, what, hint)
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:  # removed since the check
        raise InputFileNotFoundError(f"{what} {path!r} does not exist") from exc
    except OSError as exc:
        raise InputError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from exc
