"""The tflite-tasks command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from testdata import data_path

from tflite_tasks.cli import main


def test_classify_without_model_runs_the_default_on_demo_images(capsys) -> None:
    assert main(["classify"]) == 0
    out = capsys.readouterr().out
    assert "built-in dominant-colour classifier" in out
    rows = {line.split()[0] + " " + line.split()[1]: line for line in out.splitlines()
            if "(demo)" in line and " 1 " in line}
    assert "blue" in rows["sky (demo)"]
    assert "green" in rows["meadow (demo)"]


def test_classify_model_and_images_json(capsys) -> None:
    model = data_path("vision/mobilenet_v1_0.25_224_quant.tflite")
    images = [data_path("vision/burger.jpg"), data_path("vision/fox.jpeg")]
    assert main(["classify", str(model), *map(str, images), "--max-results", "2", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["image"] for r in results] == [str(i) for i in images]
    top = results[0]["classifications"][0]["categories"]
    assert len(top) == 2 and top[0]["category_name"] == "cheeseburger"


def test_classify_images_with_default_model(tmp_path, capsys) -> None:
    from PIL import Image

    path = tmp_path / "red.png"
    Image.new("RGB", (30, 20), (220, 25, 25)).save(path)
    assert main(["classify", str(path), "--max-results", "1", "--locale", "fr"]) == 0
    out = capsys.readouterr().out
    assert "red" in out and "rouge" in out and "red.png" in out


def test_classify_errors_are_plain(capsys, tmp_path) -> None:
    assert main(["classify", str(tmp_path / "missing.jpg")]) == 1
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"garbage" * 20)
    assert main(["classify", str(bad), str(data_path("vision/burger.jpg"))]) == 1
    assert "not a TFLite model" in capsys.readouterr().err


def test_inspect_shows_tensors_metadata_and_files(capsys) -> None:
    model = data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite")
    assert main(["inspect", str(model)]) == 0
    out = capsys.readouterr().out
    assert "[1, 224, 224, 3]" in out and "float32" in out
    assert '"name": "MobileNetV1 image classifier"' in out
    assert "labels.txt" in out
    assert main(["inspect", str(model), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["metadata"]["subgraph_metadata"][0]["output_tensor_metadata"][0][
        "name"] == "probability"
    assert document["associated_files"][0]["name"] == "labels.txt"
    assert document["tensors"][0]["shape"] == [1, 224, 224, 3]


def test_inspect_model_without_metadata(capsys) -> None:
    assert main(["inspect", str(data_path("vision/mobilenet_v1_0.25_224_1_default_1.tflite"))]) == 0
    assert "(none)" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["classify", "--help"]])
def test_console_script_runs(argv) -> None:
    done = subprocess.run([sys.executable, "-m", "tflite_tasks.cli", *argv],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "usage:" in done.stdout


def test_inspect_model_with_custom_ops_shows_metadata_and_fails(capsys) -> None:
    model = data_path("text/test_model_nl_classifier.tflite")
    assert main(["inspect", str(model)]) == 1
    out = capsys.readouterr().out
    assert "LiteRT cannot load this model" in out and "CUSTOM_OP_STRING_TO_FLOATS" in out
    assert "metadata:" in out


def test_json_has_no_nan_or_infinity() -> None:
    from tflite_tasks.cli.output import dump_json

    text = dump_json({"score": float("inf"), "values": [1.0, float("nan")]})
    assert json.loads(text) == {"score": None, "values": [1.0, None]}
