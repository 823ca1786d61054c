"""resize_like_libyuv against a slow transliteration of libyuv's C code and the real library."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from tflite_tasks.core.resize import resize_like_libyuv

# --- A slow reference, line by line from libyuv (source/scale_argb.cc, scale_common.cc,
# row_common.cc) for ARGBScale(..., kFilterBilinear); rows are lists of [r, g, b] lists.
NONE, LINEAR, BILINEAR = 0, 1, 2


def filter_reduce(sw: int, sh: int, dw: int, dh: int) -> int:
    filtering = BILINEAR
    if sh == 1:
        filtering = LINEAR
    if dh == sh or dh * 3 == sh:
        filtering = LINEAR
    if sw == 1:
        filtering = NONE
    if filtering == LINEAR and (sw == 1 or dw == sw or dw * 3 == sw):
        filtering = NONE
    return filtering


def fixed_div(num: int, div: int) -> int:
    return (num << 16) // div


def fixed_div1(num: int, div: int) -> int:
    quotient = abs((num << 16) - 0x00010001) // (div - 1)  # C division truncates toward zero
    return quotient if (num << 16) >= 0x00010001 else -quotient


def scale_slope(sw: int, sh: int, dw: int, dh: int, filtering: int) -> list[int]:
    x = y = dx = dy = 0
    if filtering == NONE:
        dx, dy = fixed_div(sw, dw), fixed_div(sh, dh)
        return [dx >> 1, dy >> 1, dx, dy]
    if dw <= sw:
        dx = fixed_div(sw, dw)
        x = (dx >> 1) - 32768
    elif sw > 1 and dw > 1:
        dx, x = fixed_div1(sw, dw), 0
    if filtering == LINEAR:
        dy = fixed_div(sh, dh)
        y = dy >> 1
    elif dh <= sh:
        dy = fixed_div(sh, dh)
        y = (dy >> 1) - 32768
    elif sh > 1 and dh > 1:
        dy, y = fixed_div1(sh, dh), 0
    return [x, y, dx, dy]


def interpolate_row(row0: list, row1: list | None, f: int) -> list:  # InterpolateRow_C
    if f == 0:
        return [list(p) for p in row0]
    pairs = zip(row0, row1, strict=True)
    if f == 128:  # HalfRow_C
        return [[(a + b + 1) >> 1 for a, b in zip(p, q, strict=True)] for p, q in pairs]
    return [[(a * (256 - f) + b * f + 128) >> 8 for a, b in zip(p, q, strict=True)]
            for p, q in pairs]


def filter_cols(row: list, dw: int, x: int, dx: int) -> list:  # ScaleARGBFilterCols_C
    out = []
    for _ in range(dw):
        xi, xf = x >> 16, (x >> 9) & 0x7F
        a = row[xi]
        b = row[xi + 1] if xi + 1 < len(row) else [0, 0, 0]
        assert xi + 1 < len(row) or xf == 0
        out.append([(pa * (0x7F ^ xf) + pb * xf) >> 7 for pa, pb in zip(a, b, strict=True)])
        x += dx
    return out


def point_cols(row: list, dw: int, x: int, dx: int) -> list:  # ScaleARGBCols_C
    out = []
    for _ in range(dw):
        out.append(list(row[x >> 16]))
        x += dx
    return out


def box_row(row0: list, row1: list, x: int, step: int, dw: int) -> list:
    """ScaleARGBRowDown2Box / ScaleARGBRowDownEvenBox as x86 runs them: the _Any_SSE2 wrapper
    does dw & ~3 pixels with pavgb (rows, then columns) and the rest with the C function."""
    out = []
    for i in range(dw):
        a, b = row0[x + i * step], row0[x + i * step + 1]
        c, d = row1[x + i * step], row1[x + i * step + 1]
        if i < dw & ~3:
            out.append([(((p + r + 1) >> 1) + ((q + s + 1) >> 1) + 1) >> 1
                        for p, q, r, s in zip(a, b, c, d, strict=True)])
        else:
            out.append([(p + q + r + s + 2) >> 2 for p, q, r, s in zip(a, b, c, d, strict=True)])
    return out


def reference_scale(src: np.ndarray, dw: int, dh: int) -> tuple[np.ndarray, str]:
    """ScaleARGB: returns the image and the name of the libyuv path taken."""
    sh, sw = src.shape[:2]
    rows = src.tolist()
    filtering = filter_reduce(sw, sh, dw, dh)
    x, y, dx, dy = scale_slope(sw, sh, dw, dh, filtering)
    if ((dx | dy) & 0xFFFF) == 0:
        if not dx or not dy:
            filtering = NONE
        elif not (dx & 0x10000) and not (dy & 0x10000):  # ScaleARGBDown2 / ScaleARGBDownEven
            path = "ScaleARGBDown2" if dx == 0x20000 else "ScaleARGBDownEven"
            out = [box_row(rows[(y >> 16) + j * (dy >> 16)], rows[(y >> 16) + j * (dy >> 16) + 1],
                           x >> 16, dx >> 16, dw) for j in range(dh)]
            return np.array(out, np.uint8), path
        elif (dx & 0x10000) and (dy & 0x10000):
            filtering = NONE
            if dx == 0x10000 and dy == 0x10000:  # ARGBCopy
                return src[y >> 16:(y >> 16) + dh, x >> 16:(x >> 16) + dw].copy(), "ARGBCopy"
    out = []
    if dx == 0x10000 and (x & 0xFFFF) == 0:  # ScalePlaneVertical
        max_y = ((sh - 1) << 16) - 1 if sh > 1 else 0
        for _ in range(dh):
            y = min(y, max_y)
            yi, yf = y >> 16, (y >> 8) & 255 if filtering else 0
            first, second = (rows[i][x >> 16:(x >> 16) + dw] if i < sh else None
                             for i in (yi, yi + 1))
            out += interpolate_row(first, second, yf)
            y += dy
        return np.array(out, np.uint8).reshape(dh, dw, 3), "ScalePlaneVertical"
    if filtering and dy < 65536:  # ScaleARGBBilinearUp, with its two row buffers
        max_y = (sh - 1) << 16
        y = min(y, max_y)
        yi = y >> 16
        src_row, lasty = yi, yi
        buffers = [filter_cols(rows[src_row], dw, x, dx)]
        if sh > 1:
            src_row += 1
        buffers.append(filter_cols(rows[src_row], dw, x, dx))
        src_row += 1
        current = 0  # rowptr; the other buffer is rowptr + rowstride
        for _ in range(dh):
            yi = y >> 16
            if yi != lasty:
                if y > max_y:
                    y = max_y
                    yi = y >> 16
                    src_row = yi
                if yi != lasty:
                    buffers[current] = filter_cols(rows[src_row], dw, x, dx)
                    current, lasty, src_row = 1 - current, yi, src_row + 1
            if filtering == LINEAR:
                out.append(interpolate_row(buffers[current], None, 0))
            else:
                out.append(interpolate_row(buffers[current], buffers[1 - current],
                                           (y >> 8) & 255))
            y += dy
        return np.array(out, np.uint8), "ScaleARGBBilinearUp"
    if filtering:  # ScaleARGBBilinearDown
        max_y = (sh - 1) << 16
        y = min(y, max_y)
        for _ in range(dh):
            yi = y >> 16
            if filtering == LINEAR:
                out.append(filter_cols(rows[yi], dw, x, dx))
            else:
                yf = (y >> 8) & 255
                row = interpolate_row(rows[yi], rows[yi + 1] if yf else None, yf)
                out.append(filter_cols(row, dw, x, dx))
            y = min(y + dy, max_y)
        return np.array(out, np.uint8), "ScaleARGBBilinearDown"
    for _ in range(dh):  # ScaleARGBSimple
        out.append(point_cols(rows[y >> 16], dw, x, dx))
        y += dy
    return np.array(out, np.uint8), "ScaleARGBSimple"


def pattern(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A noise image from an integer hash (independent of numpy's random streams)."""
    v = np.arange(height * width * 3, dtype=np.uint32) + np.uint32(seed * 7919)
    v ^= v >> np.uint32(16)
    v *= np.uint32(0x7FEB352D)
    v ^= v >> np.uint32(15)
    v *= np.uint32(0x846CA68B)
    v ^= v >> np.uint32(16)
    return (v & np.uint32(255)).astype(np.uint8).reshape(height, width, 3)


# (source w, h) -> (target w, h): every path, remainders of 4, 1-pixel edges.
SIZES = [
    ((48, 33), (22, 22)), ((33, 48), (20, 21)), ((40, 40), (20, 20)), ((42, 30), (21, 15)),
    ((40, 20), (10, 10)), ((48, 48), (8, 8)), ((36, 24), (6, 6)), ((30, 14), (5, 7)),
    ((36, 36), (12, 12)), ((36, 20), (12, 15)), ((20, 36), (15, 12)), ((24, 36), (12, 12)),
    ((10, 8), (23, 21)), ((8, 30), (23, 10)), ((30, 8), (10, 23)), ((16, 11), (16, 24)),
    ((16, 24), (16, 11)), ((16, 24), (16, 12)), ((16, 30), (16, 10)), ((11, 16), (24, 16)),
    ((1, 1), (5, 4)), ((1, 9), (4, 3)), ((9, 1), (4, 3)), ((9, 1), (4, 1)), ((1, 9), (1, 4)),
    ((7, 7), (1, 1)), ((8, 8), (1, 1)), ((2, 2), (1, 1)), ((3, 3), (1, 1)), ((2, 13), (1, 13)),
    ((13, 2), (13, 1)), ((17, 13), (17, 13)), ((5, 3), (17, 11)), ((17, 3), (5, 11)),
    ((64, 2), (32, 1)), ((2, 64), (1, 32)), ((50, 30), (49, 29)), ((7, 50), (3, 49)),
    ((48, 32), (12, 16)), ((26, 30), (13, 15)), ((27, 18), (9, 6)), ((44, 31), (17, 31)),
]


@pytest.mark.parametrize(("src", "dst"), SIZES, ids=[f"{s[0]}x{s[1]}-{d[0]}x{d[1]}"
                                                      for s, d in SIZES])
def test_matches_the_libyuv_transliteration(src: tuple[int, int], dst: tuple[int, int]) -> None:
    image = pattern(src[1], src[0], seed=src[0] * 31 + dst[1])
    expected, _ = reference_scale(image, *dst)
    np.testing.assert_array_equal(resize_like_libyuv(image, *dst), expected)


def test_the_sizes_cover_every_libyuv_path() -> None:
    paths = {reference_scale(pattern(s[1], s[0]), *d)[1] for s, d in SIZES}
    assert paths == {"ScaleARGBDown2", "ScaleARGBDownEven", "ARGBCopy", "ScalePlaneVertical",
                     "ScaleARGBBilinearUp", "ScaleARGBBilinearDown", "ScaleARGBSimple"}


@pytest.mark.parametrize(("src", "dst"), [((480, 325), (224, 224)), ((600, 300), (150, 150)),
                                          ((240, 162), (224, 224))])
def test_matches_the_transliteration_at_model_sizes(src: tuple[int, int],
                                                    dst: tuple[int, int]) -> None:
    image = pattern(src[1], src[0], seed=5)
    np.testing.assert_array_equal(resize_like_libyuv(image, *dst), reference_scale(image, *dst)[0])


# CRC-32 of what the real tflite-support 0.4.4 Task Library (x86-64 wheel; an ImageEmbedder
# whose model only casts and reshapes its uint8 input) fed its model for pattern(h, w, seed=i).
REAL_LIBRARY = [
    ((480, 325), (224, 224), 0x96954A4A), ((1200, 600), (300, 300), 0x0D270A52),
    ((600, 300), (150, 150), 0xE7EE0EA7), ((450, 300), (225, 150), 0x49D2FB90),
    ((514, 514), (257, 257), 0xF2ED5E87), ((1344, 1344), (224, 224), 0x224635B4),
    ((672, 672), (224, 224), 0xE774C018), ((500, 672), (224, 224), 0x22123EF2),
    ((672, 500), (224, 224), 0x2D9A4322), ((224, 150), (224, 224), 0x5C58E632),
    ((224, 450), (224, 150), 0x8C03603A), ((100, 80), (224, 224), 0x3BAFBEA6),
    ((240, 162), (224, 224), 0xEA138098), ((300, 100), (224, 224), 0xC3338232),
    ((100, 300), (224, 224), 0xEBDEAEA1), ((7, 5), (257, 257), 0x6FDFE886),
    ((480, 325), (7, 5), 0xE48057DA), ((300, 300), (1, 1), 0x4DFA013F),
    ((2, 224), (1, 224), 0xDED74C52), ((448, 672), (224, 224), 0x2E066F55),
    ((150, 224), (224, 224), 0xFA0B52EB), ((1280, 851), (224, 224), 0x05229682),
    ((902, 358), (300, 300), 0x7B6B6BDC), ((257, 257), (257, 257), 0x006029AA),
]


@pytest.mark.parametrize("index", range(len(REAL_LIBRARY)))
def test_matches_the_real_task_library(index: int) -> None:
    (sw, sh), (dw, dh), crc = REAL_LIBRARY[index]
    result = resize_like_libyuv(pattern(sh, sw, index), dw, dh)
    assert result.shape == (dh, dw, 3)
    assert zlib.crc32(result.tobytes()) == crc


def test_views_strides_and_out() -> None:
    big = pattern(400, 700, seed=3)
    crop = big[37:362, 101:581]  # 480x325, rows strided
    expected = resize_like_libyuv(np.ascontiguousarray(crop), 224, 224)
    np.testing.assert_array_equal(resize_like_libyuv(crop, 224, 224), expected)
    out = np.zeros((224, 224, 3), np.uint8)
    assert resize_like_libyuv(crop, 224, 224, out) is out
    np.testing.assert_array_equal(out, expected)
    wide = np.zeros((224, 300, 3), np.uint8)  # a non-contiguous out
    assert resize_like_libyuv(crop, 224, 224, wide[:, 50:274]) is not None
    np.testing.assert_array_equal(wide[:, 50:274], expected)
    flipped = np.ascontiguousarray(crop[::-1, :, ::-1])
    np.testing.assert_array_equal(resize_like_libyuv(crop[::-1, :, ::-1], 224, 224),
                                  resize_like_libyuv(flipped, 224, 224))
    for (sw, sh), (dw, dh) in [((600, 300), (150, 150)), ((448, 448), (224, 224))]:
        box = big[:sh, 7:7 + sw]  # box windows stop at the end of each row
        np.testing.assert_array_equal(resize_like_libyuv(box, dw, dh),
                                      reference_scale(np.ascontiguousarray(box), dw, dh)[0])


def test_same_size_is_a_copy() -> None:
    image = pattern(9, 11)
    result = resize_like_libyuv(image, 11, 9)
    np.testing.assert_array_equal(result, image)
    assert not np.shares_memory(result, image)


def test_threads_keep_their_own_scratch_arrays() -> None:
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(pattern(33 + k % 5, 47 + k % 7, k), 20 + k % 3, 17 + k % 4) for k in range(40)]
    expected = [reference_scale(image, w, h)[0] for image, w, h in jobs]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda job: resize_like_libyuv(*job), jobs * 5))
    for k, result in enumerate(results):
        np.testing.assert_array_equal(result, expected[k % len(jobs)])
