"""Where a model's input came from in the caller's image, to map outputs back onto it.

A vision task crops the caller's image to a region of interest, turns it clockwise by a
multiple of 90 degrees and resizes it to the model's input. :class:`Region` records the crop
and the turn; its methods take boxes and masks from the model's frame (normalized to
``[0, 1]`` of the turned region) back to pixels of the caller's image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tflite_tasks.core.containers import BoundingBox
from tflite_tasks.core.image import RegionOfInterest, clockwise_turn, region_values


@dataclass(frozen=True)
class Region:
    """A region ``(x, y, width, height)`` of an image, turned ``rotation`` degrees clockwise.

    Attributes:
        image_width, image_height: the caller's image size in pixels.
        x, y, width, height: the region in pixels of that image.
        rotation: 0, 90, 180 or 270, degrees clockwise.
    """

    image_width: int
    image_height: int
    x: int
    y: int
    width: int
    height: int
    rotation: int = 0

    @classmethod
    def of(cls, rgb: np.ndarray, roi: RegionOfInterest | None = None, rotation: int = 0) -> Region:
        """The region of ``rgb`` (HxWxC) that ``crop_and_rotate(rgb, roi, rotation)`` takes."""
        height, width = rgb.shape[:2]
        x, y, w, h = (0, 0, width, height) if roi is None else region_values(roi, width, height)
        return cls(width, height, x, y, w, h, clockwise_turn(rotation))

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) of the region once turned: what the model sees, before resizing."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def boxes_to_image(self, boxes: np.ndarray) -> np.ndarray:
        """Maps (N, 4) normalized ``(left, top, right, bottom)`` of the model's frame to int64
        ``(origin_x, origin_y, width, height)`` in image pixels.

        As the reference Task Library does: in the turned region's pixels the origin is
        truncated toward zero and the size rounded; that box is then turned back and offset
        by the region's origin. Boxes are not clipped to the image.
        """
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        w_up, h_up = self.upright_size
        left, top, right, bottom = boxes.T
        ox = np.trunc(left * w_up)
        oy = np.trunc(top * h_up)
        bw = np.rint(np.abs(right - left) * w_up)
        bh = np.rint(np.abs(bottom - top) * h_up)
        if self.rotation == 90:
            ox, oy, bw, bh = oy, self.height - ox - bw, bh, bw
        elif self.rotation == 180:
            ox, oy = self.width - ox - bw, self.height - oy - bh
        elif self.rotation == 270:
            ox, oy, bw, bh = self.width - oy - bh, ox, bh, bw
        return np.stack([ox + self.x, oy + self.y, bw, bh], axis=1).astype(np.int64)

    def points_to_image(self, points: np.ndarray) -> np.ndarray:
        """Maps (N, 2) ``(x, y)`` normalized to the turned region to (N, 2) float64 ``(x, y)``
        in image pixels (continuous: the image spans ``[0, width] x [0, height]``)."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        w_up, h_up = self.upright_size
        x, y = points[:, 0] * w_up, points[:, 1] * h_up
        if self.rotation == 90:
            x, y = y, self.height - x
        elif self.rotation == 180:
            x, y = self.width - x, self.height - y
        elif self.rotation == 270:
            x, y = self.width - y, x
        return np.stack([x + self.x, y + self.y], axis=1)

    def bounding_boxes(self, boxes: np.ndarray) -> list[BoundingBox]:
        """:meth:`boxes_to_image` as :class:`BoundingBox` objects."""
        return [BoundingBox(*row) for row in self.boxes_to_image(boxes).tolist()]

    def unturn(self, array: np.ndarray) -> np.ndarray:
        """Turns an (H, W[, C]) array of the model's frame back to the region's orientation
        (a view)."""
        return np.rot90(array, k=self.rotation // 90)  # np.rot90 turns counterclockwise

    @property
    def is_whole_image(self) -> bool:
        return (self.x, self.y, self.width, self.height) == (
            0, 0, self.image_width, self.image_height)
