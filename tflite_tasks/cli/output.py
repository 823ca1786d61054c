"""Plain-text tables and JSON for the command line."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any


def format_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], markdown: bool = False
) -> str:
    """Returns rows as left-aligned columns under ``header`` (a Markdown table if asked)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    if markdown:
        lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
                 for row in cells]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    return "\n".join(lines)


def files_table(files: Sequence[dict[str, Any]]) -> str:
    """The packed files of ``Metadata.file_summaries()`` as a table, ``  (none)`` if none."""
    if not files:
        return "  (none)"
    return format_table(["name", "bytes", "tensor"],
                        [[f["name"], f["bytes"], f["tensor"] or ""] for f in files])


def _finite(value: Any) -> Any:
    """Replaces NaN and infinities by None (strict JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def dump_json(value: Any) -> str:
    """Strict JSON (non-finite numbers become null), indented, UTF-8 kept."""
    return json.dumps(_finite(value), indent=2, ensure_ascii=False, allow_nan=False)
