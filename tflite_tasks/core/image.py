"""Image input of the vision tasks: loading any image-like value as RGB, cropping, rotating.

Every vision task passes its input through :func:`load_image`, which returns an ``HxWx3``
``uint8`` RGB array, then through :func:`crop_and_rotate` for the region of interest and the
rotation (``ImageProcessingOptions`` in MediaPipe Tasks).
"""

from __future__ import annotations

import io
import numbers
import os

import cv2
import numpy as np
from PIL import Image, ImageOps

from tflite_tasks.core.containers import BoundingBox
from tflite_tasks.core.errors import InputError
from tflite_tasks.core.input_file import read_input_file

ImageLike = str | os.PathLike | bytes | bytearray | memoryview | np.ndarray | Image.Image
"""What :func:`load_image` accepts: a file path, encoded file bytes, an array or a PIL image."""

RegionOfInterest = BoundingBox | tuple[int, int, int, int]
"""A region ``(x, y, width, height)`` in pixels, or a :class:`BoundingBox`."""

_ACCEPTED_TYPES = (
    "a file path (str or os.PathLike), encoded image bytes (bytes, bytearray, memoryview), "
    "a uint8 numpy array or a PIL.Image.Image"
)
_ACCEPTED_SHAPES = "HxW (grayscale), HxWx1, HxWx3 (RGB), HxWx4 (RGBA) or 1xHxWxC"
_FORMATS = "JPEG, PNG, BMP, WebP, TIFF, GIF and the other formats OpenCV or Pillow can decode"

MAX_IMAGE_PIXELS = 2 * (1024 * 1024 * 1024 // 4 // 3)  # 178956970
"""The most pixels (width x height) an encoded image may have; larger ones are refused.

A small file can claim a huge size (a decompression bomb: 400 KB of PNG decode to 1.2 GB),
so the size in the file's header, read by Pillow, is checked before decoding. The value is
twice Pillow's default ``PIL.Image.MAX_IMAGE_PIXELS``: the size at which Pillow itself refuses
to open an image. It is read at each call, so it may be raised for trusted images. Pillow's
own checks apply too, to the formats it identifies: it refuses more than twice
``PIL.Image.MAX_IMAGE_PIXELS`` and warns (``DecompressionBombWarning``) above it. Arrays and
PIL images passed to :func:`load_image` are already decoded and have no limit.
"""

_BOMB_ADVICE = (
    "Refused as a possible decompression bomb; if the image is trusted, raise "
    "tflite_tasks.core.image.MAX_IMAGE_PIXELS (and PIL.Image.MAX_IMAGE_PIXELS: Pillow refuses "
    "twice that), or downscale it first"
)

_MAX_ROTATION = 360 * 1000
"""The largest rotation accepted, in degrees either way."""


def load_image(image: ImageLike) -> np.ndarray:
    """Returns ``image`` as an ``HxWx3`` ``uint8`` RGB C-contiguous array.

    Args:
        image: one of
            * a path to a regular file, decoded like encoded bytes;
            * encoded file bytes: the EXIF orientation is applied, 16-bit images are scaled
              to 8 bits, grayscale is replicated to 3 channels and alpha is dropped. Images of
              more than :data:`MAX_IMAGE_PIXELS` pixels are refused before decoding;
            * a ``uint8`` array of shape ``HxW`` or ``HxWx1`` (grayscale, replicated),
              ``HxWx3`` (taken as RGB), ``HxWx4`` (RGBA, alpha dropped), or any of these
              with a leading batch dimension of 1. An ``HxWx3`` C-contiguous array is
              returned as is: not copied, and not modified;
            * a PIL image of any 8-bit or 16-bit mode; its EXIF orientation, if any, is
              applied. Modes ``F`` and ``I`` (32-bit float and integer) are refused, as
              their range is unknown.

    Raises:
        InputFileNotFoundError: the path does not exist.
        InputError: the path is a directory, a FIFO, a device or unreadable, the bytes
            cannot be decoded or claim more than :data:`MAX_IMAGE_PIXELS` pixels, the array
            has another dtype or shape, the PIL image has a 32-bit mode, or ``image`` is of
            another type.
    """
    if isinstance(image, np.ndarray):
        return _from_array(image)
    if isinstance(image, Image.Image):
        return _from_pil(image, "the PIL image")
    if isinstance(image, str | os.PathLike):
        return _from_path(os.fsdecode(image))
    if isinstance(image, bytes | bytearray | memoryview):
        return _decode(image)
    raise InputError(
        f"cannot load an image from an object of type {type(image).__qualname__!r}; "
        f"pass {_ACCEPTED_TYPES}"
    )


def crop_and_rotate(
    rgb: np.ndarray,
    roi: RegionOfInterest | None = None,
    rotation: int = 0,
) -> np.ndarray:
    """Returns the region of interest of ``rgb``, rotated clockwise, as a view (no copy).

    Args:
        rgb: an ``HxWxC`` image, as returned by :func:`load_image`.
        roi: the region ``(x, y, width, height)`` in pixels of ``rgb`` (whole numbers), or a
            :class:`BoundingBox`; it must lie inside the image. ``None`` means the whole image.
        rotation: degrees clockwise, a multiple of 90 (negative allowed: -90 is 270) between
            -360000 and 360000, applied to the region, like MediaPipe's
            ``ImageProcessingOptions.rotation_degrees``.

    Returns:
        A possibly non-contiguous view of ``rgb``; its height and width are swapped for
        rotations of 90 and 270.

    Raises:
        InputError: the region is not 4 whole numbers, is empty or lies outside the image, or
            the rotation is not a multiple of 90 in that range.
    """
    if roi is not None:
        x, y, w, h = region_values(roi, rgb.shape[1], rgb.shape[0])
        rgb = rgb[y : y + h, x : x + w]
    return np.rot90(rgb, k=-clockwise_turn(rotation) // 90)  # np.rot90 turns counterclockwise


def region_values(roi: RegionOfInterest, width: int, height: int) -> tuple[int, int, int, int]:
    """Returns ``roi`` as ints ``(x, y, w, h)`` after checking it lies in a width x height image.

    Raises:
        InputError: not 4 whole numbers, empty, or outside the image.
    """
    x, y, w, h = _roi_values(roi)
    if w <= 0 or h <= 0:
        raise InputError(
            f"region of interest (x, y, w, h) = {(x, y, w, h)} must have a positive "
            f"width and height"
        )
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise InputError(
            f"region of interest (x, y, w, h) = {(x, y, w, h)} is outside the "
            f"{width}x{height} image"
        )
    return x, y, w, h


def clockwise_turn(rotation: float) -> int:
    """Returns ``rotation`` (degrees clockwise, a multiple of 90) as 0, 90, 180 or 270.

    ``rotation`` must lie between -360000 and 360000: a larger value is a mistake (an
    uninitialised or overflowed number), not a rotation.
    """
    if not _is_whole(rotation) or abs(rotation) > _MAX_ROTATION or rotation % 90:
        raise InputError(
            f"rotation must be a multiple of 90 degrees between -{_MAX_ROTATION} and "
            f"{_MAX_ROTATION}, got {rotation!r}"
        )
    return int(rotation) % 360


def _from_path(path: str) -> np.ndarray:
    """Reads and decodes the regular file at ``path``."""
    return _decode(read_input_file(path, "image"), path)


def _decode(data: bytes | bytearray | memoryview, path: str | None = None) -> np.ndarray:
    """Decodes an encoded image with OpenCV, else Pillow; ``path`` names it in errors."""
    view = memoryview(data)
    view = view.cast("B") if view.c_contiguous else memoryview(view.tobytes())
    name = f"image file {path!r}" if path is not None else "the encoded image"
    if view.nbytes == 0:
        raise InputError(f"{name} is empty (0 bytes): there is no image to decode")
    if path is None:
        name = f"<{view.nbytes} bytes starting {view[:16].tobytes()!r}>"
    _check_pixels(data if isinstance(data, bytes) else view, name)  # bytes: no copy
    try:
        bgr = cv2.imdecode(np.frombuffer(view, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        bgr = None
    if bgr is not None:
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    try:
        with Image.open(io.BytesIO(view)) as pil:
            return _from_pil(pil, name)
    except Image.UnidentifiedImageError as exc:
        raise InputError(f"{name} is not an image in a supported format: {_FORMATS}") from exc
    except (OSError, Image.DecompressionBombError) as exc:
        raise InputError(f"cannot decode {name}: {exc}") from exc


def _check_pixels(data: bytes | memoryview, name: str) -> None:
    """Refuses an encoded image of more than :data:`MAX_IMAGE_PIXELS` pixels, undecoded.

    Pillow reads the size from the header alone (about 20 us for a JPEG). Images it cannot
    identify are left to OpenCV, which refuses more than 2**30 pixels.
    """
    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
    except Image.DecompressionBombError as exc:  # over 2 * PIL.Image.MAX_IMAGE_PIXELS
        raise InputError(f"{name} is too large: {exc} {_BOMB_ADVICE}") from exc
    except Exception:  # unidentified or malformed: the decoders below decide, as before
        return
    if width * height > MAX_IMAGE_PIXELS:
        raise InputError(
            f"{name} is too large: {width}x{height} = {width * height} pixels, more than "
            f"MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS}. {_BOMB_ADVICE}"
        )


def _from_pil(image: Image.Image, name: str) -> np.ndarray:
    """Converts a PIL image of an 8 or 16-bit mode to RGB after applying its EXIF orientation."""
    if image.mode == "F":
        raise InputError(
            f"{name} has mode 'F' (32-bit float values), whose range is unknown; convert it to "
            f"8 bits first, e.g. for floats in [0, 1]: "
            f"Image.fromarray((np.asarray(im) * 255).clip(0, 255).astype(np.uint8))"
        )
    if image.mode == "I" or image.mode.startswith("I;32"):
        raise InputError(
            f"{name} has mode {image.mode!r} (32-bit integer values), whose range is unknown; "
            f"convert it to 8 bits first, e.g. for 16-bit values in [0, 65535]: "
            f"Image.fromarray((np.asarray(im) >> 8).astype(np.uint8))"
        )
    try:
        image = ImageOps.exif_transpose(image)
        if image.mode.startswith("I;16"):  # 16-bit grayscale: keep the 8 high bits
            gray = (np.asarray(image, dtype=np.uint16) >> 8).astype(np.uint8)
            return cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
        if "transparency" in image.info:  # avoids Pillow's palette-transparency warning
            image = image.convert("RGBA")
        return np.asarray(image.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot convert {name} (mode {image.mode}) to RGB: {exc}") from exc


def _from_array(array: np.ndarray) -> np.ndarray:
    """Validates a ``uint8`` array and makes it ``HxWx3`` RGB; see :func:`load_image`."""
    shape = array.shape
    if array.dtype != np.uint8:
        raise InputError(f"image array has dtype {array.dtype}, expected uint8; {_hint(array)}")
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4) or array.size == 0:
        raise InputError(f"image array has shape {shape}; accepted: {_ACCEPTED_SHAPES}")
    # OpenCV converts 3 (gray) to 8 (RGBA) times faster than np.repeat or slicing; it copies
    # first the arrays whose layout it cannot read as they are (strided, flipped, transposed).
    if array.shape[2] == 1:
        return cv2.cvtColor(array[:, :, 0], cv2.COLOR_GRAY2RGB)
    if array.shape[2] == 4:
        if array.strides[1:] == (4, 1):  # packed pixels, rows of any stride: read as they are
            return cv2.cvtColor(array, cv2.COLOR_RGBA2RGB)
        return np.ascontiguousarray(array[:, :, :3])  # faster than OpenCV's copy, then convert
    return np.ascontiguousarray(array)  # the array itself when already contiguous


def _hint(array: np.ndarray) -> str:
    """Suggests how to convert an array of another dtype to ``uint8``."""
    if array.dtype.kind == "f":
        return "for floats in [0, 1] use (x * 255).clip(0, 255).astype(np.uint8)"
    if array.dtype.kind == "b":
        return "use x.astype(np.uint8) * 255"
    if array.dtype == np.uint16:
        return "for 16-bit images use (x >> 8).astype(np.uint8)"
    return "for values in [0, 255] use x.astype(np.uint8)"


def _roi_values(roi: RegionOfInterest) -> tuple[int, ...]:
    """Returns the region of interest as the ints ``(x, y, width, height)``."""
    if isinstance(roi, BoundingBox):
        roi = (roi.origin_x, roi.origin_y, roi.width, roi.height)
    try:
        values = tuple(roi)
    except TypeError:
        values = ()
    if len(values) != 4:
        raise InputError(
            f"region of interest must be (x, y, width, height) or a BoundingBox, got {roi!r}"
        )
    if not all(_is_whole(v) for v in values):
        raise InputError(f"region of interest {roi!r} must be whole numbers of pixels")
    return tuple(int(v) for v in values)


def _is_whole(value: object) -> bool:
    """Tells whether ``value`` is an int or a float with no fractional part."""
    return isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer()
    )
