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


SSD = "vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"


def test_detect_json_and_annotated_picture(tmp_path, capsys) -> None:
    image = data_path("vision/cats_and_dogs.jpg")
    out = tmp_path / "annotated.png"
    assert main(["detect", str(data_path(SSD)), str(image), "--max-results", "3", "--json",
                 "--out", str(out), "--num-threads", "1"]) == 0
    text = capsys.readouterr().out
    records = json.loads(text[text.index("["):])
    detections = records[0]["detections"]
    assert [d["categories"][0]["category_name"] for d in detections] == ["cat"] * 3
    assert set(detections[0]["bounding_box"]) == {"origin_x", "origin_y", "width", "height"}
    import cv2

    drawn = cv2.imread(str(out))
    original = cv2.imread(str(image))
    assert drawn.shape == original.shape and (drawn != original).any()


def test_detect_several_images_into_a_folder_and_table(tmp_path, capsys) -> None:
    images = [str(data_path("vision/cats_and_dogs.jpg")), str(data_path("vision/table.jpg"))]
    assert main(["detect", str(data_path(SSD)), *images, "--score-threshold", "0.45",
                 "--out", str(tmp_path / "drawn")]) == 0
    out = capsys.readouterr().out
    assert "cat" in out and "knife" in out
    assert sorted(p.name for p in (tmp_path / "drawn").iterdir()) == [
        "cats_and_dogs_detected.png", "table_detected.png"]


def test_detect_rejects_a_classifier_with_a_clear_error(capsys) -> None:
    model = data_path("vision/mobilenet_v1_0.25_224_quant.tflite")
    assert main(["detect", str(model), str(data_path("vision/burger.jpg"))]) == 1
    assert "detector" in capsys.readouterr().err


def test_segment_mask_png_and_json(tmp_path, capsys) -> None:
    import cv2

    model = data_path("vision/deeplabv3.tflite")
    image = data_path("vision/segmentation_input_rotation0.jpg")
    out = tmp_path / "mask.png"
    assert main(["segment", str(model), str(image), "--out", str(out), "--mask", "classes",
                 "--model-size", "--json"]) == 0
    text = capsys.readouterr().out
    record = json.loads(text[text.index("["):])[0]
    assert (record["height"], record["width"]) == (257, 257)
    assert {c["index"] for c in record["classes"]} == {0, 13, 15}
    assert abs(sum(c["share"] for c in record["classes"]) - 1) < 1e-9
    mask = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)
    golden = cv2.imread(str(data_path("vision/segmentation_golden_rotation0.png")),
                        cv2.IMREAD_GRAYSCALE) // 10
    assert (mask == golden).mean() >= 0.98


def test_segment_colour_mask_at_image_size(tmp_path, capsys) -> None:
    import cv2

    image = data_path("vision/burger.jpg")
    out = tmp_path / "mask.png"
    assert main(["segment", str(data_path("vision/deeplabv3.tflite")), str(image),
                 "--out", str(out)]) == 0
    assert "dining table" in capsys.readouterr().out
    assert cv2.imread(str(out)).shape == cv2.imread(str(image)).shape


def test_embed_table_and_similarities(capsys) -> None:
    model = data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite")
    images = [str(data_path("vision/burger.jpg")), str(data_path("vision/burger-224.png")),
              str(data_path("vision/fox.jpeg"))]
    assert main(["embed", str(model), *images, "--l2-normalize"]) == 0
    out = capsys.readouterr().out
    assert "1001" in out and "cosine similarity" in out
    row = next(line for line in out.splitlines() if line.startswith("burger.jpg ")
               and "1.0000" in line)
    itself, resized, fox = (float(v) for v in row.split()[1:])
    assert itself == 1.0 and resized > 0.9 > fox


def test_embed_json_quantized(capsys) -> None:
    model = data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite")
    assert main(["embed", str(model), str(data_path("vision/burger.jpg")), "--quantize",
                 "--json"]) == 0
    text = capsys.readouterr().out
    vector = json.loads(text[text.index("["):])[0]["embeddings"][0]["embedding"]
    assert len(vector) == 1001 and all(isinstance(v, int) and -128 <= v <= 127 for v in vector)
