"""Where the benchmarks find the shared real models: ``$TFLITE_TASKS_TEST_DATA`` or
``../shared/models`` from the project root (the same rule as the tests)."""

import json
import os
import sys
from pathlib import Path

DATA = Path(os.environ.get("TFLITE_TASKS_TEST_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "models"))


def reference_entries() -> dict[str, dict] | None:
    """The reference Task Library's outputs by case id (``{"case": ..., "result": ...}``),
    or None (with a message) when the file is missing."""
    reference_file = DATA / "reference_outputs" / "task_library_0.4.4.json"
    if not reference_file.exists():
        print(f"reference outputs not found under {DATA}", file=sys.stderr)
        return None
    return json.loads(reference_file.read_text())
