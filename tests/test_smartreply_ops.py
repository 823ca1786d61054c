"""Tests of tflite_tasks.tasks.text.smartreply_ops: the Smart Reply model's custom ops.

Expected values come from TensorFlow Lite's C++ tests (tensorflow/lite/models/smartreply/ops/
*_test.cc), TensorFlow's Fingerprint64 tests, and LiteRT's own LSH_PROJECTION kernel, which
hashes with the same Fingerprint64.
"""

from __future__ import annotations

import re
import struct
import time

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from testdata import data_path

from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.tasks.text.smartreply_ops import (
    SMARTREPLY_OPS,
    extract_features,
    fingerprint64,
    normalize,
    normalize_text,
    predict,
    predict_options,
)


def strings(*values: bytes) -> np.ndarray:
    return np.array(values, dtype=object).reshape(len(values))


def run_normalize(text: bytes) -> bytes:
    (out,) = normalize([strings(text)], b"")
    assert out.dtype == object and out.shape == (1,)
    return out[0]


# ------------------------------------------------------------------------------- Normalize

@pytest.mark.parametrize(("text", "expected"), [
    # normalize_test.cc
    (b"I'm good; you're welcome", b"<S> i am good; you are welcome <E>"),
    (b"Hi!!!!", b"<S> hi ! <E>"),
    (b"", b"<S>  <E>"),
    # The C++ regexes, case by case
    (b"  How ARE you?? ", b"<S> how are you ? <E>"),
    (b'"Hello" (world). *x*', b"<S> hello world x <E>"),
    (b"what?!", b"<S> what ? ! <E>"),
    (b"hey?!?!", b"<S> hey ? ! ?! <E>"),  # ([?!])([?!]) pairs do not overlap
    (b"hello? bye", b"<S> hello ?  bye <E>"),
    (b"can't, won't", b"<S> ca not, wo not <E>"),  # ([^\s]+)n't keeps all but "n't"
    (b"don'tcan't", b"<S> don'tca not <E>"),  # greedy: only the last "n't" of a word
    (b"I 'm sure it 's", b"<S> i am sure it's <E>"),  # " 'm " joined, then "i'm"
    (b"they're we've you'll", b"<S> they are we have you will <E>"),
    (b"it 'nt x", b"<S> it not x <E>"),
    (b", - hi there & ;", b"<S> hi there <E>"),
    (b"x\x0b'll", b"<S> x\x0b will <E>"),  # \v is not RE2 whitespace
    (b"CAF\xc3\x89 ok", b"<S> caf\xc3\x89 ok <E>"),  # ASCII-only lower-casing
])
def test_normalize(text: bytes, expected: bytes) -> None:
    assert run_normalize(text) == expected


def test_normalize_truncates_to_300_bytes_without_end_token() -> None:
    assert run_normalize(b"a" * 300) == b"<S> " + b"a" * 300 + b" <E>"
    assert run_normalize(b"a" * 301) == b"<S> " + b"a" * 300
    # Bytes, not characters: a 2-byte character is cut in half.
    assert run_normalize(b"a" * 299 + "é".encode()) == b"<S> " + b"a" * 299 + b"\xc3"


def test_normalize_reads_the_first_string_and_takes_bytes_or_str() -> None:
    assert normalize([strings(b"Hi!", b"ignored")], b"")[0][0] == b"<S> hi ! <E>"
    assert normalize([np.array([b"Hi!"], dtype="S")], b"")[0][0] == b"<S> hi ! <E>"
    assert normalize([np.array(["Hi!"], dtype=object)], b"")[0][0] == b"<S> hi ! <E>"


# A literal transliteration of the C++ regexes (RE2 \s is [\t\n\f\r ], $ is the text's end).
_S = r"[\t\n\f\r ]"
_REFERENCE_STEPS = [
    (r'[.*()"]', ""),
    (_S + r"('t|'nt|n't|'d|'ll|'s|'m|'ve|'re)([\t\n\f\r ,;:/])", r"\1\2"),
    (_S + r"('t|'nt|n't|'d|'ll|'s|'m|'ve|'re)\Z", r"\1"),
    (r"([^\t\n\f\r ]+)'ll", r"\1 will"),
    (r"([^\t\n\f\r ]+)'nt", r"\1 not"),
    (r"([^\t\n\f\r ]+)'re", r"\1 are"),
    (r"([^\t\n\f\r ]+)'ve", r"\1 have"),
    (r"([^\t\n\f\r ]+)n't", r"\1 not"),
    (r"i'm", "i am"),
    (r"([?])+", r"\1"),
    (r"([!])+", r"\1"),
    (r"([^?!]+)([?!])", r"\1 \2 "),
    (r"([?!])([?!])", r"\1 \2"),
    (r"[\t\n\f\r ,:;\-&'\"]+\Z", ""),
    (r"\A[\t\n\f\r ,:;\-&'\"]+", ""),
]


def reference_normalize(text: bytes) -> bytes:
    result = text.lower().strip(b" \t\n\v\f\r")
    for pattern, replacement in _REFERENCE_STEPS:
        result = re.sub(pattern.encode(), replacement.encode(), result)
    result = result.strip(b" \t\n\v\f\r")
    result = result + b" <E>" if len(result) <= 300 else result[:300]
    return b"<S> " + result


def test_normalize_matches_the_literal_regexes_on_random_text() -> None:
    rng = np.random.default_rng(7)
    alphabet = np.frombuffer(b" \t\n\v'tnsmlrvedIi?!x,;-&\".", np.uint8)
    for _ in range(3000):
        text = rng.choice(alphabet, rng.integers(0, 25)).tobytes()
        assert normalize_text(text) == reference_normalize(text), text


def test_normalize_is_linear_on_long_words() -> None:
    # The literal ([^\s]+)n't backtracks quadratically (seconds at this size).
    start = time.perf_counter()
    assert run_normalize(b"a" * 50_000).startswith(b"<S> aaa")
    run_normalize(b"hey? " + b"b" * 50_000)
    assert time.perf_counter() - start < 1.0


# ------------------------------------------------------------------------- Fingerprint64

def test_fingerprint64_known_values() -> None:
    # tensorflow/core/platform/fingerprint_test.cc and string_to_hash_bucket_op_test.py
    got = fingerprint64([b"Hello", b"World", b"a", b"b", b"c", b"d", b""])
    assert got.dtype == np.uint64
    assert got.tolist() == [15404698994557526151, 18308117990299812472, 12917804110809363939,
                            11795596070477164822, 11430444447143000872, 4470636696479570465,
                            0x9AE16A3B2F90404F]


def lsh_sign_bits(seeds: np.ndarray, row: np.ndarray) -> np.ndarray:
    """LiteRT's dense LSH_PROJECTION of one uint8 row: bit i = Fingerprint64(seed_i + row) > 0
    as int64."""
    g = GraphBuilder()
    x = g.input("x", row.shape, np.uint8)
    y = g.add_op("LSH_PROJECTION", [g.constant("seeds", seeds), x], (seeds.shape[0],),
                 np.int32, ("LSHProjectionOptions", {"type": 2}))
    interpreter = Interpreter(model_content=g.build([x], [y]))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], row)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def test_fingerprint64_agrees_with_litert_lsh_projection_at_every_length_class() -> None:
    rng = np.random.default_rng(0)
    seeds = rng.standard_normal((64, 1)).astype(np.float32)
    for row_bytes in (1, 3, 4, 5, 12, 13, 20, 28, 29, 45, 60, 61, 62, 100, 124, 125, 250, 700):
        row = rng.integers(0, 256, (1, row_bytes), dtype=np.uint8)
        keys = [seed.tobytes() + row.tobytes() for seed in seeds]  # 4 + row_bytes long
        mine = (fingerprint64(keys).view(np.int64) > 0).astype(np.int32)
        np.testing.assert_array_equal(mine, lsh_sign_bits(seeds, row), err_msg=str(row_bytes))


# ----------------------------------------------------------------------- ExtractFeatures

def features(*ngrams: bytes) -> tuple[list[int], list[float]]:
    signature, weight = extract_features([strings(*ngrams)], b"")
    assert signature.dtype == np.int32 and weight.dtype == np.float32
    return signature.tolist(), weight.tolist()


def calc_feature(ngram: bytes) -> int:
    return int(fingerprint64([ngram])[0] % np.uint64(1_000_000))


def test_extract_features_regular_input() -> None:  # extract_feature_test.cc
    ngrams = [b"<S>", b"<S> Hi", b"Hi", b"Hi !", b"!", b"! <E>", b"<E>"]
    signature, weight = features(*ngrams)
    assert signature == [0, *map(calc_feature, ngrams[1:-1]), 0]
    assert signature == [0, 811448, 145870, 573169, 695986, 637276, 0]
    assert weight == [0, 2, 1, 2, 1, 2, 0]


def test_extract_features_one_zero_and_blocked_inputs() -> None:  # extract_feature_test.cc
    assert features(b"Hi") == ([calc_feature(b"Hi")], [1.0])
    assert features() == ([0], [0.0])
    assert features(b"<S>", b"<E>") == ([0, 0], [0.0, 0.0])
    assert features(b"<S> <E>", b"<S>  <E>", b"<s>")[0][0] == 0
    assert features(b"<S> <E>", b"<S>  <E>", b"<s>")[1] == [0.0, 3.0, 1.0]


def test_extract_features_weight_counts_spaces() -> None:
    assert features(b"a b c", b" ", b"", b"x  y", "é ü".encode())[1] == [3, 2, 1, 3, 2]


def test_extract_features_takes_fixed_width_bytes() -> None:
    fixed = extract_features([np.array([b"Hi", b"Hi !"], dtype="S")], b"")
    assert fixed[0].tolist() == features(b"Hi", b"Hi !")[0]


# ------------------------------------------------------------------------------- Predict

KEYS = np.array([1, 2, 4, 6, 7], np.int32)
LABELS = np.array([[11, 12]] * 5, np.int32)
WEIGHTS = np.array([[0.1, 0.2]] * 5, np.float32)


def options(num_output: int, threshold: float) -> bytes:
    return struct.pack("<if", num_output, threshold)


def run_predict(lookup, labels=LABELS, weights=WEIGHTS, num_output=2, threshold=0.0001,
                keys=KEYS) -> tuple[list[int], np.ndarray]:
    label, weight = predict([np.array(lookup, np.int32), keys, labels, weights],
                            options(num_output, threshold))
    assert label.dtype == np.int32 and weight.dtype == np.float32
    assert label.shape == weight.shape == (num_output,)
    return label.tolist(), weight


@pytest.mark.parametrize(("num_output", "threshold", "labels", "weights"), [
    (2, 0.0001, [12, 11], [0.1, 0.05]),  # AllLabelsAreValid
    (1, 0.0001, [12], [0.1]),  # MoreLabelsThanRequired
    (2, 0.07, [12, -1], [0.1, 0.0]),  # OneLabelDoesNotPassThreshold
    (2, 0.6, [-1, -1], [0.0, 0.0]),  # NoneLabelPassThreshold
])
def test_predict_cc_tests(num_output, threshold, labels, weights) -> None:
    label, weight = run_predict([1, 3, 7, 9], num_output=num_output, threshold=threshold)
    assert label == labels
    np.testing.assert_allclose(weight, weights, atol=1e-6)


def test_predict_only_one_or_no_label_generated() -> None:  # predict_test.cc
    labels = np.array([[11, 0]] * 5, np.int32)
    weights = np.array([[0.1, 0]] * 5, np.float32)
    label, weight = run_predict([1, 3, 7, 9], labels, weights)
    assert label == [11, -1]
    np.testing.assert_allclose(weight, [0.05, 0], atol=1e-6)
    labels[4], weights[4] = 0, 0
    label, weight = run_predict([5, 3, 7, 9], labels, weights)
    assert label == [-1, -1] and weight.tolist() == [0, 0]


def test_predict_counts_repeats_ties_by_label_and_empty_lookup() -> None:
    label, weight = run_predict([7, 7], num_output=3)  # the same row twice: 2 * w / 2
    assert label == [12, 11, -1]
    assert weight.tolist() == [np.float32(0.2), np.float32(0.1), 0]
    tied = np.array([[30, 20]] * 5, np.int32)
    assert run_predict([1], tied, np.ones((5, 2), np.float32))[0] == [20, 30]
    assert run_predict([], num_output=2)[0] == [-1, -1]
    assert run_predict([1, 2], num_output=0)[0] == []
    assert run_predict([0, 8, -5])[0] == [-1, -1]  # before, after and between the keys


def test_predict_sums_in_float32_in_input_order() -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 500, 300)).astype(np.int32)
    labels = rng.integers(0, 40, (keys.size, 5)).astype(np.int32)
    weights = rng.random((keys.size, 5), np.float32) * 3
    lookup = rng.integers(0, 500, 60).astype(np.int32)
    label, weight = predict([lookup, keys, labels, weights], options(30, 0.08))
    sums: dict[int, np.float32] = {}  # as the C++ loop: float += weight / num_input
    for signature in lookup:
        row = np.searchsorted(keys, signature)
        if row < keys.size and keys[row] == signature:
            for lab, w in zip(labels[row], weights[row], strict=True):
                sums[lab] = np.float32(sums.get(lab, np.float32(0)) + w / np.float32(60))
    ranked = sorted(sums.items(), key=lambda item: (-item[1], item[0]))[:30]
    expected = [(lab, w) if w >= np.float32(0.08) else (-1, 0) for lab, w in ranked]
    expected += [(-1, 0)] * (30 - len(expected))
    assert label.tolist() == [lab for lab, _ in expected]
    assert weight.tolist() == [float(w) for _, w in expected]  # bit-exact


def test_predict_options_layout() -> None:
    # The hosted model's bytes: int32 30, then float32 0.08, little-endian.
    assert predict_options(b"\x1e\x00\x00\x00\n\xd7\xa3=") == (30, float(np.float32(0.08)))


# ------------------------------------------------------------------------- Malformed input

@pytest.mark.parametrize(("kernel", "inputs", "custom_options", "message"), [
    (normalize, [], b"", "takes 1 input"),
    (normalize, [strings(b"a"), strings(b"b")], b"", "takes 1 input"),
    (normalize, [np.array([], dtype=object)], b"", "empty string tensor"),
    (normalize, [np.array([1, 2], np.int32)], b"", "dtype int32"),
    (normalize, [np.array([[b"a"]], dtype=object)], b"", "1-D"),
    (normalize, [np.array([b"a", 3], dtype=object)], b"", "element 1 is int"),
    (normalize, [None], b"", "None"),
    (extract_features, [], b"", "takes 1 input"),
    (extract_features, [np.array([[b"a", b"b"]], dtype=object)], b"", "1-D"),
    (extract_features, [np.zeros(3, np.float32)], b"", "dtype float32"),
    (predict, [np.array([1], np.int32), KEYS, LABELS], options(2, 0.1), "takes 4 input"),
    (predict, [np.array([1], np.int32), KEYS, LABELS, WEIGHTS], b"\x02\x00\x00\x00", "8 bytes"),
    (predict, [np.array([1], np.int32), KEYS, LABELS, WEIGHTS], b"", "got 0"),
    (predict, [np.array([1], np.int32), KEYS, LABELS, WEIGHTS], options(-1, 0.1), ">= 0"),
    (predict, [np.array([1], np.int64), KEYS, LABELS, WEIGHTS], options(2, 0.1), "int32"),
    (predict, [np.array([[1]], np.int32), KEYS, LABELS, WEIGHTS], options(2, 0.1), "1-D"),
    (predict, [np.array([1], np.int32), KEYS, LABELS, WEIGHTS.astype(np.float64)],
     options(2, 0.1), "float32"),
    (predict, [np.array([1], np.int32), KEYS[:4], LABELS, WEIGHTS], options(2, 0.1), "[R, K]"),
    (predict, [np.array([1], np.int32), KEYS, LABELS, WEIGHTS[:, :1]], options(2, 0.1),
     "[R, K]"),
    (predict, [np.array([1], np.int32), KEYS, LABELS, [0.1] * 5], options(2, 0.1), "list"),
])
def test_malformed_inputs_raise_value_error(kernel, inputs, custom_options, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        kernel(inputs, custom_options)


# ---------------------------------------------------------------------------- The model

def test_kernels_cover_the_smartreply_model() -> None:
    from ai_edge_litert import schema_py_generated as schema

    data = data_path("text/smartreply/smartreply.tflite").read_bytes()
    model = schema.Model.GetRootAs(data, 0)
    graph = model.Subgraphs(0)
    custom = {}
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        code = model.OperatorCodes(op.OpcodeIndex()).CustomCode()
        if code:
            custom[code.decode()] = op.CustomOptionsAsNumpy().tobytes() if (
                op.CustomOptionsLength()) else b""
    assert set(custom) == set(SMARTREPLY_OPS)
    assert predict_options(custom["Predict"]) == (30, float(np.float32(0.08)))
    keys = graph.Tensors(2)  # model_signature: Predict needs it ascending (lower_bound)
    assert keys.Name() == b"model_signature"
    table = np.frombuffer(model.Buffers(keys.Buffer()).DataAsNumpy().tobytes(), np.int32)
    assert table.size == 239952 and np.all(np.diff(table) > 0)
