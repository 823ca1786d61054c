"""The tflite-tasks command line."""

from __future__ import annotations

import io
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


@pytest.mark.parametrize("argv", [["--help"], ["classify", "--help"], ["classify-text", "--help"],
                                  ["reply", "--help"], ["classify-audio", "--help"]])
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


NL_CLASSIFIER = "text/test_model_nl_classifier_with_regex_tokenizer.tflite"
REVIEW = "This is the best movie I've seen in recent years. Strongly recommend it!"
SMART_REPLY = "text/smartreply/smartreply.tflite"


def _table_rows(out: str) -> list[list[str]]:
    """The data rows of the tables in ``out`` (lines starting with a rank)."""
    return [line.split() for line in out.splitlines() if line[:1].isdigit()]


def test_classify_text_table(capsys) -> None:
    assert main(["classify-text", str(data_path(NL_CLASSIFIER)), REVIEW, "--num-threads",
                 "1"]) == 0
    out = capsys.readouterr().out
    assert f"text: {REVIEW}" in out and "category" in out
    assert _table_rows(out) == [["1", "1", "Positive", "0.5220"],
                                ["2", "0", "Negative", "0.4780"]]


def test_classify_text_json_several_texts(capsys) -> None:
    texts = [REVIEW, "What a waste of time.", ""]
    assert main(["classify-text", str(data_path(NL_CLASSIFIER)), *texts, "--json",
                 "--max-results", "1"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in records] == texts
    top = records[0]["result"]["classifications"][0]["categories"]
    assert len(top) == 1 and top[0]["category_name"] == "Positive"
    assert round(top[0]["score"], 3) == 0.522
    assert all(len(r["result"]["classifications"][0]["categories"]) == 1 for r in records)


def test_classify_text_reads_stdin_lines(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{REVIEW}\n\ngreat movie\r\n"))
    assert main(["classify-text", str(data_path(NL_CLASSIFIER)), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in records] == [REVIEW, "great movie"]
    monkeypatch.setattr("sys.stdin", io.StringIO("great movie\nawful movie\n"))
    assert main(["classify-text", str(data_path(NL_CLASSIFIER))]) == 0
    out = capsys.readouterr().out
    assert "text: great movie" in out and "text: awful movie" in out
    assert len(_table_rows(out)) == 4
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["classify-text", str(data_path(NL_CLASSIFIER))]) == 1
    assert "no text to classify" in capsys.readouterr().err


def test_classify_text_errors_are_plain(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"garbage" * 20)
    assert main(["classify-text", str(bad), "hello"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tflite-tasks classify-text: error:") and "not a TFLite model" in err
    assert "Traceback" not in err
    assert main(["classify-text", str(data_path(NL_CLASSIFIER)), "hi", "--vocab-file",
                 str(tmp_path / "missing.txt"), "--tokenizer", "regex"]) == 1
    assert capsys.readouterr().err.startswith("tflite-tasks classify-text: error:")


def test_reply_table_lists_the_models_replies_then_backoff(capsys) -> None:
    assert main(["reply", str(data_path(SMART_REPLY)), "how are you doing?"]) == 0
    rows = _table_rows(capsys.readouterr().out)
    assert len(rows) == 10
    assert " ".join(rows[0][1:-2]) == "Great and you?" and rows[0][-1] == "no"
    assert rows[-1][-1] == "yes"  # filled up from backoff_response.txt beside the model


def test_reply_json_conversation_and_max_replies(capsys) -> None:
    model = str(data_path(SMART_REPLY))
    assert main(["reply", model, "how are you doing?", "--max-replies", "3", "--json"]) == 0
    replies = json.loads(capsys.readouterr().out)["replies"]
    assert len(replies) == 3 and replies[0] == {
        "text": "Great and you?", "score": pytest.approx(0.1162, abs=1e-4), "backoff": False}
    assert main(["reply", model, "hi", "how are you doing?", "--json"]) == 0
    conversation = json.loads(capsys.readouterr().out)["replies"]
    assert len(conversation) == 10 and conversation[0]["text"] != "Great and you?"


def test_reply_interactive_from_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("how are you doing?\nsee you tomorrow\n"))
    assert main(["reply", str(data_path(SMART_REPLY)), "--max-replies", "3"]) == 0
    out = capsys.readouterr().out
    assert "Ctrl-D" not in out  # the hint is for terminals only
    first, second = out.split("you> ")[1:]
    assert first.splitlines()[:2] == ["how are you doing?", "  1. Great and you?"]
    assert second.startswith("see you tomorrow\n")
    assert len(first.splitlines()) == len(second.splitlines()) == 4
    monkeypatch.setattr("sys.stdin", io.StringIO("how are you doing?\nquit\nnever read\n"))
    assert main(["reply", str(data_path(SMART_REPLY)), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("you> ") == 2 and "never read" not in out
    assert '"Great and you?"' in out


def test_reply_backoff_file(tmp_path, capsys) -> None:
    backoff = tmp_path / "backoff.txt"
    backoff.write_text("Sure thing\nNo idea\n", encoding="utf-8")
    model = str(data_path(SMART_REPLY))
    assert main(["reply", model, "how are you doing?", "--backoff", str(backoff),
                 "--json"]) == 0
    replies = json.loads(capsys.readouterr().out)["replies"]
    assert [(r["text"], r["backoff"]) for r in replies] == [
        ("Great and you?", False), ("I am doing great", False), ("Sure thing", True),
        ("No idea", True)]
    assert main(["reply", model, "hi", "--backoff", str(tmp_path / "missing.txt")]) == 1
    assert "--backoff file not found" in capsys.readouterr().err


def test_reply_rejects_another_model(capsys) -> None:
    assert main(["reply", str(data_path(NL_CLASSIFIER)), "hi"]) == 1
    assert "Smart Reply model" in capsys.readouterr().err


YAMNET = "audio/yamnet_audio_classifier_with_metadata.tflite"
SPEECH = "audio/speech.wav"


def test_classify_audio_table_has_a_row_per_category_of_each_window(capsys) -> None:
    assert main(["classify-audio", str(data_path(YAMNET)), str(data_path(SPEECH)),
                 "--num-threads", "1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("file: speech.wav (4.272 s, 16000 Hz, 1 channel): 5 windows "
                                   "of 975 ms, hop 975 ms")
    rows = _table_rows(out)
    assert len(rows) == 15  # 5 windows x 3 categories (the default --max-results)
    assert rows[0] == ["0", "1", "0", "Speech", "0.9180"]
    tops = [row for row in rows if row[1] == "1"]
    assert [row[0] for row in tops] == ["0", "975", "1950", "2925", "3900"]
    assert [row[3] for row in tops[:4]] == ["Speech"] * 4


def test_classify_audio_json_windows_and_hop(capsys) -> None:
    model, speech = str(data_path(YAMNET)), str(data_path(SPEECH))
    two_heads = str(data_path("audio/two_heads.wav"))
    assert main(["classify-audio", model, speech, two_heads, "--max-results", "1",
                 "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in records] == [speech, two_heads]
    results = records[0]["results"]
    assert [r["timestamp_ms"] for r in results] == [0, 975, 1950, 2925, 3900]
    assert all(len(r["classifications"][0]["categories"]) == 1 for r in results)
    top = results[0]["classifications"][0]["categories"][0]
    assert top["category_name"] == "Speech" and top["score"] == pytest.approx(0.918, abs=1e-3)
    assert len(records[1]["results"]) == 1  # two_heads.wav is one window long
    assert main(["classify-audio", model, speech, "--hop-ms", "487.5", "--json"]) == 0
    overlapping = json.loads(capsys.readouterr().out)[0]["results"]
    assert [r["timestamp_ms"] for r in overlapping] == [487.5 * i for i in range(9)]
    assert main(["classify-audio", model, speech, "--hop-ms", "487.5",
                 "--score-threshold", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "hop 487.5 ms" in out and "487.5" in {row[0] for row in _table_rows(out)}
    assert all(float(row[-1]) >= 0.5 for row in _table_rows(out) if row[1] != "-")


def test_classify_audio_errors_are_plain(tmp_path, capsys) -> None:
    model = str(data_path(YAMNET))
    assert main(["classify-audio", model, str(tmp_path / "missing.wav")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tflite-tasks classify-audio: error: audio file ")
    assert "missing.wav' does not exist" in err and "Traceback" not in err
    (tmp_path / "noise.wav").write_bytes(b"not a wave file" * 10)
    assert main(["classify-audio", model, str(tmp_path / "noise.wav")]) == 1
    assert "cannot decode audio file" in capsys.readouterr().err
    assert main(["classify-audio", model, str(data_path(SPEECH)), "--hop-ms", "0"]) == 1
    assert "hop_ms must be a positive number" in capsys.readouterr().err
    image_model = str(data_path("vision/mobilenet_v1_0.25_224_quant.tflite"))
    assert main(["classify-audio", image_model, str(data_path(SPEECH))]) == 1
    assert capsys.readouterr().err.startswith("tflite-tasks classify-audio: error:")
