"""Tests of tflite_tasks.core.image: loading every kind of image input, cropping, rotating."""

from __future__ import annotations

import io
import os
import threading
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from testdata import data_path

from tflite_tasks.core import image as image_module
from tflite_tasks.core.containers import BoundingBox
from tflite_tasks.core.errors import InputError, InputFileNotFoundError
from tflite_tasks.core.image import crop_and_rotate, load_image

RED = (255, 0, 0)
GRAY = (128, 128, 128)


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _assert_rgb(array: np.ndarray, height: int, width: int) -> None:
    assert array.shape == (height, width, 3)
    assert array.dtype == np.uint8
    assert array.flags.c_contiguous


def _two_colors() -> np.ndarray:
    """A 6x10 RGB image: left half red, right half blue, one green pixel at (1, 2)."""
    rgb = np.zeros((6, 10, 3), np.uint8)
    rgb[:, :5] = RED
    rgb[:, 5:] = (0, 0, 255)
    rgb[1, 2] = (0, 255, 0)
    return rgb


# --- real files -------------------------------------------------------------------------------


def test_jpeg_path_str_pathlike_and_bytes_agree_and_are_rgb() -> None:
    path = data_path("vision/burger.jpg")
    rgb = load_image(str(path))
    _assert_rgb(rgb, 325, 480)
    np.testing.assert_array_equal(load_image(path), rgb)
    data = path.read_bytes()
    for encoded in (data, bytearray(data), memoryview(data)):
        np.testing.assert_array_equal(load_image(encoded), rgb)
    # Pillow decodes the same JPEG to (nearly) the same RGB: the channels are not BGR.
    reference = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    assert np.abs(rgb.astype(np.int16) - reference).mean() < 2
    assert np.abs(rgb[..., ::-1].astype(np.int16) - reference).mean() > 10


def test_non_contiguous_memoryview_of_bytes() -> None:
    data = data_path("vision/burger.jpg").read_bytes()
    strided = np.repeat(np.frombuffer(data, np.uint8), 2)[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(load_image(memoryview(strided)), load_image(data))


def test_rgba_png_file_drops_alpha() -> None:
    path = data_path("vision/sparrow.png")
    with Image.open(path) as pil:
        assert pil.mode == "RGBA"
        expected = np.asarray(pil)[..., :3]
        from_pil = load_image(pil)
    rgb = load_image(path)
    _assert_rgb(rgb, 851, 1280)
    np.testing.assert_array_equal(rgb, expected)
    np.testing.assert_array_equal(from_pil, expected)


def test_real_image_crop_and_rotate() -> None:
    rgb = load_image(data_path("vision/burger.jpg"))
    region = crop_and_rotate(rgb, BoundingBox(100, 50, 200, 120), rotation=90)
    assert region.shape == (200, 120, 3)
    np.testing.assert_array_equal(region[0, -1], rgb[50, 100])


# --- EXIF orientation -------------------------------------------------------------------------


@pytest.fixture
def exif_jpeg(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """A 24x40 JPEG tagged Orientation=6 (rotate 90 CW) with a red top-left corner.

    Returns its path and the upright image it shows: 40x24, red in the top-right corner.
    """
    stored = np.full((24, 40, 3), GRAY, np.uint8)
    stored[:8, :8] = RED
    pil = Image.fromarray(stored)
    exif = pil.getexif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    pil.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    return path, np.rot90(stored, k=-1)


def _assert_upright(rgb: np.ndarray, upright: np.ndarray) -> None:
    _assert_rgb(rgb, 40, 24)
    assert np.abs(rgb.astype(np.int16) - upright).mean() < 4  # JPEG is lossy
    np.testing.assert_allclose(rgb[2, -3], RED, atol=20)
    np.testing.assert_allclose(rgb[2, 2], GRAY, atol=20)
    np.testing.assert_allclose(rgb[-3, -3], GRAY, atol=20)


def test_exif_orientation_applied_to_path(exif_jpeg: tuple[Path, np.ndarray]) -> None:
    path, upright = exif_jpeg
    _assert_upright(load_image(path), upright)


def test_exif_orientation_applied_to_bytes(exif_jpeg: tuple[Path, np.ndarray]) -> None:
    path, upright = exif_jpeg
    _assert_upright(load_image(path.read_bytes()), upright)


def test_exif_orientation_applied_to_pil_image(exif_jpeg: tuple[Path, np.ndarray]) -> None:
    path, upright = exif_jpeg
    with Image.open(path) as pil:
        assert pil.size == (40, 24)
        _assert_upright(load_image(pil), upright)


def test_exif_orientation_applied_in_pil_fallback(
    exif_jpeg: tuple[Path, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, upright = exif_jpeg
    monkeypatch.setattr(cv2, "imdecode", lambda *args: None)
    _assert_upright(load_image(path), upright)


# --- encoded formats --------------------------------------------------------------------------


def test_rgba_png_bytes_keep_colors_under_transparent_alpha() -> None:
    rgba = np.zeros((6, 10, 4), np.uint8)
    rgba[..., :3] = _two_colors()
    rgba[:, :3, 3] = 0  # fully transparent, colours must survive as they are
    rgba[:, 3:, 3] = 200
    rgb = load_image(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    np.testing.assert_array_equal(rgb, _two_colors())


def test_palette_png() -> None:
    pil = Image.fromarray(_two_colors()).quantize(colors=3)
    assert pil.mode == "P"
    np.testing.assert_array_equal(load_image(_encode(pil, "PNG")), _two_colors())
    np.testing.assert_array_equal(load_image(pil), _two_colors())


def test_palette_with_transparency_gives_rgb_without_warning() -> None:
    pil = Image.fromarray(_two_colors()).quantize(colors=3)
    pil.info["transparency"] = bytes([0, 255, 255])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(load_image(pil), _two_colors())


def test_grayscale_png_file_is_replicated_to_three_channels(tmp_path: Path) -> None:
    gray = np.arange(60, dtype=np.uint8).reshape(6, 10) * 4
    path = tmp_path / "gray.png"
    Image.fromarray(gray, "L").save(path)
    rgb = load_image(path)
    _assert_rgb(rgb, 6, 10)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], gray)


def test_gif_decodes() -> None:
    gif = _encode(Image.fromarray(_two_colors()), "GIF")
    np.testing.assert_array_equal(load_image(gif), _two_colors())


def test_gif_through_pil_fallback_when_opencv_cannot_decode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gif = _encode(Image.fromarray(_two_colors()), "GIF")
    calls = []
    monkeypatch.setattr(cv2, "imdecode", lambda *args: calls.append(args) and None)
    rgb = load_image(gif)
    assert calls  # OpenCV was tried first
    _assert_rgb(rgb, 6, 10)
    np.testing.assert_array_equal(rgb, _two_colors())


@pytest.mark.parametrize("fmt", ["TGA", "PCX"])
def test_formats_opencv_lacks_are_decoded_by_pillow(fmt: str) -> None:
    np.testing.assert_array_equal(
        load_image(_encode(Image.fromarray(_two_colors()), fmt)), _two_colors()
    )


def test_16_bit_grayscale_png_becomes_8_bit(tmp_path: Path) -> None:
    values = np.array([[0, 100 * 256 + 7, 65535]], np.uint16)
    path = tmp_path / "gray16.png"
    assert cv2.imwrite(str(path), values)
    with Image.open(path) as pil:
        assert pil.mode.startswith("I;16")
        from_pil = load_image(pil)
    expected = np.repeat(np.array([[0, 100, 255]], np.uint8)[..., None], 3, axis=2)
    np.testing.assert_array_equal(load_image(path), expected)
    np.testing.assert_array_equal(from_pil, expected)


def test_16_bit_color_png_becomes_8_bit_rgb() -> None:
    rgb16 = np.array([[[65535, 0, 128 * 256], [0, 30 * 256 + 200, 0]]], np.uint16)
    ok, png = cv2.imencode(".png", rgb16[..., ::-1])  # OpenCV writes BGR
    assert ok
    np.testing.assert_array_equal(
        load_image(png.tobytes()), np.array([[[255, 0, 128], [0, 30, 0]]], np.uint8)
    )


# --- numpy arrays -----------------------------------------------------------------------------


def test_contiguous_rgb_array_is_returned_as_is() -> None:
    rgb = _two_colors()
    before = rgb.copy()
    assert load_image(rgb) is rgb
    np.testing.assert_array_equal(rgb, before)


def test_non_contiguous_rgb_array_is_made_contiguous() -> None:
    wide = np.zeros((6, 20, 3), np.uint8)
    wide[:, ::2] = _two_colors()
    strided = wide[:, ::2]
    rgb = load_image(strided)
    _assert_rgb(rgb, 6, 10)
    np.testing.assert_array_equal(rgb, _two_colors())
    np.testing.assert_array_equal(load_image(np.asfortranarray(_two_colors())), _two_colors())


@pytest.mark.parametrize("shape", [(6, 10), (6, 10, 1)])
def test_grayscale_arrays_are_replicated(shape: tuple[int, ...]) -> None:
    gray = np.arange(60, dtype=np.uint8).reshape(shape)
    rgb = load_image(gray)
    _assert_rgb(rgb, 6, 10)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], gray.reshape(6, 10))


def test_rgba_array_drops_alpha() -> None:
    rgba = np.concatenate([_two_colors(), np.full((6, 10, 1), 7, np.uint8)], axis=2)
    rgb = load_image(rgba)
    _assert_rgb(rgb, 6, 10)
    np.testing.assert_array_equal(rgb, _two_colors())


@pytest.fixture
def cvt_codes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the conversion codes passed to cv2.cvtColor, which still converts."""
    codes: list[int] = []
    convert = cv2.cvtColor

    def recording(src: np.ndarray, code: int, *args: object) -> np.ndarray:
        codes.append(code)
        return convert(src, code, *args)

    monkeypatch.setattr(cv2, "cvtColor", recording)
    return codes


def test_channel_conversions_of_arrays_use_opencv(cvt_codes: list[int]) -> None:
    # NumPy's repeat and alpha slicing take 3 to 8 times longer on large images.
    gray = np.arange(60, dtype=np.uint8).reshape(6, 10)
    load_image(gray)
    load_image(gray[:, :, None])
    load_image(np.concatenate([_two_colors(), np.zeros((6, 10, 1), np.uint8)], axis=2))
    assert cvt_codes == [cv2.COLOR_GRAY2RGB, cv2.COLOR_GRAY2RGB, cv2.COLOR_RGBA2RGB]


def test_non_contiguous_grayscale_and_rgba_views() -> None:
    gray = np.arange(12 * 20, dtype=np.uint8).reshape(12, 20)
    for view in (
        gray[:, ::2],
        gray[::-1, ::-2],
        gray.T,
        gray[2:9, 3:17],
        gray[:, :, None][:, 1::3],
    ):
        rgb = load_image(view)
        _assert_rgb(rgb, *view.shape[:2])
        np.testing.assert_array_equal(rgb, np.repeat(view.reshape(*view.shape[:2], 1), 3, axis=2))
    rgba = np.arange(12 * 20 * 4, dtype=np.uint8).reshape(12, 20, 4)
    for view in (
        rgba[:, ::2],
        rgba[::-1, ::-1],
        rgba.transpose(1, 0, 2),
        rgba[..., ::-1],
        rgba[1:5],
    ):
        rgb = load_image(view)
        _assert_rgb(rgb, *view.shape[:2])
        np.testing.assert_array_equal(rgb, view[..., :3])
    np.testing.assert_array_equal(load_image(np.asfortranarray(rgba)), rgba[..., :3])


def test_batch_of_one_is_squeezed() -> None:
    rgb = load_image(_two_colors()[None])
    _assert_rgb(rgb, 6, 10)
    np.testing.assert_array_equal(rgb, _two_colors())
    np.testing.assert_array_equal(load_image(np.zeros((1, 6, 10, 4), np.uint8)), 0)


def test_load_image_is_idempotent() -> None:
    rgb = load_image(_encode(Image.fromarray(_two_colors()), "PNG"))
    assert load_image(rgb) is rgb


# --- PIL images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("RGB", (10, 20, 30)), ("RGBA", (10, 20, 30)), ("L", (18, 18, 18)), ("LA", (18, 18, 18))],
)
def test_pil_modes_are_converted_to_rgb(mode: str, expected: tuple[int, int, int]) -> None:
    pil = Image.new("RGB", (5, 3), (10, 20, 30)).convert(mode)
    rgb = load_image(pil)
    _assert_rgb(rgb, 3, 5)
    assert (rgb == expected).all()


def test_pil_bilevel_image() -> None:
    pil = Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1")
    np.testing.assert_array_equal(load_image(pil), [[[0, 0, 0], [255, 255, 255]]])


def test_16_bit_pil_image_uses_opencv_to_replicate(cvt_codes: list[int]) -> None:
    pil = Image.fromarray(np.array([[0, 100 * 256 + 7, 65535]], np.uint16))
    assert pil.mode.startswith("I;16")
    expected = np.repeat(np.array([[0, 100, 255]], np.uint8)[..., None], 3, axis=2)
    np.testing.assert_array_equal(load_image(pil), expected)
    assert cvt_codes == [cv2.COLOR_GRAY2RGB]


def test_pil_float_image_is_refused_with_a_hint() -> None:
    pil = Image.fromarray(np.array([[0.0, 0.5, 1.0]], np.float32))
    assert pil.mode == "F"
    with pytest.raises(InputError, match="mode 'F'") as caught:
        load_image(pil)
    message = str(caught.value)
    assert "32-bit float" in message
    assert "Image.fromarray((np.asarray(im) * 255).clip(0, 255).astype(np.uint8))" in message


def test_pil_32_bit_integer_image_is_refused_with_a_hint() -> None:
    pil = Image.fromarray(np.array([[0, 1000, 70000]], np.int32))
    assert pil.mode == "I"
    with pytest.raises(InputError, match="mode 'I'") as caught:
        load_image(pil)
    assert "32-bit integer" in str(caught.value)
    assert ">> 8" in str(caught.value)


def test_pil_image_without_exif_is_not_changed() -> None:
    pil = Image.fromarray(_two_colors())
    np.testing.assert_array_equal(load_image(pil), _two_colors())
    assert pil.size == (10, 6)


# --- load_image errors ------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no_such_image.jpg"
    with pytest.raises(InputFileNotFoundError, match=r"no_such_image\.jpg") as caught:
        load_image(path)
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, InputError)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory") as caught:
        load_image(str(tmp_path))
    assert str(tmp_path) in str(caught.value)
    assert not isinstance(caught.value, FileNotFoundError)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    errors: list[InputError] = []

    def load() -> None:
        try:
            load_image(fifo)
        except InputError as e:
            errors.append(e)

    # Opening a FIFO to read waits for a writer: a loader that opened it would block here.
    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # release the blocked reader
        pytest.fail("load_image blocked on a named pipe instead of refusing it")
    (error,) = errors
    assert "not a regular file" in str(error) and str(fifo) in str(error)
    assert not isinstance(error, FileNotFoundError)


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="no /dev/null")
def test_device_is_refused() -> None:
    # /dev/zero would be read until memory runs out; /dev/null is the harmless device.
    with pytest.raises(InputError, match=r"'/dev/null' is not a regular file"):
        load_image("/dev/null")


def test_empty_path() -> None:
    with pytest.raises(InputError, match="empty"):
        load_image("")


def test_garbage_bytes() -> None:
    with pytest.raises(InputError) as caught:
        load_image(b"hello, not an image at all")
    message = str(caught.value)
    assert "<26 bytes starting b'hello, not an im'>" in message
    assert "JPEG" in message and "PNG" in message


def test_garbage_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("just some text")
    with pytest.raises(InputError, match=r"notes\.jpg") as caught:
        load_image(path)
    assert "supported format" in str(caught.value)


@pytest.mark.parametrize("empty", [b"", bytearray(), memoryview(b"")])
def test_empty_bytes(empty: bytes | bytearray | memoryview) -> None:
    with pytest.raises(InputError, match="empty"):
        load_image(empty)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.png.*empty"):
        load_image(path)


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header (IHDR) claims ``width`` x ``height`` pixels."""
    png = bytearray(_encode(Image.new("L", (1, 1)), "PNG"))
    assert png[12:16] == b"IHDR"
    png[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    png[29:33] = zlib.crc32(png[12:29]).to_bytes(4, "big")
    return bytes(png)


@pytest.fixture
def imdecode_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records the calls to cv2.imdecode, which decodes nothing (returns None)."""
    calls: list[object] = []
    monkeypatch.setattr(cv2, "imdecode", lambda *args: calls.append(args))
    return calls


def test_decompression_bomb_is_refused_before_decoding(
    tmp_path: Path, imdecode_calls: list[object]
) -> None:
    bomb = _png_claiming(20000, 20000)  # 400 million pixels, 1.2 GB decoded
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    for source in (bomb, path):
        with pytest.raises(InputError, match="decompression bomb") as caught:
            load_image(source)
        message = str(caught.value)
        assert "400000000" in message and "MAX_IMAGE_PIXELS" in message
    assert str(path) in message
    assert imdecode_calls == []


def test_own_pixel_limit_applies_without_pillows(
    monkeypatch: pytest.MonkeyPatch, imdecode_calls: list[object]
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's own check disabled
    with pytest.raises(InputError, match="decompression bomb") as caught:
        load_image(_png_claiming(20000, 20000))
    message = str(caught.value)
    assert "20000x20000" in message
    assert f"MAX_IMAGE_PIXELS = {image_module.MAX_IMAGE_PIXELS}" in message
    assert imdecode_calls == []


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TGA"])
def test_pixel_limit_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    encoded = _encode(Image.fromarray(_two_colors()), fmt)
    monkeypatch.setattr(image_module, "MAX_IMAGE_PIXELS", 60)
    _assert_rgb(load_image(encoded), 6, 10)
    monkeypatch.setattr(image_module, "MAX_IMAGE_PIXELS", 59)
    with pytest.raises(InputError, match="10x6"):
        load_image(encoded)


def test_pixel_limit_is_pillows_bomb_threshold() -> None:
    assert image_module.MAX_IMAGE_PIXELS == 2 * Image.MAX_IMAGE_PIXELS


def test_arrays_and_pil_images_have_no_pixel_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_module, "MAX_IMAGE_PIXELS", 1)
    _assert_rgb(load_image(_two_colors()), 6, 10)
    _assert_rgb(load_image(Image.fromarray(_two_colors())), 6, 10)


def test_float_array_says_how_to_convert() -> None:
    with pytest.raises(InputError, match="float32") as caught:
        load_image(np.zeros((4, 4, 3), np.float32))
    assert "(x * 255).clip(0, 255).astype(np.uint8)" in str(caught.value)


@pytest.mark.parametrize(("dtype", "hint"), [(np.uint16, ">> 8"), (np.int64, "astype(np.uint8)")])
def test_other_dtypes_say_how_to_convert(dtype: type, hint: str) -> None:
    with pytest.raises(InputError, match=np.dtype(dtype).name) as caught:
        load_image(np.zeros((4, 4, 3), dtype))
    assert hint in str(caught.value)


@pytest.mark.parametrize(
    "shape", [(12,), (4, 4, 2), (4, 4, 5), (2, 4, 4, 3), (1, 1, 4, 4, 3), (0, 4, 3), (4, 0)]
)
def test_wrong_array_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(InputError) as caught:
        load_image(np.zeros(shape, np.uint8))
    message = str(caught.value)
    assert str(shape) in message
    assert "HxWx3" in message


@pytest.mark.parametrize("value", [42, None, [[1, 2], [3, 4]], 1.5])
def test_unsupported_types(value: object) -> None:
    with pytest.raises(InputError) as caught:
        load_image(value)  # type: ignore[arg-type]
    message = str(caught.value)
    assert repr(type(value).__name__) in message
    assert "PIL.Image.Image" in message and "numpy" in message


# --- crop_and_rotate --------------------------------------------------------------------------

GRID = np.array([[1, 2, 3], [4, 5, 6]])  # 2x3, rotations written out by hand below


@pytest.mark.parametrize(
    ("rotation", "expected"),
    [
        (0, [[1, 2, 3], [4, 5, 6]]),
        (90, [[4, 1], [5, 2], [6, 3]]),
        (180, [[6, 5, 4], [3, 2, 1]]),
        (270, [[3, 6], [2, 5], [1, 4]]),
        (-90, [[3, 6], [2, 5], [1, 4]]),
        (-270, [[4, 1], [5, 2], [6, 3]]),
        (360, [[1, 2, 3], [4, 5, 6]]),
        (450, [[4, 1], [5, 2], [6, 3]]),
    ],
)
def test_rotation_is_clockwise(rotation: int, expected: list[list[int]]) -> None:
    np.testing.assert_array_equal(crop_and_rotate(GRID, rotation=rotation), expected)


@pytest.fixture
def pixels() -> np.ndarray:
    """An 8x10x3 image whose every value is distinct."""
    return np.arange(8 * 10 * 3, dtype=np.uint8).reshape(8, 10, 3)


def test_no_roi_no_rotation_is_the_image(pixels: np.ndarray) -> None:
    out = crop_and_rotate(pixels)
    np.testing.assert_array_equal(out, pixels)
    assert np.shares_memory(out, pixels)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270, -90])
def test_roi_then_rotation(pixels: np.ndarray, rotation: int) -> None:
    x, y, w, h = 2, 1, 5, 3
    crop = pixels[y : y + h, x : x + w]
    out = crop_and_rotate(pixels, (x, y, w, h), rotation)
    np.testing.assert_array_equal(out, np.rot90(crop, k=-rotation // 90))
    assert np.shares_memory(out, pixels)  # a view, not a copy
    corner = {0: out[0, 0], 90: out[0, -1], 180: out[-1, -1], 270: out[-1, 0], -90: out[-1, 0]}
    np.testing.assert_array_equal(corner[rotation], pixels[y, x])
    assert out.shape == ((h, w, 3) if rotation % 180 == 0 else (w, h, 3))


def test_roi_forms_are_equivalent(pixels: np.ndarray) -> None:
    expected = pixels[1:4, 2:7]
    for roi in [
        (2, 1, 5, 3),
        BoundingBox(2, 1, 5, 3),
        (2.0, 1.0, 5.0, 3.0),
        np.array([2, 1, 5, 3]),
    ]:
        np.testing.assert_array_equal(crop_and_rotate(pixels, roi), expected)


def test_roi_may_touch_the_image_edges(pixels: np.ndarray) -> None:
    np.testing.assert_array_equal(crop_and_rotate(pixels, (0, 0, 10, 8)), pixels)
    np.testing.assert_array_equal(crop_and_rotate(pixels, (9, 7, 1, 1)), pixels[7:, 9:])


@pytest.mark.parametrize(
    "roi", [(6, 0, 5, 3), (0, 6, 5, 3), (-1, 0, 5, 3), (0, -2, 5, 3), (10, 8, 1, 1)]
)
def test_roi_outside_the_image(pixels: np.ndarray, roi: tuple[int, int, int, int]) -> None:
    with pytest.raises(InputError, match="outside the 10x8 image") as caught:
        crop_and_rotate(pixels, roi)
    assert str(roi) in str(caught.value)


@pytest.mark.parametrize("roi", [(1, 1, 0, 3), (1, 1, 3, 0), (1, 1, -2, 3), (1, 1, 3, -1)])
def test_roi_without_area(pixels: np.ndarray, roi: tuple[int, int, int, int]) -> None:
    with pytest.raises(InputError, match="positive width and height") as caught:
        crop_and_rotate(pixels, roi)
    assert str(roi) in str(caught.value)


@pytest.mark.parametrize("roi", [(1, 1, 2.5, 3), (1, 1, 3), (1, 1, 2, 2, 2), "1,1,2,2", 5])
def test_roi_malformed(pixels: np.ndarray, roi: object) -> None:
    with pytest.raises(InputError, match="region of interest") as caught:
        crop_and_rotate(pixels, roi)  # type: ignore[arg-type]
    assert repr(roi) in str(caught.value)


@pytest.mark.parametrize("rotation", [45, 1, -30, 90.5, "90"])
def test_rotation_not_a_multiple_of_90(pixels: np.ndarray, rotation: object) -> None:
    with pytest.raises(InputError, match="multiple of 90") as caught:
        crop_and_rotate(pixels, rotation=rotation)  # type: ignore[arg-type]
    assert repr(rotation) in str(caught.value)


@pytest.mark.parametrize(
    "rotation",
    [1e300, -1e300, 90 * 2.0**1000, 90 * 10**30, 360_090, -360_090, float("inf"), float("nan")],
)
def test_absurd_rotation_is_refused(pixels: np.ndarray, rotation: float) -> None:
    with pytest.raises(InputError, match="multiple of 90 degrees between -360000 and 360000"):
        crop_and_rotate(pixels, rotation=rotation)


def test_large_rotation_within_range_is_accepted(pixels: np.ndarray) -> None:
    np.testing.assert_array_equal(crop_and_rotate(pixels, rotation=360_000), pixels)
    np.testing.assert_array_equal(
        crop_and_rotate(pixels, rotation=-359_910.0), np.rot90(pixels, -1)
    )


def test_whole_float_rotation_is_accepted(pixels: np.ndarray) -> None:
    np.testing.assert_array_equal(crop_and_rotate(pixels, rotation=90.0), np.rot90(pixels, -1))
