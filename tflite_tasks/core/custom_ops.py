"""Custom ops written in Python: the kernel contract and the process-wide registry.

A kernel is a plain function ``kernel(inputs, custom_options) -> outputs``:

- ``inputs``: one numpy array per op input, in the op's order (constants included, with
  their shapes and dtypes; ``None`` for an omitted optional input). String tensors are 1-D
  ``object`` arrays of ``bytes``.
- ``custom_options``: the op's raw custom options (``b""`` when it has none).
- returns one array (or anything ``np.asarray`` takes) per op output, in order. Outputs
  are cast to the tensor types the model declares; strings may be ``bytes`` or ``str``.

Register kernels for the whole process with :func:`register_custom_op`, or for one task
with ``BaseOptions(custom_ops={"Name": kernel})``. When a model uses a custom op that has a
kernel, the engine runs the model's builtin ops in LiteRT and that op in Python, in graph
order (:mod:`tflite_tasks.core.split_graph`). Kernels must be module-level functions for
the task to be picklable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import overload

import numpy as np

from tflite_tasks.core.errors import InferenceError, OptionsError

Kernel = Callable[[Sequence[np.ndarray | None], bytes], Sequence[object]]
"""``kernel(inputs, custom_options) -> outputs`` (see the module docstring)."""

_REGISTRY: dict[str, Kernel] = {}


class CustomOpError(InferenceError):
    """A Python kernel failed, or returned outputs that do not fit the op."""


def check_kernels(kernels: Mapping[str, Kernel]) -> None:
    """Raises OptionsError unless ``kernels`` maps op names (str) to callables."""
    if not isinstance(kernels, Mapping):
        raise OptionsError(
            f"custom_ops maps custom op names to Python kernels, not {type(kernels).__name__}"
        )
    for name, kernel in kernels.items():
        if not isinstance(name, str) or not name:
            raise OptionsError(f"a custom op name is a non-empty str, not {name!r}")
        if not callable(kernel):
            raise OptionsError(
                f"the kernel for custom op {name!r} must be callable "
                f"(inputs, custom_options) -> outputs, not {type(kernel).__name__}"
            )


@overload
def register_custom_op(name: str) -> Callable[[Kernel], Kernel]: ...
@overload
def register_custom_op(name: str, kernel: Kernel) -> Kernel: ...


def register_custom_op(
    name: str, kernel: Kernel | None = None
) -> Kernel | Callable[[Kernel], Kernel]:
    """Registers ``kernel`` for the custom op ``name`` in every engine created afterwards.

    Usable as a decorator (``@register_custom_op("MyOp")``). A later registration of the
    same name replaces the earlier one; kernels given in ``BaseOptions.custom_ops`` take
    precedence over registered ones.
    """
    def register(function: Kernel) -> Kernel:
        check_kernels({name: function})
        _REGISTRY[name] = function
        return function

    return register if kernel is None else register(kernel)


def unregister_custom_op(name: str) -> None:
    """Removes the kernel registered for ``name`` (no error when there is none)."""
    _REGISTRY.pop(name, None)


def registered_custom_ops() -> dict[str, Kernel]:
    """Returns a copy of the process-wide registry (op name -> kernel)."""
    return dict(_REGISTRY)
