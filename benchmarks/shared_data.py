"""Where the benchmarks find the shared real models: ``$TFLITE_TASKS_TEST_DATA`` or
``../shared/models`` from the project root (the same rule as the tests)."""

import json
import os
import sys
from pathlib import Path

DATA = Path(os.environ.get("TFLITE_TASKS_TEST_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "models"))


def reference_cases(*tasks: str) -> list[tuple[str, dict, object]] | None:
    """``(case id, case, reference result)`` of the reference Task Library's cases of
    ``tasks`` ("classify", "audio", ...), or None (with a message) when the file is missing."""
    reference_file = DATA / "reference_outputs" / "task_library_0.4.4.json"
    if not reference_file.exists():
        print(f"reference outputs not found under {DATA}", file=sys.stderr)
        return None
    return [(case_id, entry["case"], entry["result"])
            for case_id, entry in json.loads(reference_file.read_text()).items()
            if entry["case"]["task"] in tasks]
