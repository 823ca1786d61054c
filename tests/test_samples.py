"""The samples run: the notebook (executed by a real kernel) and the classify_folder app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from PIL import Image
from testdata import data_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
NOTEBOOK = SAMPLES / "image_classification.ipynb"
MOBILENET = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"


def _env(data_root: Path) -> dict[str, str]:
    """This environment, with the project importable and the test data at ``data_root``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["TFLITE_TASKS_TEST_DATA"] = str(data_root)
    return env


def _run_notebook(data_root: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(SAMPLES)}})
    client.execute(env=_env(data_root))  # raises CellExecutionError if a cell fails
    for cell in notebook.cells:
        assert all(o.output_type != "error" for o in cell.get("outputs", []))
    return notebook


def _text(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell printed or displayed as text or HTML."""
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(parts)


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_runs_without_the_shared_data(tmp_path) -> None:
    notebook = _run_notebook(tmp_path / "no-data-here")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    default_model_cell = next(c for c in code if "default-model" in c.metadata.get("tags", []))
    outputs = default_model_cell.outputs
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the captioned picture
    assert "blue" in _text(default_model_cell)
    assert "skipping" in "".join(_text(c) for c in code)


def test_notebook_classifies_the_burger_with_a_real_model() -> None:
    burger = data_path("vision/burger.jpg")
    data_path(MOBILENET)
    notebook = _run_notebook(burger.parent.parent)
    real = next(c for c in notebook.cells if "real-model" in c.metadata.get("tags", []))
    assert "cheeseburger" in _text(real)
    assert any("image/png" in o.get("data", {}) for o in real.outputs)


def _classify_folder(*args: str, data_root: Path) -> str:
    done = subprocess.run([sys.executable, str(SAMPLES / "classify_folder.py"), *args],
                          capture_output=True, text=True, env=_env(data_root), timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rows(table: str) -> dict[str, str]:
    """file name -> the rest of its table row."""
    return {line.split()[0]: line.split(None, 1)[1] for line in table.splitlines()[3:]}


def test_classify_folder_reports_colours_and_bad_files(tmp_path) -> None:
    Image.new("RGB", (64, 48), (220, 25, 25)).save(tmp_path / "first.png")
    Image.new("RGB", (48, 64), (25, 60, 220)).save(tmp_path / "second.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"this is not a JPEG file" * 10)
    (tmp_path / "notes.txt").write_text("not an image, and not listed")
    out = _classify_folder(str(tmp_path), "--max-results", "2", "--num-threads", "1",
                           data_root=tmp_path)
    assert "built-in dominant-colour classifier" in out
    rows = _rows(out)
    assert set(rows) == {"first.png", "second.jpg", "broken.jpg"}
    assert rows["first.png"].startswith("red ")
    assert rows["second.jpg"].startswith("blue ")
    assert "ERROR" in rows["broken.jpg"] and "not an image" in rows["broken.jpg"]


def test_classify_folder_with_a_real_model() -> None:
    burger = data_path("vision/burger.jpg")
    model = data_path(MOBILENET)
    out = _classify_folder(str(burger.parent), "--model", str(model), "--max-results", "1",
                           data_root=burger.parent.parent)
    assert _rows(out)["burger.jpg"].startswith("cheeseburger ")
