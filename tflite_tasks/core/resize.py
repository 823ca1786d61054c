"""RGB resizing that reproduces libyuv's ``ARGBScale(..., kFilterBilinear)`` bit for bit.

The reference Task Library resizes RGB frames by RGB24ToARGB, ARGBScale (bilinear), ARGBToRGB24.
This module follows the same choice of path as libyuv's ``ScaleARGB`` for the two sizes
(``ScaleFilterReduce`` and ``ScaleSlope`` first, then: copy; 2x2 box for even integer factors,
``ScaleARGBDown2`` / ``ScaleARGBDownEven``; ``ScalePlaneVertical``; ``ScaleARGBBilinearUp``;
``ScaleARGBBilinearDown``; point sampling), with libyuv's 16.16 fixed-point positions and its
rounding: rows blend with 8-bit weights, ``(a * (256 - f) + b * f + 128) >> 8``, columns with the
7-bit weights of the SSSE3 blender, ``(a * (127 - f) + b * f) >> 7``, and the 2x2 box uses x86's
two rounding averages (SSE2 ``pavgb``) except for the last ``width % 4`` columns, which the C row
function does, ``(a + b + c + d + 2) >> 2`` (as libyuv's ``_Any_SSE2`` wrappers do).

Everything that depends only on the two sizes is computed once and cached; the pixel work is a
few whole-array numpy / OpenCV operations.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import NamedTuple

import cv2
import numpy as np
from numpy.lib.stride_tricks import as_strided

_NONE, _LINEAR, _BILINEAR = 0, 1, 2
_CACHE_SIZE = 4  # sizes whose plan and scratch arrays each thread keeps


def filter_reduce(src_w: int, src_h: int, dst_w: int, dst_h: int) -> int:
    """libyuv ``ScaleFilterReduce`` of kFilterBilinear: 0 none, 1 linear (columns), 2 bilinear."""
    mode = _BILINEAR
    if src_h == 1 or dst_h in (src_h, src_h / 3):
        mode = _LINEAR
    if src_w == 1 or (mode == _LINEAR and dst_w in (src_w, src_w / 3)):
        mode = _NONE
    return mode


def slope(src_w: int, src_h: int, dst_w: int, dst_h: int, mode: int) -> tuple[int, int, int, int]:
    """libyuv ``ScaleSlope``: 16.16 start and step ``(x, y, dx, dy)`` for ``mode``."""
    if mode == _NONE:
        dx, dy = (src_w << 16) // dst_w, (src_h << 16) // dst_h
        return dx >> 1, dy >> 1, dx, dy

    def axis(src: int, dst: int) -> tuple[int, int]:
        if dst <= src:
            step = (src << 16) // dst
            return (step >> 1) - 32768, step
        if src > 1 and dst > 1:
            return 0, ((src << 16) - 0x00010001) // (dst - 1)
        return 0, 0

    x, dx = axis(src_w, dst_w)
    if mode == _BILINEAR:
        y, dy = axis(src_h, dst_h)
    else:
        dy = (src_h << 16) // dst_h
        y = dy >> 1
    return x, y, dx, dy


class _Plan(NamedTuple):
    """What libyuv does for one (source size, target size): ``kind`` and precomputed taps."""

    kind: str  # "copy", "box", "vertical", "up", "down" or "point"
    rows: np.ndarray  # (2H,) both source rows of each output row, or (H,) one; box: (y0, sy)
    row_w: np.ndarray | None  # (H, 1) uint16 weight of the second row, 0..255; None: one row
    cols: np.ndarray  # (2W,) both source columns of each output column, or (W,); box: (x0, sx)
    col_w: np.ndarray | None  # (2W, 1) uint16 weights 127 - f then f; None: one column
    span: tuple[int, int]  # source rows read (first, last + 1), "up" only (rows are relative)


def _taps(start: int, step: int, n: int, size: int, limit: int, mode: int, bits: int
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """Source indices and weights of ``n`` 16.16 positions (clamped to ``limit``): one index
    each if not ``mode``, else both neighbours and the weights of ``bits``-bit blending."""
    pos = np.minimum(start + step * np.arange(n, dtype=np.int64), limit)
    first = (pos >> 16).astype(np.intp)
    if not mode:
        return first, None
    frac = (pos >> (16 - bits)) & ((1 << bits) - 1)
    both = np.concatenate([first, np.minimum(first + 1, size - 1)])
    if bits == 8:  # rows: weight of the second row only
        return both, frac.astype(np.uint16)[:, None]
    return both, np.concatenate([0x7F ^ frac, frac]).astype(np.uint16)[:, None]


def _make_plan(src_w: int, src_h: int, dst_w: int, dst_h: int) -> _Plan:
    mode = filter_reduce(src_w, src_h, dst_w, dst_h)
    x, y, dx, dy = slope(src_w, src_h, dst_w, dst_h, mode)
    none = np.zeros(0, np.intp)
    if ((dx | dy) & 0xFFFF) == 0:
        if not dx or not dy:
            mode = _NONE
        elif not (dx | dy) & 0x10000:  # ScaleARGBDown2 / ScaleARGBDownEven: 2x2 box
            return _Plan("box", np.array([y >> 16, dy >> 16]), None,
                         np.array([x >> 16, dx >> 16]), None, (0, src_h))
        elif dx & dy & 0x10000:
            mode = _NONE
            if dx == dy == 0x10000:
                return _Plan("copy", none, None, none, None, (0, src_h))
    cols, col_w = _taps(x, dx, dst_w, src_w, 1 << 62, mode, 7)
    if dx == 0x10000 and not x & 0xFFFF:  # ScalePlaneVertical
        kind, limit, cols, col_w = "vertical", max(((src_h - 1) << 16) - 1, 0), none, None
    elif mode == _NONE:  # ScaleARGBSimple
        kind, limit = "point", 1 << 62
    else:  # ScaleARGBBilinearUp / ScaleARGBBilinearDown
        kind, limit = ("up" if dy < 65536 else "down"), (src_h - 1) << 16
    rows, row_w = _taps(y, dy, dst_h, src_h, limit, mode == _BILINEAR, 8)
    span = (0, src_h)
    if kind == "up":
        span = (int(rows.min()), int(rows.max()) + 1)
        rows = rows - span[0]
    return _Plan(kind, rows, row_w, cols, col_w, span)


_local = threading.local()  # per thread: size key -> {"plan": _Plan, scratch arrays}


def _buf(work: dict, name: str, shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    """Scratch array ``name`` of one size and thread, kept between calls (fixed shape)."""
    array = work.get(name)
    if array is None:
        array = work[name] = np.empty(shape, dtype)
    return array


def _blend_rows(src: np.ndarray, plan: _Plan, work: dict, out: np.ndarray) -> np.ndarray:
    """Output rows from ``src`` (h, L) as ``plan`` says, into ``out`` (H, L)."""
    if plan.row_w is None:
        return np.take(src, plan.rows, axis=0, out=out, mode="clip")
    n = len(out)
    both = np.take(src, plan.rows, axis=0, out=_buf(work, "r8", (2 * n, out.shape[1])),
                   mode="clip")
    wide = _buf(work, "r16", both.shape, np.uint16)
    np.copyto(wide, both)
    # first*256 + (second-first)*f + 128 lies in [0, 65408], so it is exact modulo 2**16, and
    # its high byte is first + the high byte of (second-first)*f + 128, as wrapping bytes.
    rest = wide[n:]
    rest -= wide[:n]
    rest *= plan.row_w
    rest += 128
    np.right_shift(rest, 8, out=both[n:], casting="unsafe")
    return np.add(both[:n], both[n:], out=out)


def _pick_cols(cols: np.ndarray, plan: _Plan, work: dict, out: np.ndarray) -> np.ndarray:
    """Output columns from transposed ``cols`` (w, h * 3) as ``plan`` says, into ``out``
    (h, W, 3); the gathers are of rows, which is fast."""
    h = cols.shape[1] // 3
    picked = np.take(cols, plan.cols, axis=0, out=_buf(work, "c8", (len(plan.cols), h * 3)),
                     mode="clip")
    if plan.col_w is not None:
        n = len(plan.cols) // 2
        wide = _buf(work, "c16", picked.shape, np.uint16)
        np.copyto(wide, picked)
        wide *= plan.col_w
        np.add(wide[:n], wide[n:], out=wide[:n])
        picked = np.right_shift(wide[:n], 7, out=picked[:n], casting="unsafe")
    result = cv2.transpose(picked.reshape(-1, h, 3), dst=out)
    if result is not out:
        np.copyto(out, result)
    return out


def _filter_cols(img: np.ndarray, plan: _Plan, work: dict, out: np.ndarray) -> np.ndarray:
    """Output columns from ``img`` (h, w, 3) as ``plan`` says, into ``out`` (h, W, 3)."""
    h, w = img.shape[:2]
    cols = cv2.transpose(img, dst=_buf(work, "t", (w, h, 3)))
    return _pick_cols(cols.reshape(w, h * 3), plan, work, out)


def _pavg(a: np.ndarray, b: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """Per-byte rounding average ``(a + b + 1) >> 1`` of words (SSE2 ``pavgb``), into ``out``."""
    np.bitwise_xor(a, b, out=tmp)
    half = tmp.view(np.uint8)
    np.right_shift(half, 1, out=half)
    np.bitwise_or(a, b, out=out)
    return np.subtract(out, tmp, out=out)  # no byte borrows: (a | b) >= (a ^ b) >> 1 bytewise


def _box(src: np.ndarray, plan: _Plan, work: dict, out: np.ndarray) -> np.ndarray:
    """libyuv's 2x2 box of ``src`` (h, w, 3) at even integer steps, into ``out`` (H, W, 3)."""
    (y0, sy), (x0, sx) = plan.rows, plan.cols
    dst_h, dst_w = out.shape[:2]
    simd = dst_w & ~3
    # SIMD columns whose 8-byte word (this pixel, the next and 2 spare bytes) fits in the row.
    fast = min(simd, max(0, (src.shape[1] - 3 - x0) // sx + 1)) if sys.byteorder == "little" else 0
    if fast:
        shape, strides = (dst_h, fast), (src.strides[0] * sy, 3 * sx)
        top, bottom = _buf(work, "top", shape, np.uint64), _buf(work, "bottom", shape, np.uint64)
        for y, words in ((y0, top), (y0 + 1, bottom)):
            np.copyto(words, as_strided(src[y, x0:x0 + 3].reshape(-1)[:8].view(np.uint64),
                                        shape, strides))
        rows = _pavg(top, bottom, top, _buf(work, "tmp", shape, np.uint64))
        left, right = _buf(work, "left", shape, np.uint32), _buf(work, "right", shape, np.uint32)
        np.copyto(left, rows, casting="unsafe")
        np.copyto(right, rows.view(np.uint8).reshape(dst_h, fast, 8)[..., 3:7].view(np.uint32)
                  .reshape(shape))
        tmp = bottom.reshape(-1).view(np.uint32)[:left.size].reshape(shape)
        pixels = _pavg(left, right, left, tmp).view(np.uint8).reshape(dst_h, fast, 4)
        result = cv2.cvtColor(pixels, cv2.COLOR_RGBA2RGB, dst=out[:, :fast])
        if not np.shares_memory(result, out):
            out[:, :fast] = result
    if fast < dst_w:  # the few last columns, directly
        x, x_end, y_end = x0 + sx * fast, x0 + sx * dst_w, y0 + sy * dst_h
        a, b, c, d = (src[y:y_end:sy, x + dx:x_end:sx].astype(np.uint16)
                      for y in (y0, y0 + 1) for dx in (0, 1))
        out[:, fast:] = (a + b + c + d + 2) >> 2  # the C row function
        if fast < simd:
            pavg = (((a + c + 1) >> 1) + ((b + d + 1) >> 1) + 1) >> 1
            out[:, fast:simd] = pavg[:, :simd - fast]
    return out


def resize_like_libyuv(
    region: np.ndarray, width: int, height: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Resizes ``region`` (h, w, 3) uint8, any strides, to (height, width, 3) uint8 exactly as
    libyuv's ARGBScale with kFilterBilinear does; writes into ``out`` (height, width, 3) if given.
    """
    src_h, src_w = region.shape[:2]
    if region.strides[1:] != (3, 1):
        region = np.ascontiguousarray(region)
    dst = out if out is not None and out.flags.c_contiguous else np.empty(
        (height, width, 3), np.uint8)
    key = (src_w, src_h, width, height)
    works = _local.__dict__.setdefault("works", OrderedDict())
    work = works[key] = works.pop(key, None) or {"plan": _make_plan(*key)}  # now the newest
    if len(works) > _CACHE_SIZE:
        works.popitem(last=False)
    plan = work["plan"]
    flat = (region.reshape(src_h, src_w * 3) if region.strides[0] == src_w * 3
            else as_strided(region, (src_h, src_w * 3), (region.strides[0], 1)))
    if plan.kind == "copy":
        np.copyto(dst, region)
    elif plan.kind == "box":
        _box(region, plan, work, dst)
    elif plan.kind == "vertical":
        _blend_rows(flat, plan, work, dst.reshape(height, width * 3))
    elif plan.kind == "up":
        lo, hi = plan.span
        small = _filter_cols(region[lo:hi], plan, work, _buf(work, "up", (hi - lo, width, 3)))
        _blend_rows(small.reshape(hi - lo, width * 3), plan, work, dst.reshape(height, -1))
    else:  # "down", "point": rows first, then columns
        rows = _blend_rows(flat, plan, work, _buf(work, "down", (height, src_w * 3)))
        _filter_cols(rows.reshape(height, src_w, 3), plan, work, dst)
    if out is not None and dst is not out:
        np.copyto(out, dst)
        return out
    return dst
