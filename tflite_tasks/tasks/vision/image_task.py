"""The base of the vision tasks: one image in, decode → preprocess → engine → outputs.

Each vision task subclasses :class:`ImageTask`, sets up its preprocessor with
:meth:`ImageTask._setup_image_input` and the outputs it reads in ``_output_positions``, and
turns :class:`Inference` records into its results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, NamedTuple, TypeVar

import numpy as np

from tflite_tasks.core.engine import default_num_threads
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.image import ImageLike, RegionOfInterest, load_image
from tflite_tasks.core.image_preprocessor import ImagePreprocessor
from tflite_tasks.core.options import ImageOptions, is_int
from tflite_tasks.core.region import Region
from tflite_tasks.core.task import BaseTask, prefetch

OptionsT = TypeVar("OptionsT")


class Inference(NamedTuple):
    """One image through the model: the raw outputs read, the decoded image, the region."""

    outputs: list[np.ndarray]
    image: np.ndarray
    region: Region


class ImageTask(BaseTask[OptionsT]):
    """Common front of the vision tasks (any image-like input, ROI, rotation, batches)."""

    _preprocessor: ImagePreprocessor
    _output_positions: list[int]
    """The output tensors each call reads, in the order the postprocessing takes them."""

    def _setup_image_input(self, image_options: ImageOptions, task: str,
                           **preprocessing: Any) -> None:
        """Checks the model has one image input and prepares its preprocessor
        (``preprocessing``: keyword arguments of :class:`ImagePreprocessor`)."""
        image_options.validate()
        engine = self.engine
        if len(engine.inputs) != 1:
            raise OptionsError(
                f"an {task} has one image input; this model has {len(engine.inputs)} inputs "
                f"({', '.join(s.name for s in engine.inputs)})"
            )
        self._preprocessor = ImagePreprocessor(engine, image_options, **preprocessing)

    def preprocess(self, image: ImageLike) -> np.ndarray:
        """Decodes ``image`` (path, bytes, array, PIL image) into an HxWx3 uint8 RGB array."""
        return load_image(image)

    def _forward(self, write_input: Callable[[], None]) -> list[np.ndarray]:
        """Writes the input, invokes and reads the outputs, holding the engine's lock."""
        engine = self.engine
        with engine.lock:
            write_input()
            engine.invoke()
            return [engine.output(position) for position in self._output_positions]

    def _infer(self, image: ImageLike, roi: RegionOfInterest | None,
               rotation: int) -> Inference:
        """Runs one image (its region ``roi`` turned ``rotation`` degrees clockwise)."""
        rgb = self.preprocess(image)
        region = Region.of(rgb, roi, rotation)
        outputs = self._forward(lambda: self._preprocessor.write(rgb, roi, rotation))
        return Inference(outputs, rgb, region)

    def _prepare(self, image: ImageLike) -> tuple[np.ndarray, np.ndarray]:
        rgb = self.preprocess(image)
        return rgb, self._preprocessor.prepare(rgb)

    def _infer_batch(self, images: Iterable[ImageLike], max_workers: int | None,
                     method: str) -> Iterator[Inference]:
        """Runs many whole images: decoding and preprocessing run in worker threads,
        overlapped with inference, at most 2 x ``max_workers`` images ahead.

        ``method`` names the public batch method in errors.
        """
        if isinstance(images, str | bytes | bytearray | memoryview | np.ndarray) or not isinstance(
            images, Iterable
        ):
            single = method.removesuffix("_batch")
            raise OptionsError(f"{method} takes a list (or any iterable) of images; for one "
                               f"image call {single}")
        if max_workers is not None and not (is_int(max_workers) and max_workers > 0):
            raise OptionsError(f"max_workers must be a positive integer, not {max_workers!r}")
        workers = max_workers or default_num_threads()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for rgb, tensor in prefetch(pool, self._prepare, images, ahead=2 * workers):
                outputs = self._forward(partial(self._preprocessor.load, tensor))
                yield Inference(outputs, rgb, Region.of(rgb))
