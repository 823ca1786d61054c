"""Drawing results over their image: boxes, masks, class names and skeletons, with OpenCV.

Every function returns a new ``HxWx3`` ``uint8`` RGB image and leaves its input unchanged::

    from tflite_tasks.tasks.vision import drawing

    result = detector.detect("street.jpg")          # a DetectionResult
    annotated = drawing.draw("street.jpg", result)  # boxes and "car 0.87" tags
    drawing.save_image(annotated, "street_boxes.png")

Text is drawn with OpenCV's Hershey font, which has ASCII characters only: other characters
of a label show as ``?``.
"""

from __future__ import annotations

import colorsys
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tflite_tasks.core.containers import Category, ClassificationResult
from tflite_tasks.core.errors import InputError
from tflite_tasks.core.image import ImageLike, load_image
from tflite_tasks.tasks.vision.results import (
    KEYPOINT_NAMES,
    SKELETON_EDGES,
    Detection,
    DetectionResult,
    Pose,
    PoseResult,
    SegmentationResult,
    pascal_voc_palette,
)

Color = tuple[int, int, int]
"""An RGB colour, each channel in [0, 255]."""

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_detections(
    image: ImageLike,
    detections: DetectionResult | Sequence[Detection],
    *,
    color: Color | None = None,
    thickness: int | None = None,
    font_scale: float | None = None,
    show_score: bool = True,
) -> np.ndarray:
    """Draws each detection's box and a tag with its name and score ("cat 0.64").

    Args:
        image: the image the boxes refer to (anything :func:`load_image` accepts).
        detections: a :class:`DetectionResult` or a list of :class:`Detection`; boxes in
            pixels of ``image``, possibly reaching past its borders (drawn clipped).
        color: one RGB colour for every box; by default a colour per category index, the
            same in every image.
        thickness: box line width in pixels; default ``max(1, round(min(H, W) / 300))``.
        font_scale: OpenCV font scale of the tags; default ``max(0.35, min(H, W) / 900)``.
        show_score: adds the first category's score to its name.

    Returns:
        A new ``HxWx3`` ``uint8`` RGB image.
    """
    out = load_image(image).copy()
    height, width = out.shape[:2]
    if thickness is None:
        thickness = max(1, round(min(height, width) / 300))
    if font_scale is None:
        font_scale = _default_font_scale(out)
    if isinstance(detections, DetectionResult):
        detections = detections.detections
    tags = []
    for detection in detections:
        box = detection.bounding_box
        x0, y0 = box.origin_x, box.origin_y
        x1, y1 = x0 + box.width - 1, y0 + box.height - 1  # inclusive corner
        if x1 < max(x0, 0) or y1 < max(y0, 0) or x0 >= width or y0 >= height:
            continue  # empty, or wholly outside the image
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width - 1), min(y1, height - 1)
        top = detection.categories[0] if detection.categories else None
        box_color = color or category_color(top.index if top else 0)
        cv2.rectangle(out, (x0, y0), (x1, y1), box_color, thickness)
        if top is not None:
            text = _name(top) + (f" {top.score:.2f}" if show_score else "")
            tags.append((text, x0, y0, box_color))
    for text, x, y, tag_color in tags:  # after every box, so that no box line crosses a tag
        _draw_tag(out, text, x, y, tag_color, font_scale)
    return out


def draw_mask(
    image: ImageLike,
    mask: np.ndarray,
    colors: np.ndarray | Sequence[Color] | None = None,
    *,
    alpha: float = 0.5,
    background: int | None = 0,
) -> np.ndarray:
    """Blends a category mask over the image: ``(1 - alpha) * pixel + alpha * colors[class]``.

    Args:
        image: the image (anything :func:`load_image` accepts).
        mask: class indices, (h, w) of any integer dtype; resized to the image's size with
            nearest neighbours when it has another size (a mask at the model's size).
        colors: RGB colour of each class, (K, 3) with K above the mask's largest class;
            default :func:`pascal_voc_palette`.
        alpha: opacity of the colours, in [0, 1].
        background: class whose pixels stay unchanged; ``None`` blends every class.

    Returns:
        A new ``HxWx3`` ``uint8`` RGB image.
    """
    rgb = load_image(image)
    mask = _class_mask(mask)
    high = int(mask.max())
    colors = pascal_voc_palette(high + 1) if colors is None else _colors(colors)
    if high >= len(colors):
        raise InputError(
            f"mask holds class {high} but only {len(colors)} colors were given; pass at "
            f"least {high + 1}"
        )
    if not 0 <= alpha <= 1:
        raise InputError(f"alpha must lie in [0, 1], got {alpha!r}")
    colored = colors[mask]  # at the mask's size, then resized: fewer lookups
    keep = None if background is None else (mask == background).view(np.uint8)
    size = rgb.shape[1], rgb.shape[0]
    if mask.shape != rgb.shape[:2]:  # the value under each pixel's centre
        colored = cv2.resize(colored, size, interpolation=cv2.INTER_NEAREST_EXACT)
        keep = None if keep is None else cv2.resize(keep, size,
                                                    interpolation=cv2.INTER_NEAREST_EXACT)
    out = cv2.addWeighted(rgb, 1 - alpha, colored, alpha, 0.0)
    return out if keep is None else cv2.copyTo(rgb, keep, out)


def draw_segmentation(
    image: ImageLike,
    result: SegmentationResult,
    *,
    alpha: float = 0.5,
    background: int | None = 0,
    legend: bool = True,
) -> np.ndarray:
    """Draws a segmentation's category mask in its ``colored_labels``' colours.

    A result with confidence masks only is drawn from their per-pixel argmax. The legend, at
    the top right, names the classes present (but ``background``) beside their colour; see
    :func:`draw_mask` for ``alpha`` and ``background``.
    """
    mask = result.category_mask
    if mask is None:
        if result.confidence_masks is None:
            raise InputError("the SegmentationResult has neither a category mask nor "
                             "confidence masks: ask the segmenter for one of them")
        mask = np.argmax(result.confidence_masks, axis=0)
    mask = _class_mask(mask)
    colors = result.class_colors(int(mask.max()) + 1)
    out = draw_mask(image, mask, colors, alpha=alpha, background=background)
    if legend:
        seen = np.zeros(len(colors), bool)
        seen[mask] = True
        present = [i for i in np.flatnonzero(seen).tolist() if i != background]
        names = [result.class_name(i) or str(i) for i in present]
        _draw_panel(out, names, _default_font_scale(out), swatches=colors[present], right=True)
    return out


def draw_classifications(
    image: ImageLike, result: ClassificationResult, *, max_results: int = 3
) -> np.ndarray:
    """Writes each head's ``max_results`` best categories ("cheeseburger 0.99") at the top left,
    on a translucent dark tag; with several heads, each head's name comes first."""
    out = load_image(image).copy()
    lines = []
    for head in result.classifications:
        if len(result.classifications) > 1:
            lines.append(head.head_name or f"head {head.head_index}")
        best = sorted(head.categories, key=lambda c: c.score, reverse=True)[:max_results]
        lines += [f"{_name(c)} {c.score:.2f}" for c in best]
    _draw_panel(out, lines, _default_font_scale(out))
    return out


SIDE_COLORS: dict[str, Color] = {"left": (255, 150, 0), "right": (0, 200, 255),
                                  "centre": (255, 0, 255)}
"""Bone colours of :func:`draw_poses`: bones between two ``left_`` keypoints, two
``right_`` keypoints, and the others (face to shoulders, across the torso)."""


def draw_poses(
    image: ImageLike,
    poses: PoseResult | Sequence[Pose],
    *,
    edges: Sequence[tuple[str, str]] | None = None,
    min_keypoint_score: float = 0.0,
    thickness: int | None = None,
    show_boxes: bool = False,
) -> np.ndarray:
    """Draws each pose's skeleton: its bones (coloured by body side, :data:`SIDE_COLORS`)
    and its keypoints (white dots).

    Args:
        image: the image the keypoints refer to (anything :func:`load_image` accepts).
        poses: a :class:`PoseResult` or a list of :class:`Pose`, in pixels of ``image``.
        edges: the bones as pairs of keypoint names; default the COCO skeleton
            (:data:`~tflite_tasks.tasks.vision.results.SKELETON_EDGES`).
        min_keypoint_score: leave out keypoints (and their bones) scoring below this.
        thickness: bone width in pixels; default ``max(2, round(min(H, W) / 150))``.
        show_boxes: also draws each pose's bounding box and score.

    Returns:
        A new ``HxWx3`` ``uint8`` RGB image.
    """
    out = load_image(image).copy()
    if thickness is None:
        thickness = max(2, round(min(out.shape[:2]) / 150))
    if edges is None:
        edges = [(KEYPOINT_NAMES[a], KEYPOINT_NAMES[b]) for a, b in SKELETON_EDGES]
    if isinstance(poses, PoseResult):
        poses = poses.poses
    shift = 4  # sub-pixel positions: OpenCV's fixed-point coordinates with 4 bits
    for pose in poses:
        # OpenCV puts pixel centres at integers, keypoints at +0.5.
        points = {k.name: (round((k.x - 0.5) * 16), round((k.y - 0.5) * 16))
                  for k in pose.keypoints if k.score >= min_keypoint_score}
        for a, b in edges:
            if a in points and b in points:
                side = next((s for s in ("left", "right")
                             if a.startswith(s + "_") and b.startswith(s + "_")), "centre")
                cv2.line(out, points[a], points[b], SIDE_COLORS[side], thickness, cv2.LINE_AA,
                         shift)
        for point in points.values():
            cv2.circle(out, point, 16 * thickness, (255, 255, 255), cv2.FILLED, cv2.LINE_AA,
                       shift)
            cv2.circle(out, point, 16 * thickness, (40, 40, 40), 1, cv2.LINE_AA, shift)
    if show_boxes:
        boxes = [Detection(pose.bounding_box, [Category(0, pose.score, "person")])
                 for pose in poses]
        out = draw_detections(out, boxes, color=SIDE_COLORS["centre"])
    return out


DRAWERS: dict[type, Callable[..., np.ndarray]] = {
    DetectionResult: draw_detections,
    SegmentationResult: draw_segmentation,
    ClassificationResult: draw_classifications,
    PoseResult: draw_poses,
}
"""The drawer of each result type, used by :func:`draw`; add an entry to draw a new type."""


def draw(image: ImageLike, result: Any, **kwargs: Any) -> np.ndarray:
    """Draws ``result`` over ``image`` with the drawer of its type in :data:`DRAWERS`;
    ``kwargs`` go to that drawer."""
    for cls in type(result).__mro__:
        if cls in DRAWERS:
            return DRAWERS[cls](image, result, **kwargs)
    accepted = ", ".join(cls.__name__ for cls in DRAWERS)
    raise InputError(f"cannot draw an object of type {type(result).__qualname__!r}; "
                     f"pass one of {accepted}")


def encode_png(rgb: ImageLike) -> bytes:
    """Returns the image (``HxWx3`` ``uint8`` RGB, or anything :func:`load_image` accepts)
    encoded as PNG."""
    return cv2.imencode(".png", cv2.cvtColor(load_image(rgb), cv2.COLOR_RGB2BGR))[1].tobytes()


def save_image(rgb: ImageLike, path: str | os.PathLike) -> None:
    """Writes the image to ``path`` in the format of its extension (.png, .jpg, .bmp, .webp,
    .tiff, ...)."""
    bgr = cv2.cvtColor(load_image(rgb), cv2.COLOR_RGB2BGR)
    path = Path(path)
    try:
        ok, data = cv2.imencode(path.suffix, bgr)
    except cv2.error:
        ok = False
    if not ok:
        raise InputError(f"cannot save an image as {path.name!r}: end the file name with the "
                         f"extension of a format OpenCV writes, such as .png or .jpg")
    try:
        path.write_bytes(data.tobytes())
    except OSError as exc:
        raise InputError(f"cannot write image file {str(path)!r}: {exc.strerror or exc}; "
                         f"check that its folder exists and is writable") from exc


def category_color(index: int) -> Color:
    """Returns the colour of a category index: bright hues a golden angle apart, so that
    nearby indices differ and a class keeps its colour in every image."""
    red, green, blue = colorsys.hsv_to_rgb((index * 0.618033988749895) % 1.0, 0.8, 1.0)
    return round(red * 255), round(green * 255), round(blue * 255)


def _name(category: Category) -> str:
    return category.display_name or category.category_name or str(category.index)


def _default_font_scale(rgb: np.ndarray) -> float:
    return max(0.35, min(rgb.shape[:2]) / 900)


def _text_thickness(font_scale: float) -> int:
    return max(1, round(font_scale * 1.5))


def _text_color(background: Sequence[int]) -> Color:
    """Black or white, whichever contrasts more with ``background`` (WCAG 2 contrast ratio:
    black above a relative luminance of 0.179)."""
    srgb = np.asarray(background) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return (0, 0, 0) if linear @ (0.2126, 0.7152, 0.0722) > 0.179 else (255, 255, 255)


def _draw_tag(out: np.ndarray, text: str, x: int, y: int, color: Color, scale: float) -> None:
    """Draws ``text`` on a filled tag of ``color`` just above (x, y), or below it when there is
    no room above; the tag is moved inside the image."""
    weight = _text_thickness(scale)
    (text_w, text_h), base = cv2.getTextSize(text, _FONT, scale, weight)
    pad = max(2, round(3 * scale))
    tag_w, tag_h = text_w + 2 * pad, text_h + base + 2 * pad
    height, width = out.shape[:2]
    top = y - tag_h if y >= tag_h else y
    top, left = max(0, min(top, height - tag_h)), max(0, min(x, width - tag_w))
    cv2.rectangle(out, (left, top), (left + tag_w - 1, top + tag_h - 1), color, cv2.FILLED)
    cv2.putText(out, text, (left + pad, top + pad + text_h), _FONT, scale, _text_color(color),
                weight, cv2.LINE_AA)


def _draw_panel(out: np.ndarray, lines: list[str], scale: float, *,
                swatches: np.ndarray | None = None, right: bool = False) -> None:
    """Writes ``lines`` in white on a translucent dark panel in the top left (or right) corner,
    each after a square of its ``swatches`` colour if given."""
    if not lines:
        return
    weight = _text_thickness(scale)
    sizes = [cv2.getTextSize(line, _FONT, scale, weight) for line in lines]
    text_h = max(h for (_, h), _ in sizes)
    pad = max(2, round(4 * scale))
    row = text_h + max(base for _, base in sizes) + pad
    swatch = row - pad  # a square as high as the text
    indent = pad + (0 if swatches is None else swatch + pad)
    panel_w = indent + max(w for (w, _), _ in sizes) + pad
    left = max(0, out.shape[1] - panel_w) if right else 0
    region = out[: row * len(lines) + pad, left : left + panel_w]
    region[:] = (region * 0.35).astype(np.uint8)
    for i, line in enumerate(lines):
        top = pad + i * row
        if swatches is not None:
            cv2.rectangle(out, (left + pad, top), (left + pad + swatch - 1, top + swatch - 1),
                          swatches[i].tolist(), cv2.FILLED)
        cv2.putText(out, line, (left + indent, top + text_h), _FONT, scale, (255, 255, 255),
                    weight, cv2.LINE_AA)


def _class_mask(mask: np.ndarray) -> np.ndarray:
    """Checks that ``mask`` is a non-empty (H, W) array of class indices; bools become 0 and 1."""
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.dtype.kind not in "iub" or mask.size == 0:
        raise InputError(
            f"mask must be a non-empty (H, W) array of class indices (integers), got dtype "
            f"{mask.dtype} shape {mask.shape}; for (C, H, W) confidence masks pass "
            f"masks.argmax(axis=0)"
        )
    if mask.dtype.kind == "b":
        return mask.view(np.uint8)
    if mask.min() < 0:
        raise InputError(f"mask holds the negative class {mask.min()}; classes start at 0")
    return mask


def _colors(colors: np.ndarray | Sequence[Color]) -> np.ndarray:
    """Checks and returns colours as a (K, 3) uint8 array."""
    array = np.asarray(colors)
    if array.ndim != 2 or array.shape[1] != 3 or array.dtype.kind not in "iuf":
        raise InputError(f"colors must be (K, 3) RGB values, got shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() > 255):
        raise InputError("colors must have channels in [0, 255]")
    return array.astype(np.uint8)
