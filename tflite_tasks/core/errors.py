"""The exceptions tflite-tasks raises.

Every error the library raises on bad input derives from :class:`TfliteTasksError` and
from the built-in exception that fits (``ValueError``, ``FileNotFoundError``), so callers
may catch either. Messages say what is wrong and what to do about it.
"""

from __future__ import annotations


class TfliteTasksError(Exception):
    """Base class of every error raised by tflite-tasks."""


class ModelLoadError(TfliteTasksError, ValueError):
    """The model cannot be loaded: not a TFLite model, truncated, corrupt, or unsupported ops."""


class ModelFileNotFoundError(ModelLoadError, FileNotFoundError):
    """The model file does not exist."""


class MetadataError(TfliteTasksError, ValueError):
    """The model's TFLite Metadata (or its associated files) is corrupt or inconsistent."""


class InputError(TfliteTasksError, ValueError):
    """An input (image, text, audio) cannot be used: undecodable, wrong type or shape."""


class InputFileNotFoundError(InputError, FileNotFoundError):
    """An input file does not exist."""


class OptionsError(TfliteTasksError, ValueError):
    """An option has an invalid value, or a value the model needs is missing.

    When the model's metadata lacks something (labels, normalization), the message names
    the option that provides it.
    """


class TaskClosedError(TfliteTasksError, RuntimeError):
    """The task was closed; create a new one."""


class MissingDependencyError(TfliteTasksError, ImportError):
    """An optional package the model needs is not installed; the message says which extra."""


class InferenceError(TfliteTasksError, RuntimeError):
    """The model failed while running (LiteRT refused the inputs, or a custom op failed)."""
