"""Python kernels of the Smart Reply model's custom ops: Normalize, ExtractFeatures, Predict.

They reproduce TensorFlow Lite's C++ kernels (``tensorflow/lite/models/smartreply/ops/``):

- ``Normalize``: string[1] -> string[1]. ASCII lower-casing, punctuation and contraction
  rewriting, ``?``/``!`` split off as tokens, then ``"<S> " + text + " <E>"``; texts longer
  than 300 bytes are cut to 300 bytes and get no ``" <E>"``.
- ``ExtractFeatures``: ngrams string[N] -> (feature int32[max(N, 1)], weight float32[max(N, 1)]).
  The feature is FarmHash ``Fingerprint64`` (farmhashna ``Hash64``) of the ngram's bytes
  modulo 1,000,000; the weight is the number of words (spaces + 1). The ngrams ``"<S>"``,
  ``"<E>"`` and ``"<S> <E>"`` get feature 0 and weight 0; no ngrams give one (0, 0).
- ``Predict``: (signature int32[N], keys int32[R] ascending, labels int32[R, K],
  weights float32[R, K]) -> (label int32[num_output], weight float32[num_output]).
  Each signature found among the keys adds ``weights[row] / N`` to its ``labels[row]``
  (float32 sums, in input order); labels are sorted by summed weight, descending (ties:
  ascending label; the C++ order of ties is unspecified). The first ``num_output`` are
  output, except that those below ``weight_threshold`` (and missing ones) become label -1,
  weight 0. Custom options: 8 bytes, little-endian int32 ``num_output`` then float32
  ``weight_threshold`` (the hosted model: 30, 0.08).

Strings are bytes throughout (RE2 and the C++ string functions work on UTF-8 bytes).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Sequence

import numpy as np

from tflite_tasks.core.custom_ops import Kernel

__all__ = [
    "RE2_SPACE",
    "SMARTREPLY_OPS",
    "extract_features",
    "fingerprint64",
    "normalize",
    "normalize_text",
    "predict",
    "predict_options",
]

# ---------------------------------------------------------------------------------------------
# Normalize

_ASCII_SPACE = b" \t\n\v\f\r"  # absl::ascii_isspace
RE2_SPACE = rb"\t\n\f\r "  # RE2's \s (no \v)
_EDGE_CHARS = b"\t\n\f\r ,:;-&'\""  # RE2 [\s,:;\-&'"]
_MAX_INPUT_CHARS = 300
_START, _END = b"<S>", b"<E>"

_CONTRACTIONS = rb"('t|'nt|n't|'d|'ll|'s|'m|'ve|'re)"
_NORMALIZE_STEPS: tuple[tuple[re.Pattern[bytes], bytes], ...] = tuple(
    (re.compile(pattern), replacement) for pattern, replacement in (
        (rb'[.*()"]', b""),
        (rb"[" + RE2_SPACE + rb"]" + _CONTRACTIONS + rb"([" + RE2_SPACE + rb",;:/])", rb"\1\2"),
        (rb"[" + RE2_SPACE + rb"]" + _CONTRACTIONS + rb"\Z", rb"\1"),
        # The C++ transforms come from a std::map, so they run in key order. C++ writes them
        # ([^\s]+)'ll etc.: their matches can only start where a word starts; the look-behind
        # says so (same results), which keeps Python's backtracking linear on long words.
        *((rb"(?<![^" + RE2_SPACE + rb"])([^" + RE2_SPACE + rb"]+)" + suffix, rb"\1 " + word)
          for suffix, word in ((rb"'ll", b"will"), (rb"'nt", b"not"), (rb"'re", b"are"),
                               (rb"'ve", b"have"), (rb"n't", b"not"))),
        (rb"i'm", b"i am"),
        (rb"([?])+", rb"\1"),
        (rb"([!])+", rb"\1"),
        # C++: ([^?!]+)([?!]); matches start where a run of other characters starts.
        (rb"(?<![^?!])([^?!]+)([?!])", rb"\1 \2 "),
        (rb"([?!])([?!])", rb"\1 \2"),
    )
)


def normalize_text(text: bytes) -> bytes:
    """The Normalize op on one sentence (UTF-8 bytes): ``b"Hi!!"`` -> ``b"<S> hi ! <E>"``."""
    result = text.lower().strip(_ASCII_SPACE)  # bytes.lower is ASCII-only, like absl's
    for pattern, replacement in _NORMALIZE_STEPS:
        result = pattern.sub(replacement, result)
    # C++: [\s,:;\-&'"]+$ and ^[\s,:;\-&'"]+ removed, then ASCII whitespace stripped.
    result = result.rstrip(_EDGE_CHARS).lstrip(_EDGE_CHARS).strip(_ASCII_SPACE)
    # Texts over 300 bytes are cut there (even inside a UTF-8 character) and get no end token.
    ending = result + b" " + _END if len(result) <= _MAX_INPUT_CHARS else result[:_MAX_INPUT_CHARS]
    return _START + b" " + ending


# ---------------------------------------------------------------------------------------------
# FarmHash Fingerprint64 (farmhashna::Hash64), vectorized over strings

_U = np.uint64
_K0, _K1, _K2 = _U(0xC3A5C85C97CB3127), _U(0xB492B66FBE98F273), _U(0x9AE16A3B2F90404F)
_MASK64 = (1 << 64) - 1
_SEED = 81
_LONG_Y = (_SEED * 0xB492B66FBE98F273 + 113) & _MASK64  # y = seed * k1 + 113

_Fetch = Callable[[np.ndarray], np.ndarray]
"""Reads the little-endian uint64 at each byte offset of an int64 array."""


def _rot(v: np.ndarray, shift: int) -> np.ndarray:
    return (v >> _U(shift)) | (v << _U(64 - shift))


def _shift_mix(v: np.ndarray) -> np.ndarray:
    return v ^ (v >> _U(47))


def _hash_len16(u: np.ndarray, v: np.ndarray, mul: np.ndarray) -> np.ndarray:
    a = _shift_mix((u ^ v) * mul)
    return _shift_mix((v ^ a) * mul) * mul


def _weak_hash32(
    fetch: _Fetch, pos: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """WeakHashLen32WithSeeds on the 32 bytes at ``pos``: a pair of uint64 arrays."""
    w, x, y, z = fetch(pos), fetch(pos + 8), fetch(pos + 16), fetch(pos + 24)
    a = a + w
    b = _rot(b + a + z, 21)
    c = a
    a = a + x + y
    return a + z, b + _rot(a, 44) + c


def _hash_len17to64(fetch: _Fetch, s: np.ndarray, n: np.ndarray, mul: np.ndarray,
                    short: bool) -> np.ndarray:
    """HashLen17to32 (``short``) or HashLen33to64 of the strings at ``s`` with lengths ``n``."""
    a = fetch(s) * (_K1 if short else _K2)
    b = fetch(s + 8)
    c = fetch(s + n - 8) * mul
    d = fetch(s + n - 16) * _K2
    y = _rot(a + b, 43) + _rot(c, 30) + d
    z = _hash_len16(y, a + _rot(b + _K2, 18) + c, mul)
    if short:
        return z
    e = fetch(s + 16) * mul
    f = fetch(s + 24)
    g = (y + fetch(s + n - 32)) * mul
    h = (z + fetch(s + n - 24)) * mul
    return _hash_len16(_rot(e + f, 43) + _rot(g, 30) + h, e + _rot(f + a, 18) + g, mul)


def _hash_long(fetch: _Fetch, s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Hash64 of strings longer than 64 bytes at offsets ``s`` with lengths ``n``."""
    zero = np.zeros(s.shape, np.uint64)
    y = zero + _U(_LONG_Y)
    z = _shift_mix(y * _K2 + _U(113)) * _K2
    x = (zero + _U(_SEED)) * _K2 + fetch(s)
    v0, v1, w0, w1 = zero, zero, zero, zero
    chunks = (n - 1) // 64  # >= 1
    for k in range(int(chunks.max())):
        live = k < chunks
        p = np.where(live, s + 64 * k, s)
        nx = _rot(x + y + v0 + fetch(p + 8), 37) * _K1
        ny = _rot(y + v1 + fetch(p + 48), 42) * _K1
        nx = nx ^ w1
        ny = ny + v0 + fetch(p + 40)
        nz = _rot(z + w0, 33) * _K1
        nv0, nv1 = _weak_hash32(fetch, p, v1 * _K1, nx + w0)
        nw0, nw1 = _weak_hash32(fetch, p + 32, nz + w1, ny + fetch(p + 16))
        x, y, z = (np.where(live, a, b) for a, b in ((nz, x), (ny, y), (nx, z)))  # swap(z, x)
        v0, v1, w0, w1 = (np.where(live, a, b)
                          for a, b in ((nv0, v0), (nv1, v1), (nw0, w0), (nw1, w1)))
    mul = _K1 + ((z & _U(0xFF)) << _U(1))
    p = s + n - 64
    w0 = w0 + ((n - 1) & 63).astype(np.uint64)
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rot(x + y + v0 + fetch(p + 8), 37) * mul
    y = _rot(y + v1 + fetch(p + 48), 42) * mul
    x = x ^ (w1 * _U(9))
    y = y + v0 * _U(9) + fetch(p + 40)
    z = _rot(z + w0, 33) * mul
    v0, v1 = _weak_hash32(fetch, p, v1 * mul, x + w0)
    w0, w1 = _weak_hash32(fetch, p + 32, z + w1, y + fetch(p + 16))
    x, z = z, x
    return _hash_len16(_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z,
                       _hash_len16(v1, w1, mul) + x, mul)


def fingerprint64(strings: Sequence[bytes]) -> np.ndarray:
    """FarmHash ``Fingerprint64`` of each byte string -> uint64[len(strings)]."""
    count = len(strings)
    n = np.fromiter(map(len, strings), np.int64, count)
    s = np.zeros(count, np.int64)
    np.cumsum(n[:-1], out=s[1:])
    data = np.frombuffer(b"".join(strings) + bytes(8), np.uint8)
    windows = np.lib.stride_tricks.sliding_window_view(data, 8)

    def fetch(pos: np.ndarray) -> np.ndarray:  # little-endian uint64 at each byte offset
        return np.ascontiguousarray(windows[pos]).view("<u8").ravel().astype(np.uint64)

    def fetch32(pos: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(windows[pos, :4]).view("<u4").ravel().astype(np.uint64)

    out = np.full(count, _K2, np.uint64)  # the hash of b""
    un = n.astype(np.uint64)
    mul = _K2 + un * _U(2)
    i = np.flatnonzero((n > 0) & (n < 4))
    if i.size:
        a, b, c = data[s[i]], data[s[i] + (n[i] >> 1)], data[s[i] + n[i] - 1]
        y = a.astype(np.uint64) + (b.astype(np.uint64) << _U(8))
        z = un[i] + (c.astype(np.uint64) << _U(2))
        out[i] = _shift_mix(y * _K2 ^ z * _K0) * _K2
    i = np.flatnonzero((n >= 4) & (n < 8))
    if i.size:
        out[i] = _hash_len16(un[i] + (fetch32(s[i]) << _U(3)), fetch32(s[i] + n[i] - 4), mul[i])
    i = np.flatnonzero((n >= 8) & (n <= 16))
    if i.size:
        a, b = fetch(s[i]) + _K2, fetch(s[i] + n[i] - 8)
        c = _rot(b, 37) * mul[i] + a
        d = (_rot(a, 25) + b) * mul[i]
        out[i] = _hash_len16(c, d, mul[i])
    for lo, hi in ((17, 32), (33, 64)):
        i = np.flatnonzero((n >= lo) & (n <= hi))
        if i.size:
            out[i] = _hash_len17to64(fetch, s[i], n[i], mul[i], hi == 32)
    i = np.flatnonzero(n > 64)
    if i.size:
        out[i] = _hash_long(fetch, s[i], n[i])
    return out


# ---------------------------------------------------------------------------------------------
# Kernels

_BLOCKED_NGRAMS = frozenset((_START, _END, _START + b" " + _END))
_MAX_DIMENSION = 1_000_000
_PREDICT_OPTIONS = struct.Struct("<if")


def _check_count(op: str, inputs: Sequence[np.ndarray | None], count: int) -> None:
    if len(inputs) != count:
        raise ValueError(f"{op} takes {count} input(s), got {len(inputs)}")


def _strings(op: str, value: np.ndarray | None) -> list[bytes]:
    """The bytes of a 0-D or 1-D string tensor (dtype object of bytes/str, or ``S``)."""
    array = np.asarray(value) if value is not None else None
    if array is None or array.ndim > 1:
        raise ValueError(f"{op} takes a 1-D string tensor, "
                         f"got {'None' if array is None else f'shape {array.shape}'}")
    if array.dtype.kind == "S":
        return array.ravel().tolist()
    if array.dtype != object and array.dtype.kind != "U":
        raise ValueError(f"{op} takes a string tensor (bytes), got dtype {array.dtype}")
    items = array.ravel().tolist()
    for k, item in enumerate(items):
        if isinstance(item, str):
            items[k] = item.encode("utf-8")
        elif not isinstance(item, bytes):
            raise ValueError(f"{op}: string tensor element {k} is {type(item).__name__}, "
                             "not bytes")
    return items


def _tensor(op: str, name: str, value: np.ndarray | None, dtype: type, ndim: int) -> np.ndarray:
    """``value`` as an array after checking its dtype and rank against the C++ kernel's."""
    if not isinstance(value, np.ndarray) or value.dtype != dtype or value.ndim != ndim:
        got = (f"dtype {value.dtype}, shape {value.shape}" if isinstance(value, np.ndarray)
               else type(value).__name__)
        raise ValueError(f"{op}: {name} must be a {ndim}-D {np.dtype(dtype).name} array, "
                         f"got {got}")
    return value


def normalize(inputs: Sequence[np.ndarray | None], custom_options: bytes) -> list[np.ndarray]:
    """Normalize: sentence string[1] -> normalized sentence string[1].

    Like the C++ kernel, only the first string of the input is read.
    """
    _check_count("Normalize", inputs, 1)
    strings = _strings("Normalize", inputs[0])
    if not strings:
        raise ValueError("Normalize takes one sentence, got an empty string tensor")
    return [np.array([normalize_text(strings[0])], dtype=object)]


def extract_features(
    inputs: Sequence[np.ndarray | None], custom_options: bytes
) -> list[np.ndarray]:
    """ExtractFeatures: ngrams string[N] -> feature int32[max(N, 1)], weight float32[max(N, 1)].

    feature = Fingerprint64(ngram) % 1,000,000; weight = number of words (spaces + 1);
    both 0 for the ngrams "<S>", "<E>", "<S> <E>" and for the single output of no ngrams.
    """
    _check_count("ExtractFeatures", inputs, 1)
    ngrams = _strings("ExtractFeatures", inputs[0])
    count = len(ngrams)
    features = np.zeros(max(count, 1), np.int32)
    weights = np.zeros(max(count, 1), np.float32)
    if count == 0:
        return [features, weights]
    valid = np.fromiter((g not in _BLOCKED_NGRAMS for g in ngrams), bool, count)
    features[valid] = (fingerprint64(ngrams) % _U(_MAX_DIMENSION)).astype(np.int32)[valid]
    lengths = np.fromiter(map(len, ngrams), np.int64, count)
    spaces = np.concatenate(([0], np.cumsum(np.frombuffer(b"".join(ngrams), np.uint8) == 32)))
    ends = np.cumsum(lengths)
    words = spaces[ends] - spaces[ends - lengths] + 1
    weights[valid] = words[valid]
    return [features, weights]


def predict_options(custom_options: bytes) -> tuple[int, float]:
    """(num_output, weight_threshold) from Predict's 8 bytes of custom options."""
    if len(custom_options) != _PREDICT_OPTIONS.size:
        raise ValueError(f"Predict custom options are {_PREDICT_OPTIONS.size} bytes (int32 "
                         f"num_output, float32 weight_threshold), got {len(custom_options)}")
    num_output, threshold = _PREDICT_OPTIONS.unpack(bytes(custom_options))
    if num_output < 0:
        raise ValueError(f"Predict num_output must be >= 0, got {num_output}")
    return num_output, threshold


def predict(inputs: Sequence[np.ndarray | None], custom_options: bytes) -> list[np.ndarray]:
    """Predict: (signature int32[N], keys int32[R] ascending, labels int32[R, K],
    weights float32[R, K]) -> label int32[num_output], weight float32[num_output].

    Rows whose key equals a signature vote ``weights / N`` (float32) for their labels,
    summed per label in input order; labels by descending sum (ties: ascending label),
    -1 and 0.0 past the labels or below the threshold.
    """
    op = "Predict"
    _check_count(op, inputs, 4)
    num_output, threshold = predict_options(custom_options)
    lookup = _tensor(op, "hash signatures (input 0)", inputs[0], np.int32, 1)
    keys = _tensor(op, "model keys (input 1)", inputs[1], np.int32, 1)
    labels = _tensor(op, "model labels (input 2)", inputs[2], np.int32, 2)
    weights = _tensor(op, "model weights (input 3)", inputs[3], np.float32, 2)
    if not keys.shape[0] == labels.shape[0] == weights.shape[0] or (
            labels.shape[1] != weights.shape[1]):
        raise ValueError(f"{op}: keys {keys.shape}, labels {labels.shape} and weights "
                         f"{weights.shape} must be [R], [R, K] and [R, K]")
    out_labels = np.full(num_output, -1, np.int32)
    out_weights = np.zeros(num_output, np.float32)
    rows = np.searchsorted(keys, lookup, side="left")  # std::lower_bound
    found = rows < keys.shape[0]
    found[found] = keys[rows[found]] == lookup[found]
    rows = rows[found]
    if rows.size == 0 or num_output == 0:
        return [out_labels, out_weights]
    votes = (weights[rows] / np.float32(lookup.shape[0])).ravel()
    voted, slots = np.unique(labels[rows].ravel(), return_inverse=True)
    sums = np.zeros(voted.shape[0], np.float32)
    np.add.at(sums, slots, votes)  # float32, one vote at a time in input order, as in C++
    order = np.argsort(-sums, kind="stable")[:num_output]
    keep = ~(sums[order] < np.float32(threshold))
    count = order.shape[0]
    out_labels[:count] = np.where(keep, voted[order], -1)
    out_weights[:count] = np.where(keep, sums[order], 0)
    return [out_labels, out_weights]


SMARTREPLY_OPS: dict[str, Kernel] = {
    "Normalize": normalize,
    "ExtractFeatures": extract_features,
    "Predict": predict,
}
"""The Smart Reply model's custom ops by name, for ``BaseOptions(custom_ops=...)``."""
