"""ImagePreprocessor's placement: fitting an image into the input with padding (letterbox)."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_models import channel_mean_model, with_classifier_metadata

from tflite_tasks import Engine, ImageOptions
from tflite_tasks.core.image_preprocessor import ImagePreprocessor, Placement


def test_placement_centres_the_fitted_image_and_maps_points_back():
    wide = Placement.of(40, 20, 16, 16, keep_aspect_ratio=True)
    assert wide == Placement(16, 16, 0, 4, 16, 8) and wide.is_padded
    tall = Placement.of(21, 40, 16, 16, keep_aspect_ratio=True)
    assert tall == Placement(16, 16, 4, 0, 8, 16)  # 8.4 px rounds to 8, centred: (16 - 8) // 2
    assert not Placement.of(40, 20, 16, 16, keep_aspect_ratio=False).is_padded
    corners = np.array([[0.0, 0.25], [1.0, 0.75], [0.5, 0.0]])
    np.testing.assert_allclose(wide.to_image(corners), [[0, 0], [1, 1], [0.5, -0.5]])
    thin = Placement.of(1000, 1, 16, 16, keep_aspect_ratio=True)
    assert (thin.width, thin.height) == (16, 1)  # never empty


def _tensor(image: np.ndarray, dtype=np.uint8, rotation: int = 0, **options) -> np.ndarray:
    quantization = (1.0, 0) if dtype == np.uint8 else None
    engine = Engine(channel_mean_model(16, dtype, quantization), num_threads=1)
    pre = ImagePreprocessor(engine, ImageOptions(**options), keep_aspect_ratio=True)
    prepared = pre.prepare(image, rotation=rotation)[0]
    with engine.lock:
        pre.write(image, rotation=rotation)
        np.testing.assert_array_equal(engine.input_view(0)[0], prepared)
    return prepared


def test_padding_is_black_around_the_resized_image():
    image = np.full((8, 16, 3), 200, np.uint8)
    tensor = _tensor(image)
    assert (tensor[4:12] == 200).all()
    assert (tensor[:4] == 0).all() and (tensor[12:] == 0).all()


def test_padding_is_normalized_like_a_black_pixel():
    tensor = _tensor(np.full((8, 16, 3), 200, np.uint8), np.float32, normalization_mean=100,
                     normalization_std=2)
    assert (tensor[4:12] == 50).all() and (tensor[:4] == -50).all()


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_turned_image_is_fitted_upright(rotation):
    image = np.full((8, 16, 3), 200, np.uint8)  # 16 wide, 8 tall: upright 8 wide, 16 tall
    tensor = _tensor(image, rotation=rotation)
    assert (tensor[:, 4:12] == 200).all()
    assert (tensor[:, :4] == 0).all() and (tensor[:, 12:] == 0).all()


def _first_value(model: bytes, **options) -> float:
    engine = Engine(model, num_threads=1)
    pre = ImagePreprocessor(engine, ImageOptions(**options), default_normalization=(100, 4))
    return float(pre.prepare(np.full((4, 4, 3), 200, np.uint8))[0, 0, 0, 0])


def test_the_task_default_normalization_comes_after_options_and_metadata():
    plain = channel_mean_model(4)
    assert _first_value(plain) == 25  # (200 - 100) / 4
    assert _first_value(plain, normalization_std=10) == 10  # the option wins, per value
    with_md = with_classifier_metadata(plain, normalization=([0.0], [2.0]))
    assert _first_value(with_md) == 100  # the metadata's NormalizationOptions win
