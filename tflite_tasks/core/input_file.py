"""Reading an input file (image, audio) safely: regular files only, errors that say why."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tflite_tasks.core.errors import InputError, InputFileNotFoundError


def read_input_file(path: str, kind: str) -> bytes:
    """Returns the bytes of the regular file at ``path``; ``kind`` ("image", "audio") names
    the input in errors.

    Raises:
        InputFileNotFoundError: the path does not exist.
        InputError: the path is empty, a directory, a FIFO, a socket, a device or unreadable.
    """
    if not path:
        raise InputError(f"the {kind} path is an empty string")
    try:
        # Only a regular file has an end: reading a FIFO waits for a writer, a device such as
        # /dev/zero never ends. Checked before opening, which can block or act on a device.
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{kind} path {path!r} is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise InputError(
                f"{kind} path {path!r} is not a regular file (a FIFO, socket or device); "
                f"pass the path of an {kind} file, or its bytes"
            )
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InputFileNotFoundError(f"{kind} file {path!r} does not exist") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{kind} path {path!r} is a directory, not a file") from exc
    except OSError as exc:
        raise InputError(f"cannot read {kind} file {path!r}: {exc.strerror or exc}") from exc
