"""Reading a model's bytes from a path or a buffer, and recognizing a TFLite flatbuffer."""

from __future__ import annotations

import os
from pathlib import Path

from tflite_tasks.core.errors import ModelFileNotFoundError, ModelLoadError

ModelSource = str | os.PathLike | bytes | bytearray | memoryview
"""A model: the path of a ``.tflite`` file, or the model's bytes."""

TFLITE_IDENTIFIER = b"TFL3"


def read_model_bytes(model: ModelSource) -> tuple[bytes, str]:
    """Returns the model's bytes and a name for messages (the path, or ``<N bytes>``)."""
    if isinstance(model, bytes | bytearray | memoryview):
        data = bytes(model)
        return data, f"<{len(data)} bytes>"
    if not isinstance(model, str | os.PathLike):
        raise ModelLoadError(
            f"a model is a file path or the model's bytes, not {type(model).__name__}"
        )
    path = Path(model)
    if not path.exists():
        raise ModelFileNotFoundError(f"model file not found: {str(path)!r}")
    if not path.is_file():
        raise ModelLoadError(f"model path is not a file: {str(path)!r}")
    try:
        return path.read_bytes(), str(path)
    except OSError as e:
        raise ModelLoadError(f"cannot read model file {str(path)!r}: {e.strerror or e}") from e


def check_model_identifier(data: bytes | memoryview, source: str) -> None:
    """Raises ModelLoadError unless ``data`` starts like a TFLite flatbuffer (``TFL3``)."""
    if len(data) < 8 or bytes(data[4:8]) != TFLITE_IDENTIFIER:
        raise ModelLoadError(
            f"{source} is not a TFLite model: the file identifier 'TFL3' is missing at bytes "
            f"4..8 (first bytes {bytes(data[:8])!r}). Pass a .tflite file."
        )
