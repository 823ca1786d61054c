"""Where the benchmarks find the shared real models: ``$TFLITE_TASKS_TEST_DATA`` or
``../shared/models`` from the project root (the same rule as the tests)."""

import os
from pathlib import Path

DATA = Path(os.environ.get("TFLITE_TASKS_TEST_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "models"))
