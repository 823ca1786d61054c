"""Result containers shared by the tasks.

Plain dataclasses with the field names users know from the TFLite Task Library and
MediaPipe Tasks; each has ``to_dict()`` for JSON output.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NOT_IN_DICT = {"to_dict": False}
"""Field metadata of result fields that ``to_dict()`` leaves out (such as the input image)."""

OPTIONAL = {"omit_none": True}
"""Field metadata of result fields that ``to_dict()`` leaves out when they are None."""


def _plain(value: Any) -> Any:
    """Converts dataclasses, lists and numpy values to JSON-ready Python values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = ((f, getattr(value, f.name)) for f in dataclasses.fields(value)
                 if f.metadata.get("to_dict", True))
        return {f.name: _plain(item) for f, item in items
                if item is not None or not f.metadata.get("omit_none")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy array or scalar
        return value.tolist()
    return value


class _ToDict:
    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """Returns the result as nested dicts and lists of plain Python values."""
        return _plain(self)


@dataclass(frozen=True)
class BoundingBox(_ToDict):
    """An axis-aligned box in pixels: top-left corner, width and height."""

    origin_x: int
    origin_y: int
    width: int
    height: int

    def clipped(self, image_width: int, image_height: int) -> BoundingBox:
        """The part of the box inside a ``image_width`` x ``image_height`` image (detectors'
        boxes may extend past it), e.g. to use as a region of interest; may be empty."""
        left, top = min(max(self.origin_x, 0), image_width), min(max(self.origin_y, 0),
                                                                 image_height)
        right = min(max(self.origin_x + self.width, left), image_width)
        bottom = min(max(self.origin_y + self.height, top), image_height)
        return BoundingBox(left, top, right - left, bottom - top)


@dataclass(slots=True)  # slots: about half the cost of creating one (classifiers make many)
class Category(_ToDict):
    """One class of a classification head.

    Attributes:
        index: position of the class in the model output.
        score: the (calibrated, dequantized) score.
        category_name: the label from the label file, ``''`` when the model has none.
        display_name: the label in ``display_names_locale``, ``''`` when there is none.
    """

    index: int
    score: float
    category_name: str = ""
    display_name: str = ""


@dataclass
class Classifications(_ToDict):
    """The categories of one classification head (one output tensor), best first."""

    categories: list[Category] = field(default_factory=list)
    head_index: int = 0
    head_name: str = ""


@dataclass
class ClassificationResult(_ToDict):
    """One :class:`Classifications` per classification head of the model.

    ``timestamp_ms``: where the classified window starts in the audio, in milliseconds
    (audio classifiers only; ``None`` and left out of ``to_dict()`` otherwise).
    """

    classifications: list[Classifications] = field(default_factory=list)
    timestamp_ms: float | None = field(default=None, metadata=OPTIONAL)

    def _repr_html_(self) -> str:
        """Shows each head's categories as a bar chart in Jupyter."""
        parts = []
        for head in self.classifications:
            rows = []
            for c in head.categories:
                name = html.escape(c.display_name or c.category_name or str(c.index))
                width = max(1.0, 200 * min(max(c.score, 0.0), 1.0))
                bar = f"<div style='background:#4a90d9;height:0.9em;width:{width:.0f}px'></div>"
                rows.append(f"<tr><td style='text-align:right'>{c.index}</td><td>{name}</td>"
                            f"<td>{bar}</td><td>{c.score:.4f}</td></tr>")
            title = html.escape(head.head_name or f"head {head.head_index}")
            parts.append(f"<b>{title}</b><table>{''.join(rows)}</table>")
        when = (f"<div>window at {self.timestamp_ms:g} ms</div>"
                if self.timestamp_ms is not None else "")
        return when + ("".join(parts) or "<i>no classifications</i>")


@dataclass
class Embedding(_ToDict):
    """The feature vector of one output tensor.

    Attributes:
        embedding: the vector, float32 ``(D,)``; int8 ``(D,)`` when quantized
            (``round(v * 128)`` clamped to [-128, 127], after L2 normalization if asked).
        head_index: the output tensor's position.
        head_name: the output's metadata name, else its tensor name.
    """

    embedding: np.ndarray
    head_index: int = 0
    head_name: str = ""

    def __eq__(self, other: object) -> bool:
        """Equal heads with equal vectors (same dtype and values)."""
        if not isinstance(other, Embedding):
            return NotImplemented
        return ((self.head_index, self.head_name) == (other.head_index, other.head_name)
                and self.embedding.dtype == other.embedding.dtype
                and np.array_equal(self.embedding, other.embedding))


@dataclass
class EmbeddingResult(_ToDict):
    """One :class:`Embedding` per output tensor of the model.

    ``timestamp_ms``: where the embedded window starts in the audio, in milliseconds (audio
    embedders only; ``None`` and left out of ``to_dict()`` otherwise).
    """

    embeddings: list[Embedding] = field(default_factory=list)
    timestamp_ms: float | None = field(default=None, metadata=OPTIONAL)
