"""The LiteRT engine: specs, threads, inputs and outputs, errors, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from testdata import data_path
from tiny_models import channel_mean_model

from tflite_tasks import Engine, ModelFileNotFoundError, ModelLoadError, OptionsError
from tflite_tasks.core.engine import default_num_threads
from tflite_tasks.default_model import default_model


def test_specs_of_a_quantized_model() -> None:
    engine = Engine(data_path("vision/mobilenet_v1_0.25_224_quant.tflite"))
    (image,) = engine.inputs
    assert (image.name, image.shape, image.dtype) == ("input", (1, 224, 224, 3), np.uint8)
    assert image.shape_signature == (1, 224, 224, 3) and not image.has_dynamic_shape
    assert image.is_quantized and image.scale == pytest.approx(0.0078125)
    assert image.zero_point == 128
    (scores,) = engine.outputs
    assert scores.shape == (1, 1001) and scores.dtype == np.uint8
    assert scores.dequantize(np.array([128 + 0], np.uint8)) == pytest.approx([0.5], abs=0.01)


def test_a_tensor_name_that_is_not_utf8_is_a_corrupt_model() -> None:
    model = channel_mean_model()
    assert model.count(b"channel_means") == 1
    corrupt = model.replace(b"channel_means", b"channel\xff\xfeeans")  # LiteRT loads it
    with pytest.raises(ModelLoadError, match="a tensor name is not UTF-8 text"):
        Engine(corrupt)


def test_threads_default_to_the_available_cpus() -> None:
    assert Engine(default_model()).num_threads == default_num_threads()
    assert Engine(default_model(), num_threads=1).num_threads == 1
    with pytest.raises(OptionsError, match="num_threads"):
        Engine(default_model(), num_threads=0)


def test_run_and_in_place_inputs() -> None:
    engine = Engine(channel_mean_model(size=2))
    values = np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3)
    (means,) = engine.run(values)
    assert means == pytest.approx(np.array([[4.5, 5.5, 6.5]]))
    with engine.lock:
        engine.input_view(0)[...] = 1.0
        engine.invoke()
        assert engine.output(0) == pytest.approx(np.array([[1.0, 1.0, 1.0]]))


def test_resize_dynamic_input() -> None:
    engine = Engine(channel_mean_model(dynamic=True))
    assert engine.inputs[0].has_dynamic_shape
    engine.resize_input(0, (1, 3, 5, 3))
    assert engine.inputs[0].shape == (1, 3, 5, 3)
    (means,) = engine.run(np.ones((1, 3, 5, 3), np.float32))
    assert means == pytest.approx(np.array([[1.0, 1.0, 1.0]]))


def test_load_errors(tmp_path) -> None:
    with pytest.raises(ModelFileNotFoundError):
        Engine(tmp_path / "nope.tflite")
    with pytest.raises(ModelLoadError, match="not a file"):
        Engine(tmp_path)
    with pytest.raises(ModelLoadError, match="TFL3"):
        Engine(b"")
    with pytest.raises(ModelLoadError, match="file path or the model's bytes"):
        Engine(12345)  # type: ignore[arg-type]
    model = default_model()
    corrupt = bytearray(model)
    corrupt[8:64] = b"\xff" * 56
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        Engine(bytes(corrupt))


def test_unresolved_custom_ops_are_all_named() -> None:
    with pytest.raises(ModelLoadError) as e:
        Engine(data_path("text/smartreply/smartreply.tflite"))
    message = str(e.value)
    for op in ("Normalize", "ExtractFeatures", "Predict"):
        assert op in message


def test_pickle_keeps_bytes_and_threads(tmp_path) -> None:
    path = tmp_path / "m.tflite"
    path.write_bytes(default_model())
    engine = Engine(path, num_threads=1)
    clone = pickle.loads(pickle.dumps(engine))
    assert clone.model_bytes == engine.model_bytes and clone.num_threads == 1
    assert clone.source == str(path)
    values = np.full((1, 64, 64, 3), 0.5, np.float32)
    assert clone.run(values)[0] == pytest.approx(engine.run(values)[0])


def test_metadata_is_read_once() -> None:
    engine = Engine(data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"))
    assert engine.metadata is engine.metadata
    assert engine.metadata.model_metadata.name == "MobileNetV1 image classifier"
