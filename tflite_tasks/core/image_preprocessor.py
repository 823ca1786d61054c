"""Image to input tensor: crop, rotate, bilinear resize, normalize or quantize, in place.

The resize is OpenCV's INTER_LINEAR, or with ``ImageOptions.resampling="task_library"``
libyuv's bilinear exactly as the reference Task Library runs it (:mod:`.resize`).

Shared by every vision task. The values come from the model's metadata
(NormalizationOptions) unless :class:`~tflite_tasks.core.options.ImageOptions` override
them:

* uint8 inputs get the resized pixels as they are (the reference Task Library ignores
  normalization for uint8 models, and so do we);
* float inputs get ``(pixel - mean) / std``;
* int8 inputs get ``round((pixel - mean) / std / scale + zero_point)``, saturated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from tflite_tasks.core.engine import Engine
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.image import RegionOfInterest, clockwise_turn, crop_and_rotate
from tflite_tasks.core.options import ImageOptions
from tflite_tasks.core.resize import resize_like_libyuv
from tflite_tasks.metadata import process_unit_options
from tflite_tasks.metadata.schema import ColorSpaceType, NormalizationOptions, TensorMetadata

_CV_DEPTH = {np.dtype(np.float32): cv2.CV_32F, np.dtype(np.int8): cv2.CV_8S}
_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class Placement:
    """Where the (turned) image lands in the input tensor, in tensor pixels: the tensor is
    ``tensor_width`` x ``tensor_height`` and the image fills the box ``(left, top, width,
    height)``; the rest, if any, is padding (pixel value 0)."""

    tensor_width: int
    tensor_height: int
    left: int
    top: int
    width: int
    height: int

    @classmethod
    def of(cls, image_width: int, image_height: int, tensor_width: int, tensor_height: int,
           keep_aspect_ratio: bool) -> Placement:
        """Stretches the image over the tensor, or with ``keep_aspect_ratio`` scales it to
        fit and centres it, padding the two sides it doesn't reach."""
        if not keep_aspect_ratio:
            return cls(tensor_width, tensor_height, 0, 0, tensor_width, tensor_height)
        scale = min(tensor_width / image_width, tensor_height / image_height)
        width = min(tensor_width, max(1, round(image_width * scale)))
        height = min(tensor_height, max(1, round(image_height * scale)))
        return cls(tensor_width, tensor_height, (tensor_width - width) // 2,
                   (tensor_height - height) // 2, width, height)

    @property
    def is_padded(self) -> bool:
        return (self.width, self.height) != (self.tensor_width, self.tensor_height)

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Maps (N, 2) ``(x, y)`` normalized to the tensor to (N, 2) ``(x, y)`` normalized to
        the image placed in it (outside [0, 1] in the padding)."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        scale = np.array([self.tensor_width / self.width, self.tensor_height / self.height])
        shift = np.array([self.left / self.width, self.top / self.height])
        return points * scale - shift


def _channel_values(values: float | Sequence[float], name: str, channels: int) -> np.ndarray:
    """Returns ``values`` (1 or ``channels`` numbers) as ``channels`` float64 values."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64)).reshape(-1)
    if array.size == 1:
        array = np.repeat(array, channels)
    if array.size != channels or not np.all(np.isfinite(array)):
        raise OptionsError(f"{name} needs 1 or {channels} finite values, got {values!r}")
    return array


class ImagePreprocessor:
    """Writes an RGB image into a model's image input, preallocated and in place.

    Args:
        engine: the model; its input ``position`` must be ``[1, H, W, C]`` with C 1 or 3
            and dtype uint8, int8 or float32.
        options: normalization overriding the metadata.
        position: which input is the image.
        keep_aspect_ratio: scale images to fit the input and pad the rest (with pixel value
            0, centred), instead of stretching them over it.
        dynamic_size: for inputs of dynamic height and width, the tensor's (width, height)
            for an image of the given (width, height); default the image's own size.
        default_normalization: the task's (mean, std) for float and int8 inputs where
            neither the options nor the metadata give them (else they are required).
    """

    def __init__(self, engine: Engine, options: ImageOptions, position: int = 0, *,
                 keep_aspect_ratio: bool = False,
                 dynamic_size: Callable[[int, int], tuple[int, int]] | None = None,
                 default_normalization: tuple[float, float] | None = None) -> None:
        self.engine = engine
        self.position = position
        spec = engine.inputs[position]
        shape = spec.shape_signature
        if len(shape) != 4 or shape[0] not in (1, -1) or shape[3] not in (1, 3):
            raise OptionsError(
                f"input {position} '{spec.name}' has shape {list(spec.shape)}: an image input "
                "must be [1, height, width, 3] (RGB) or [1, height, width, 1] (grayscale)"
            )
        if spec.dtype not in (np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.float32)):
            raise OptionsError(
                f"input {position} '{spec.name}' is {spec.dtype}: image inputs must be uint8, "
                "int8 or float32"
            )
        self.channels = shape[3]
        self.dtype = spec.dtype
        tensor_md = engine.metadata.input_tensor(position)
        self._check_color_space(tensor_md)
        self._alpha, self._beta = self._affine(spec.dtype, spec.scale, spec.zero_point,
                                               options, tensor_md, default_normalization)
        self._uniform = self._alpha is not None and bool(
            np.all(self._alpha == self._alpha[0]) and np.all(self._beta == self._beta[0]))
        self._dynamic = shape[1] < 0 and shape[2] < 0
        self._dynamic_size = dynamic_size
        self.keep_aspect_ratio = keep_aspect_ratio
        self._resized: np.ndarray | None = None
        self._resize = _resize if options.resampling == "opencv" else resize_like_libyuv

    def _check_color_space(self, tensor_md: TensorMetadata | None) -> None:
        content = tensor_md.content if tensor_md is not None else None
        props = content.content_properties if content is not None else None
        space = getattr(props, "color_space", None)
        expected = ColorSpaceType.GRAYSCALE if self.channels == 1 else ColorSpaceType.RGB
        if space not in (None, ColorSpaceType.UNKNOWN, expected):
            raise OptionsError(
                f"the metadata says the image input is {ColorSpaceType(space).name} but the "
                f"tensor has {self.channels} channel(s)"
            )

    def _affine(
        self,
        dtype: np.dtype,
        scale: float,
        zero_point: int,
        options: ImageOptions,
        tensor_md: TensorMetadata | None,
        default: tuple[float, float] | None,
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Returns per-channel (alpha, beta) with ``tensor = alpha * pixel + beta``: the
        options' mean and std, else the metadata's NormalizationOptions, else (metadata
        without NormalizationOptions) the task's ``default``."""
        if dtype == np.uint8:
            return None, None
        md = process_unit_options(tensor_md, NormalizationOptions)
        mean, mean_name = options.normalization_mean, "normalization_mean"
        std, std_name = options.normalization_std, "normalization_std"
        if mean is None and md is not None and md.mean:
            mean, mean_name = list(md.mean), "the metadata's NormalizationOptions.mean"
        if std is None and md is not None and md.std:
            std, std_name = list(md.std), "the metadata's NormalizationOptions.std"
        if default is not None and md is None:
            if mean is None:
                mean, mean_name = default[0], "the task's default normalization_mean"
            if std is None:
                std, std_name = default[1], "the task's default normalization_std"
        if mean is None or std is None:
            raise OptionsError(
                f"the model's image input is {dtype} and its metadata gives no "
                "NormalizationOptions: pass normalization_mean and normalization_std (for "
                "example normalization_mean=127.5, normalization_std=127.5 for inputs in "
                "[-1, 1], or 0 and 255 for [0, 1])"
            )
        mean_c = _channel_values(mean, mean_name, self.channels)
        std_c = _channel_values(std, std_name, self.channels)
        if np.any(np.abs(std_c) < 1e-12):
            raise OptionsError(f"{std_name} must not be 0, got {list(std_c)}")
        alpha, beta = 1.0 / std_c, -mean_c / std_c
        if dtype == np.int8:
            if scale == 0:
                raise OptionsError("the int8 image input has no quantization scale")
            alpha, beta = alpha / scale, beta / scale + zero_point
        return alpha, beta

    @property
    def size(self) -> tuple[int, int]:
        """The model's input (width, height) in pixels."""
        shape = self.engine.inputs[self.position].shape
        return shape[2], shape[1]

    def placement(self, width: int, height: int) -> Placement:
        """Where an upright (turned) region of ``width`` x ``height`` pixels lands in the
        input tensor."""
        if not self._dynamic:
            tensor_size = self.size
        elif self._dynamic_size is not None:
            tensor_size = self._dynamic_size(width, height)
        else:
            tensor_size = (width, height)
        return Placement.of(width, height, *tensor_size, self.keep_aspect_ratio)

    def _place(self, region: np.ndarray, turns: int) -> Placement:
        height, width = region.shape[:2]
        return self.placement(*((height, width) if turns in (90, 270) else (width, height)))

    def write(
        self, rgb: np.ndarray, roi: RegionOfInterest | None = None, rotation: int = 0
    ) -> None:
        """Crops, resizes, rotates and converts ``rgb`` (HxWx3 uint8) into the input tensor.

        Call while holding ``engine.lock``.
        """
        region = rgb if roi is None else crop_and_rotate(rgb, roi, 0)
        turns = clockwise_turn(rotation)
        place = self._place(region, turns)
        width, height = place.tensor_width, place.tensor_height
        if self._dynamic:
            self.engine.resize_input(self.position, (1, height, width, self.channels))
        resized = self._resized
        if self._alpha is not None and (resized is None or resized.shape[:2] != (height, width)):
            resized = self._resized = np.empty((height, width, self.channels), np.uint8)
        self._fill(region, turns, self.engine.input_view(self.position)[0], resized, place)

    def prepare(
        self, rgb: np.ndarray, roi: RegionOfInterest | None = None, rotation: int = 0
    ) -> np.ndarray:
        """Returns the input tensor (1, H, W, C) for ``rgb`` in a new array; thread-safe.

        Feed it with :meth:`load` while holding ``engine.lock``.
        """
        region = rgb if roi is None else crop_and_rotate(rgb, roi, 0)
        turns = clockwise_turn(rotation)
        place = self._place(region, turns)
        width, height = place.tensor_width, place.tensor_height
        tensor = np.empty((1, height, width, self.channels), self.dtype)
        resized = (None if self._alpha is None
                   else np.empty((height, width, self.channels), np.uint8))
        self._fill(region, turns, tensor[0], resized, place)
        return tensor

    def load(self, tensor: np.ndarray) -> None:
        """Copies a tensor from :meth:`prepare` into the input (call holding the lock)."""
        if self._dynamic:
            self.engine.resize_input(self.position, tensor.shape)
        self.engine.set_input(self.position, tensor)

    def _fill(self, region: np.ndarray, turns: int, out: np.ndarray,
              resized: np.ndarray | None, place: Placement) -> None:
        """Resizes ``region`` (h, w, 3) into ``out`` (H, W, C), rotated ``turns`` degrees
        clockwise, where ``place`` puts it; through the uint8 buffer ``resized`` (H, W, C)
        when converting.

        The resize comes first, so rotation and grayscale conversion run at model size.
        """
        pixels = out if resized is None else resized
        if place.is_padded:
            pixels[...] = 0
            pixels = pixels[place.top: place.top + place.height,
                            place.left: place.left + place.width]
        height, width = pixels.shape[:2]
        if turns == 0 and self.channels == 3 and pixels.flags.c_contiguous:
            self._resize(region, width, height, pixels)
        else:
            upright = (height, width) if turns in (90, 270) else (width, height)
            small = self._resize(region, *upright, None)
            if turns:
                small = cv2.rotate(small, _ROTATE[turns])
            if self.channels == 1:
                small = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)[..., None]
            np.copyto(pixels, small)
        if resized is not None:
            self._convert(resized, out)

    def _convert(self, resized: np.ndarray, view: np.ndarray) -> None:
        alpha, beta = self._alpha, self._beta
        assert alpha is not None and beta is not None
        depth = _CV_DEPTH[self.dtype]
        if self._uniform:
            src = resized if self.channels == 3 else resized[..., 0]
            dst = view if self.channels == 3 else view[..., 0]
            result = cv2.addWeighted(src, float(alpha[0]), src, 0.0, float(beta[0]),
                                     dst=dst, dtype=depth)
            if result is not dst:
                dst[...] = result
            return
        scaled = cv2.multiply(resized, tuple(float(a) for a in alpha), dtype=cv2.CV_32F)
        cv2.add(scaled, tuple(float(b) for b in beta), dst=scaled)
        if depth == cv2.CV_32F:
            np.copyto(view, scaled)
        else:
            np.copyto(view, np.clip(np.rint(scaled), -128, 127), casting="unsafe")


def _resize(region: np.ndarray, width: int, height: int, out: np.ndarray | None) -> np.ndarray:
    """Bilinear resize of ``region`` (h, w, 3) to (height, width, 3), into ``out`` if given."""
    if region.shape[:2] == (height, width):
        if out is None:
            return np.ascontiguousarray(region)
        np.copyto(out, region)
        return out
    return cv2.resize(region, (width, height), dst=out, interpolation=cv2.INTER_LINEAR)
