"""The base of every task: construction from a file, bytes or options; close; pickling.

A task owns one :class:`~tflite_tasks.core.engine.Engine`. Calls are serialized on the
engine's lock, so one task may be shared by several threads. Pickling keeps the model's
bytes and options, so a task can be shipped to another process and rebuilt there.
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from tflite_tasks.core.custom_ops import Kernel, check_kernels
from tflite_tasks.core.engine import Engine
from tflite_tasks.core.errors import OptionsError, TaskClosedError
from tflite_tasks.core.options import BaseOptions, from_flat_options

if TYPE_CHECKING:
    from typing_extensions import Self

OptionsT = TypeVar("OptionsT")
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


def prefetch(
    pool: Executor, function: Callable[[ItemT], ResultT], items: Iterable[ItemT], ahead: int
) -> Iterator[ResultT]:
    """Yields ``function(item)`` in order, computed in ``pool`` at most ``ahead`` items early."""
    pending: deque[Future[ResultT]] = deque()
    for item in items:
        pending.append(pool.submit(function, item))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _check_groups(options: object, options_class: type) -> None:
    """Raises OptionsError unless ``options`` is ``options_class`` with well-typed groups."""
    if not isinstance(options, options_class):
        raise OptionsError(f"expected {options_class.__name__}, got {type(options).__name__}")
    for group in dataclasses.fields(options_class):
        value = getattr(options, group.name)
        expected = BaseOptions if group.name == "base_options" else group.default_factory
        if not isinstance(value, expected):  # type: ignore[arg-type]
            raise OptionsError(
                f"{options_class.__name__}.{group.name} must be a "
                f"{expected.__name__}, not {type(value).__name__}"  # type: ignore[union-attr]
            )


class BaseTask(Generic[OptionsT]):
    """Common construction and lifecycle; subclasses set ``options_class`` and ``_setup``."""

    options_class: ClassVar[type]
    kernels: ClassVar[Mapping[str, Kernel]] = {}
    """Python kernels of custom ops the task's models use (options may replace them)."""

    def __init__(self, options: OptionsT) -> None:
        _check_groups(options, self.options_class)
        base: BaseOptions = options.base_options  # type: ignore[attr-defined]
        self._options = options
        check_kernels(base.custom_ops or {})
        self._engine: Engine | None = Engine(
            base.model_source(), num_threads=base.num_threads,
            custom_ops={**self.kernels, **(base.custom_ops or {})})
        self._setup()

    def _setup(self) -> None:
        """Reads metadata and options into preprocessors and postprocessors."""
        raise NotImplementedError

    @classmethod
    def create_from_options(cls, options: OptionsT) -> Self:
        """Creates the task from its options dataclass."""
        return cls(options)

    @classmethod
    def create_from_file(cls, model_path: str | os.PathLike, **options: Any) -> Self:
        """Creates the task from a ``.tflite`` file; ``options`` are any option field by name."""
        return cls(from_flat_options(cls.options_class, BaseOptions(model_file=model_path),
                                     options))

    @classmethod
    def create_from_buffer(cls, model_bytes: bytes, **options: Any) -> Self:
        """Creates the task from the model's bytes; ``options`` as in ``create_from_file``."""
        return cls(from_flat_options(cls.options_class, BaseOptions(model_bytes=model_bytes),
                                     options))

    @property
    def options(self) -> OptionsT:
        return self._options

    @property
    def engine(self) -> Engine:
        """The model's engine; raises TaskClosedError after :meth:`close`."""
        if self._engine is None:
            raise TaskClosedError(f"this {type(self).__name__} is closed; create a new one")
        return self._engine

    def close(self) -> None:
        """Releases the interpreter. The task cannot be used afterwards."""
        self._engine = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        engine = self.engine
        base = dataclasses.replace(
            self._options.base_options,  # type: ignore[attr-defined]
            model_file=None, model_bytes=engine.model_bytes,
        )
        options = dataclasses.replace(self._options, base_options=base)  # type: ignore[type-var]
        return {"options": options, "source": engine.source}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["options"])
        self.engine.source = state["source"]

    def __repr__(self) -> str:
        source = self._engine.source if self._engine is not None else "closed"
        return f"{type(self).__name__}({source})"
