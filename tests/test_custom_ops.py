"""Custom ops written in Python: kernels, the registry, and split execution in graph order."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from nl_test_ops import NL_OPS, string_to_bools, string_to_floats
from testdata import data_path

from tflite_tasks import Engine, ModelLoadError, OptionsError
from tflite_tasks.core.custom_ops import (
    CustomOpError,
    register_custom_op,
    registered_custom_ops,
    unregister_custom_op,
)
from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.core.split_graph import decode_strings


def _text(value: str) -> np.ndarray:
    return np.array([value.encode()], dtype=object)


def test_unknown_custom_ops_name_every_op_and_the_way_to_register() -> None:
    with pytest.raises(ModelLoadError) as error:
        Engine(data_path("text/test_model_nl_classifier.tflite"))
    message = str(error.value)
    for name in NL_OPS:
        assert name in message
    assert "custom_ops=" in message and "register_custom_op" in message


def test_a_missing_kernel_is_named_among_the_given_ones() -> None:
    kernels = {"CUSTOM_OP_STRING_TO_FLOATS": string_to_floats}
    with pytest.raises(ModelLoadError) as error:
        Engine(data_path("text/test_model_nl_classifier.tflite"), custom_ops=kernels)
    message = str(error.value)
    assert "CUSTOM_OP_GENERATE_LABELS" in message and "CUSTOM_OP_STRING_TO_DOUBLES" in message
    assert "CUSTOM_OP_STRING_TO_FLOATS" not in message


def test_python_kernels_and_a_litert_builtin_in_graph_order() -> None:
    engine = Engine(data_path("text/test_model_nl_classifier.tflite"), custom_ops=NL_OPS)
    assert [s.name for s in engine.inputs] == ["INPUT"]
    assert engine.outputs[1].scale == 255.0 and engine.outputs[1].dtype == np.uint8
    floats, quantized, labels, doubles = engine.run(_text("255,510,765,1020"))
    assert floats.dtype == np.float32 and floats.tolist() == [255, 510, 765, 1020]
    assert quantized.tolist() == [1, 2, 3, 4]  # LiteRT's QUANTIZE (scale 255) ran on it
    assert labels.tolist() == [b"label0", b"label1", b"label2", b"label3"]
    assert doubles.dtype == np.float64 and doubles.tolist() == [255, 510, 765, 1020]
    # the next call sees new sizes through the whole graph
    floats, quantized, labels, _ = engine.run(_text("510,0"))
    assert quantized.tolist() == [2, 0] and labels.tolist() == [b"label0", b"label1"]


def test_bool_outputs() -> None:
    engine = Engine(data_path("text/test_model_nl_classifier_bool_output.tflite"),
                    custom_ops={"CUSTOM_OP_STRING_TO_BOOLS": string_to_bools})
    (bools,) = engine.run(_text("1,0,2"))
    assert bools.dtype == np.bool_ and bools.tolist() == [True, False, True]


def _sandwich(custom_options: bytes = b"opts") -> bytes:
    """x -> ADD 1 -> custom "Affine"(x, const) -> (MUL 3, second output) -> outputs."""
    g = GraphBuilder()
    x = g.input("x", (1, 4), np.float32)
    one = g.constant("one", np.ones((1, 4), np.float32))
    y = g.add_op("ADD", [x, one], (1, 4), np.float32)
    weights = g.constant("weights", np.array([1, 2, 3, 4], np.float32))
    z, count = g.add_custom_op("Affine", [y, weights], [((1, 4), np.float32), ((1,), np.int32)],
                               custom_options)
    three = g.constant("three", np.full((1, 4), 3, np.float32))
    out = g.add_op("MUL", [z, three], (1, 4), np.float32)
    return g.build(inputs=[x], outputs=[out, count])


def affine(inputs: list[np.ndarray], options: bytes) -> tuple[np.ndarray, list[int]]:
    """y * weights, and the number of option bytes (checks both arrive)."""
    y, weights = inputs
    return y * weights, [len(options)]


def test_builtins_around_a_kernel_with_constants_and_options() -> None:
    engine = Engine(_sandwich(b"12345"), custom_ops={"Affine": affine})
    product, count = engine.run(np.array([[0, 1, 2, 3]], np.float32))
    assert product.tolist() == [[3.0, 12.0, 27.0, 48.0]]  # ((x + 1) * w) * 3
    assert count.dtype == np.int32 and count.tolist() == [5]


def test_in_place_input_views_and_dynamic_inputs() -> None:
    engine = Engine(_sandwich(), custom_ops={"Affine": affine})
    with engine.lock:
        engine.input_view(0)[...] = 1.0
        engine.invoke()
        assert engine.output(0).tolist() == [[6.0, 12.0, 18.0, 24.0]]


def test_registry_and_precedence_of_options() -> None:
    assert "Affine" not in registered_custom_ops()
    try:
        @register_custom_op("Affine")
        def doubled(inputs: list[np.ndarray], options: bytes) -> tuple[np.ndarray, list[int]]:
            return inputs[0] * 2, [0]

        assert registered_custom_ops()["Affine"] is doubled
        (product, _) = Engine(_sandwich()).run(np.zeros((1, 4), np.float32))
        assert product.tolist() == [[6.0, 6.0, 6.0, 6.0]]
        engine = Engine(_sandwich(), custom_ops={"Affine": affine})  # options win
        assert engine.run(np.zeros((1, 4), np.float32))[0].tolist() == [[3, 6, 9, 12]]
    finally:
        unregister_custom_op("Affine")
    with pytest.raises(ModelLoadError, match="Affine"):
        Engine(_sandwich())


def test_kernel_failures_name_the_op() -> None:
    def failing(inputs: list[np.ndarray], options: bytes) -> list[np.ndarray]:
        raise ZeroDivisionError("boom")

    def one_output(inputs: list[np.ndarray], options: bytes) -> list[np.ndarray]:
        return [inputs[0]]

    def not_numbers(inputs: list[np.ndarray], options: bytes) -> list[object]:
        return [["a", "b"], [1]]

    for kernel, match in [(failing, "'Affine' .*failed: boom"),
                          (one_output, "returned 1 outputs; the op has 2"),
                          (not_numbers, "cannot be a float32 tensor")]:
        engine = Engine(_sandwich(), custom_ops={"Affine": kernel})
        with pytest.raises(CustomOpError, match=match):
            engine.run(np.zeros((1, 4), np.float32))


def test_bad_kernel_options() -> None:
    with pytest.raises(OptionsError, match="callable"):
        Engine(_sandwich(), custom_ops={"Affine": "not a function"})
    with pytest.raises(OptionsError, match="maps custom op names"):
        Engine(_sandwich(), custom_ops=[affine])


def test_engines_with_kernels_pickle() -> None:
    engine = Engine(_sandwich(), custom_ops={"Affine": affine})
    clone = pickle.loads(pickle.dumps(engine))
    assert clone.run(np.ones((1, 4), np.float32))[0].tolist() == [[6, 12, 18, 24]]


def test_decode_strings() -> None:
    raw = np.array([2, 0, 0, 0, 16, 0, 0, 0, 18, 0, 0, 0, 21, 0, 0, 0], np.uint8).tobytes()
    assert decode_strings(raw + b"hiyou").tolist() == [b"hi", b"you"]


def test_kernel_outputs_that_would_change_kind_or_overflow_are_refused() -> None:
    def returning(value: object):
        def kernel(inputs: list[np.ndarray], options: bytes) -> list[object]:
            return [inputs[0], value]
        return kernel

    for value, match in [([None], "object values"), ([1.5], "lose their kind"),
                         ([2**40], "outside the range"), (["1"], "not numbers"),
                         ([2**70], "object values")]:
        engine = Engine(_sandwich(), custom_ops={"Affine": returning(value)})
        with pytest.raises(CustomOpError, match=match):
            engine.run(np.zeros((1, 4), np.float32))

    def not_a_list(inputs: list[np.ndarray], options: bytes) -> str:
        return "ab"

    with pytest.raises(CustomOpError, match="list or tuple"):
        Engine(_sandwich(), custom_ops={"Affine": not_a_list}).run(np.zeros((1, 4), np.float32))


def test_inputs_are_copied_and_constants_are_read_only() -> None:
    def in_place(inputs: list[np.ndarray], options: bytes) -> tuple[np.ndarray, list[int]]:
        inputs[0] += 100  # the sum of ADD: a tensor of the model, not the caller's array
        assert not inputs[1].flags.writeable  # the weights constant
        return inputs[0] * inputs[1], [0]

    engine = Engine(_sandwich(), custom_ops={"Affine": in_place})
    x = np.zeros((1, 4), np.float32)
    first = engine.run(x)[0]
    assert x.tolist() == [[0, 0, 0, 0]] and engine.run(x)[0].tolist() == first.tolist()
    with pytest.raises(ValueError, match="resize it first"):
        engine.run(np.zeros((1, 5), np.float32))


def test_registered_kernels_travel_in_pickles() -> None:
    register_custom_op("Affine", affine)
    try:
        data = pickle.dumps(Engine(_sandwich()))
    finally:
        unregister_custom_op("Affine")
    clone = pickle.loads(data)  # the registry no longer has the kernel
    assert clone.run(np.ones((1, 4), np.float32))[0].tolist() == [[6, 12, 18, 24]]


def test_corrupt_models_with_kernels_are_load_errors() -> None:
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(_sandwich(), 0)
    model.subgraphs[0].operators[1].inputs = [2, 99]  # no tensor 99
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    with pytest.raises(ModelLoadError):
        Engine(bytes(builder.Output()), custom_ops={"Affine": affine})
