"""The samples run: the notebooks (executed by a real kernel), the classify_folder,
annotate_video, pose_video, chat and stream_audio apps."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image
from testdata import data_path

from tflite_tasks import KEYPOINT_NAMES

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
NOTEBOOK = SAMPLES / "image_classification.ipynb"
DETECTION_NOTEBOOK = SAMPLES / "detection_and_segmentation.ipynb"
POSE_NOTEBOOK = SAMPLES / "pose_estimation.ipynb"
TEXT_NOTEBOOK = SAMPLES / "text.ipynb"
AUDIO_NOTEBOOK = SAMPLES / "audio.ipynb"
MOBILENET = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
SSD = "vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"
DEEPLAB = "vision/deeplabv3.tflite"
MOVENET = "pose/movenet_singlepose_lightning_int8.tflite"
POSENET = "pose/posenet_mobilenet_v1_100_257x257_multi_kpt_stripped_integer_quant.tflite"
SENTIMENT = "text/text_classification_v2.tflite"
SMARTREPLY = "text/smartreply/smartreply.tflite"


def _env(data_root: Path) -> dict[str, str]:
    """This environment, with the project importable and the test data at ``data_root``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["TFLITE_TASKS_TEST_DATA"] = str(data_root)
    return env


def _run_notebook(data_root: Path, path: Path = NOTEBOOK) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
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


@pytest.mark.parametrize("path", [NOTEBOOK, DETECTION_NOTEBOOK, POSE_NOTEBOOK, TEXT_NOTEBOOK,
                                  AUDIO_NOTEBOOK], ids=lambda path: path.stem)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
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


# -- detection_and_segmentation.ipynb ---------------------------------------------------------


def _tagged(notebook: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if tag in c.metadata.get("tags", []))


def _has_picture(cell: nbformat.NotebookNode) -> bool:
    return any("image/png" in o.get("data", {}) for o in cell.outputs)


def test_detection_notebook_detects_segments_and_embeds() -> None:
    cats = data_path("vision/cats_and_dogs.jpg")
    for model in (SSD, DEEPLAB, MOBILENET):
        data_path(model)
    notebook = _run_notebook(cats.parent.parent, DETECTION_NOTEBOOK)
    assert _has_picture(_tagged(notebook, "detect-picture"))  # the result's _repr_png_
    table = _text(_tagged(notebook, "detect-table"))
    assert "top: cat" in table and "dog" in table
    options = dict(line.split(":", 1) for line in
                   _text(_tagged(notebook, "detect-options")).splitlines() if ":" in line)
    assert options["max_results=2"].count("(") == 2
    assert "dog" in options["allowlist ['dog']"] and "cat" not in options["allowlist ['dog']"]
    assert "cat" not in options["denylist ['cat']"]
    roi = _tagged(notebook, "detect-roi")
    assert _has_picture(roi)
    # Every box found in the right half (x >= 600) is in pixels of the whole image.
    assert all(int(x) >= 590 for x in _re_values(_text(roi), "origin_x"))
    assert _has_picture(_tagged(notebook, "segment-picture"))
    classes = _text(_tagged(notebook, "segment-classes"))
    assert "person" in classes and "horse" in classes and "(257, 257)" in classes
    confidence = _tagged(notebook, "confidence")
    assert _has_picture(confidence) and "(21, 257, 257)" in _text(confidence)
    sizes = _tagged(notebook, "mask-size")
    assert "'model': (257, 257)" in _text(sizes) and "'image': (325, 480)" in _text(sizes)
    assert _has_picture(sizes)
    similarity = {line.split(":")[0]: float(line.split(":")[1]) for line in
                  _text(_tagged(notebook, "embedding")).splitlines() if " vs " in line}
    assert similarity["cat vs cat"] > 0.5 > similarity["cat vs corgi"]


def _re_values(text: str, field: str) -> list[str]:
    return re.findall(rf"{field}=(-?\d+)", text)


# -- pose_estimation.ipynb -----------------------------------------------------------------------


def _stdout(cell: nbformat.NotebookNode) -> str:
    """What a code cell printed, whole (a kernel may split it into several outputs)."""
    return "".join(o.text for o in cell.outputs if o.get("name") == "stdout")


def test_pose_notebook_estimates_poses_and_maps_them_back() -> None:
    girl = data_path("pose/girl.jpg")
    for path in (MOVENET, POSENET, "pose/pakutaso_person.jpg"):
        data_path(path)
    notebook = _run_notebook(girl.parent.parent, POSE_NOTEBOOK)
    picture = _tagged(notebook, "movenet-picture")
    assert _has_picture(picture) and "movenet_single" in _stdout(picture)
    table = _stdout(_tagged(notebook, "keypoint-table")).splitlines()
    rows = [line.split() for line in table if line.split()[:1] in ([n] for n in KEYPOINT_NAMES)]
    assert [row[0] for row in rows] == list(KEYPOINT_NAMES)
    assert all(0 <= float(row[3]) <= 1 and 0 <= float(row[5]) <= 1 for row in rows)
    assert '"name": "nose"' in _stdout(_tagged(notebook, "to-dict"))
    people = _tagged(notebook, "posenet-picture")
    assert _has_picture(people)
    halves = re.findall(r"^pose \d: .* (left|right) half", _stdout(people), re.MULTILINE)
    assert sorted(halves) == ["left", "right"]
    roi = _tagged(notebook, "roi")
    assert _has_picture(roi)
    for line in _stdout(roi).splitlines()[:2]:  # the right-hand person: 400 pixels further
        x_roi, _, x_alone, _ = map(float, re.findall(r"-?\d+\.\d", line))
        assert abs(x_roi - x_alone - 400) < 1
    rotation = _tagged(notebook, "rotation")
    assert _has_picture(rotation)
    sideways, upright = ([float(v) for v in re.findall(r"-?\d+\.\d", line)]
                         for line in _stdout(rotation).splitlines()[:2])
    assert np.allclose(sideways, upright, atol=0.11)  # the same point, printed to 0.1 pixel
    found = {label.strip(): ast.literal_eval(poses) for label, poses in
             (line.split(":", 1) for line in _stdout(_tagged(notebook, "options")).splitlines())}
    assert len(found["defaults"]) == 2
    assert [width > 400 for _, _, width in found["max_poses=1 (single decoder)"]] == [True]
    assert [width < 300 for _, _, width in found["max_poses=1, multi decoder"]] == [True]
    assert len(found["min_pose_score=0.41"]) == len(found["nms_radius=150"]) == 1
    assert all(count < 17 for _, count, _ in found["min_keypoint_score=0.3"])
    assert _has_picture(_tagged(notebook, "draw-confident"))


# -- text.ipynb ----------------------------------------------------------------------------------


def test_text_notebook_classifies_embeds_replies_and_runs_python_ops() -> None:
    for model in (SENTIMENT, SMARTREPLY, "text/regex_one_embedding_with_metadata.tflite",
                  "text/test_model_nl_classifier_with_regex_tokenizer.tflite",
                  "text/test_model_nl_classifier.tflite"):
        data_path(model)
    notebook = _run_notebook(data_path(SENTIMENT).parent.parent, TEXT_NOTEBOOK)
    rows = _stdout(_tagged(notebook, "reviews")).splitlines()[1:]
    # The first column of scores, text_classification_v2's, gets the reviews right.
    sentiments = [re.findall(r"(Positive|Negative) \d\.\d{3}", row)[0] for row in rows]
    assert sentiments == ["Positive"] * 3 + ["Negative"] * 3
    options = _stdout(_tagged(notebook, "options"))
    assert "['Negative', 'Positive']" in options
    assert "'It was okay, nothing special.': []" in options  # below the score threshold
    similarity = _stdout(_tagged(notebook, "embedding"))
    assert "dimensions: [16]" in similarity and "first vs second: 0.999937" in similarity
    assert len(re.findall(r"\b1\.00000\b", similarity)) == 4  # the diagonal only
    replies = _stdout(_tagged(notebook, "smart-reply")).splitlines()
    assert replies[0].split(None, 2)[1:] == ["model", "Great and you?"]
    assert replies[2].split(None, 2)[1] == "backoff"
    conversation = _stdout(_tagged(notebook, "conversation"))
    # Replies to both messages: the wishes' two, then the birthday's.
    assert ("the conversation: ['You too babe', 'Thanks, love you too', 'Hey, thanks']"
            in conversation)
    assert "CUSTOM_OP_STRING_TO_FLOATS" in _stdout(_tagged(notebook, "missing-ops"))
    custom = _stdout(_tagged(notebook, "custom-ops"))
    assert "'0.2,0.5,0.3': label1 0.50, label2 0.30, label0 0.20" in custom
    assert "'0.9,0.1': label0 0.90, label1 0.10" in custom
    assert "top: index 1, score 1.00" in _stdout(_tagged(notebook, "custom-ops-option"))


# -- audio.ipynb ---------------------------------------------------------------------------------


def test_audio_notebook_classifies_over_time_streams_and_embeds() -> None:
    for path in ("audio/yamnet_audio_classifier_with_metadata.tflite", "audio/speech.wav",
                 "audio/two_heads.wav"):
        data_path(path)
    notebook = _run_notebook(data_path("audio/speech.wav").parent.parent, AUDIO_NOTEBOOK)
    loaded = _text(_tagged(notebook, "load"))
    assert "AudioData(68360 frames x 1 channel at 16000 Hz" in loaded
    assert "<audio controls src='data:audio/wav;base64," in loaded  # the player
    assert _has_picture(_tagged(notebook, "waveform"))
    windows = _stdout(_tagged(notebook, "classify")).splitlines()[1:]
    tops = [line.split()[:3] for line in windows]
    assert tops == [[t, "ms", "Speech"] for t in ("0", "975", "1950", "2925")] + [
        ["3900", "ms", "Tick"]]
    over_time = _tagged(notebook, "over-time")
    assert _has_picture(over_time)
    assert "starts, hop 487.5 ms: [0.0, 487.5, 975.0, 1462.5" in _stdout(over_time)
    assert _has_picture(_tagged(notebook, "hop"))
    stereo = _stdout(_tagged(notebook, "stereo"))
    assert "at 44100 Hz" in stereo and "x 2 channels" in stereo
    assert "same top classes: True" in stereo
    stream = _stdout(_tagged(notebook, "stream"))
    assert "after 1.0 s of audio: window at 0 ms, Speech" in stream
    assert "at the end (flush): window at 3900 ms" in stream
    assert "streamed == whole clip: True" in stream
    embedding = _tagged(notebook, "embedding")
    assert _has_picture(embedding)
    rows = {line.split(None, 2)[0]: [float(v) for v in line.split()[-6:]]
            for line in _stdout(embedding).splitlines()[2:]}
    assert rows["0.975"][:4] == [pytest.approx(1, abs=0.01)] * 4  # speech windows alike
    assert rows["birds"][0] < 0.1 and rows["birds"][5] == 1.0


# -- annotate_video.py ---------------------------------------------------------------------------


def _synthetic_video(path: Path, frames: int, picture: str = "vision/cats_and_dogs.jpg",
                     scale: float = 0.5) -> tuple[list[np.ndarray], tuple[int, int]]:
    """``frames`` frames of ``picture`` (cats_and_dogs.jpg halved), each shifted 8 pixels
    further right."""
    image = cv2.imread(str(data_path(picture)))
    image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
    size = image.shape[1], image.shape[0]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 12.0, size)
    assert writer.isOpened()
    written = [np.roll(image, 8 * i, axis=1) for i in range(frames)]
    for frame in written:
        writer.write(frame)
    writer.release()
    return written, size


def _read_video(path: Path) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"cannot read {path}"
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    fps = capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    return frames, fps


def _annotate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SAMPLES / "annotate_video.py"), *args],
                          capture_output=True, text=True, env=_env(data_path(SSD).parent.parent),
                          timeout=300, check=False)


def _changed(before: np.ndarray, after: np.ndarray) -> float:
    """Share of the pixels whose colour changed by more than video coding noise."""
    difference = np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=2)
    return float((difference > 60).mean())


def test_annotate_video_draws_detection_boxes(tmp_path) -> None:
    source = tmp_path / "in.avi"
    originals, size = _synthetic_video(source, 8)
    inputs, _ = _read_video(source)  # as decoded: what the sample saw
    out = tmp_path / "boxes.avi"
    done = _annotate(str(data_path(SSD)), str(source), str(out), "--max-results", "3")
    assert done.returncode == 0, done.stderr
    assert "8/8 frames" in done.stderr  # the progress bar
    assert f"wrote {out}: 8 frames, 8 model runs" in done.stdout
    assert "cat" in done.stdout.splitlines()[1]  # the summary names what was found
    frames, fps = _read_video(out)
    assert len(frames) == len(originals) == 8 and fps == 12.0
    assert all((f.shape[1], f.shape[0]) == size for f in frames)
    for before, after in zip(inputs, frames, strict=True):
        # Boxes and tags change some pixels (lines a few pixels wide), not the picture.
        assert 0.005 < _changed(before, after) < 0.3


def test_annotate_video_blends_segmentation_every_other_frame(tmp_path) -> None:
    source = tmp_path / "in.avi"
    _synthetic_video(source, 3)
    inputs, _ = _read_video(source)
    out = tmp_path / "mask.mp4"
    done = _annotate(str(data_path(DEEPLAB)), str(source), str(out), "--task", "segment",
                     "--every", "2")
    assert done.returncode == 0, done.stderr
    assert "3 frames, 2 model runs" in done.stdout
    frames, _ = _read_video(out)
    assert len(frames) == 3
    for before, after in zip(inputs, frames, strict=True):
        assert after.shape == before.shape
        assert _changed(before, after) > 0.05  # the mask covers the animals


def test_annotate_video_reports_errors(tmp_path) -> None:
    model = str(data_path(SSD))
    missing = _annotate(model, str(tmp_path / "missing.avi"), str(tmp_path / "out.avi"))
    assert missing.returncode == 1 and "cannot read video" in missing.stderr
    (tmp_path / "broken.avi").write_bytes(b"not a video" * 100)
    broken = _annotate(model, str(tmp_path / "broken.avi"), str(tmp_path / "out.avi"))
    assert broken.returncode == 1 and "cannot read video" in broken.stderr
    source = tmp_path / "in.avi"
    _synthetic_video(source, 2)
    no_folder = _annotate(model, str(source), str(tmp_path / "no" / "such" / "out.avi"))
    assert no_folder.returncode == 1 and "does not exist" in no_folder.stderr
    bad_suffix = _annotate(model, str(source), str(tmp_path / "out.gif"))
    assert bad_suffix.returncode == 1 and ".mp4 or .avi" in bad_suffix.stderr
    assert not (tmp_path / "out.avi").exists()


# -- pose_video.py -------------------------------------------------------------------------------


def _pose_video(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SAMPLES / "pose_video.py"), *args],
                          capture_output=True, text=True,
                          env=env or _env(data_path(MOVENET).parent.parent), timeout=300,
                          check=False)


def _drawn_shift(first: np.ndarray, second: np.ndarray) -> int:
    """How many pixels right (-32 to 32) the pixels a drawing changed (boolean masks) moved
    from one frame to the next: the shift that overlaps them most."""
    overlap = {shift: int((np.roll(first, shift, axis=1) & second).sum())
               for shift in range(-32, 33)}
    return max(overlap, key=overlap.__getitem__)


def test_pose_video_draws_skeletons_that_follow_the_person(tmp_path) -> None:
    source = tmp_path / "girl.avi"
    _synthetic_video(source, 6, "pose/girl.jpg", scale=2.0)  # 384x384, 8 pixels a frame
    inputs, _ = _read_video(source)
    out = tmp_path / "poses.avi"
    done = _pose_video(str(data_path(MOVENET)), str(source), "--out", str(out), "--every", "2",
                       "--max-poses", "1", "--min-keypoint-score", "0.3", "--num-threads", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("movenet_single model, video")
    runs = [line for line in lines if line.startswith("frame ")]
    assert [line.split(":")[0] for line in runs] == ["frame 0", "frame 2", "frame 4"]
    assert all(re.fullmatch(r"frame \d: 1 pose, \d+\.\d ms", line) for line in runs)
    assert re.match(r"6 frames, 3 model runs in [\d.]+ s: [\d.]+ frames/s", lines[-2])
    assert lines[-1] == f"wrote {out}"
    frames, fps = _read_video(out)
    assert len(frames) == 6 and fps == 12.0
    for before, after in zip(inputs, frames, strict=True):
        assert 0.005 < _changed(before, after) < 0.2  # bones and dots, not the picture
    drawn = [np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=2) > 60
             for before, after in zip(inputs, frames, strict=True)]
    shifts = [_drawn_shift(drawn[i], drawn[i + 1]) for i in range(5)]
    # Frames 1, 3 and 5 show the poses of the frame before them: the skeleton stays; it
    # follows the person, 16 pixels, on the frames the model runs on.
    assert shifts[0::2] == [0, 0, 0] and all(abs(s - 16) <= 3 for s in shifts[1::2]), shifts


def test_pose_video_finds_two_people_and_prints_without_writing(tmp_path) -> None:
    person = cv2.imread(str(data_path("pose/pakutaso_person.jpg")))
    source = tmp_path / "two.avi"
    writer = cv2.VideoWriter(str(source), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (800, 600))
    for _ in range(2):
        writer.write(np.concatenate([person, person], axis=1))
    writer.release()
    done = _pose_video(str(data_path(POSENET)), str(source), "--num-threads", "1")
    assert done.returncode == 0, done.stderr
    assert "frame 0: 2 poses" in done.stdout and "frame 1: 2 poses" in done.stdout
    assert "2 frames, 2 model runs" in done.stdout and "wrote" not in done.stdout


def test_pose_video_reports_errors(tmp_path) -> None:
    model = str(data_path(MOVENET))
    missing = _pose_video(model, str(tmp_path / "missing.avi"))
    assert missing.returncode == 1 and "cannot read video" in missing.stderr
    camera = _pose_video(model, "99")  # no 100th camera here
    assert camera.returncode == 1 and "cannot open camera 99" in camera.stderr
    source = tmp_path / "in.avi"
    _synthetic_video(source, 1, "pose/girl.jpg", scale=1.0)
    bad_suffix = _pose_video(model, str(source), "--out", str(tmp_path / "out.gif"))
    assert bad_suffix.returncode == 1 and ".mp4 or .avi" in bad_suffix.stderr
    every = _pose_video(model, str(source), "--every", "0")
    assert every.returncode == 2 and "--every must be at least 1" in every.stderr
    not_a_pose_model = _pose_video(str(data_path(SSD)), str(source))
    assert not_a_pose_model.returncode == 1 and "not a pose model" in not_a_pose_model.stderr
    headless = sys.platform.startswith("linux") or "GUI: NONE" in cv2.getBuildInformation()
    if headless:  # elsewhere --show could open a window: not in a test
        env = {k: v for k, v in _env(data_path(MOVENET).parent.parent).items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        show = _pose_video(model, str(source), "--show", env=env)
        assert show.returncode == 1 and "--show needs" in show.stderr


# -- chat.py -------------------------------------------------------------------------------------


def _chat(*args: str, typed: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SAMPLES / "chat.py"), *args], input=typed,
                          capture_output=True, text=True,
                          env=_env(data_path(SMARTREPLY).parent.parent), timeout=300,
                          check=False)


def test_chat_shows_sentiment_and_suggestions_and_keeps_the_transcript() -> None:
    done = _chat("--smartreply", str(data_path(SMARTREPLY)), "--sentiment",
                 str(data_path(SENTIMENT)), typed="how are you doing?\n1\nquit\nnot read\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    session, transcript = out.split("\ntranscript:\n")
    assert "> how are you doing?\n  sentiment: Positive " in session
    assert "  1. Great and you?\n  2. I am doing great\n  3. Ok (generic)\n" in session
    assert "> 1\nyou: Great and you?\n> quit\n" in session and "not read" not in out
    assert transcript.splitlines() == ["  message:    how are you doing?",
                                       "  your reply: Great and you?"]


def test_chat_without_sentiment_until_end_of_input() -> None:
    typed = "happy birthday!\n9\n2\nhi\n"  # 9: no such suggestion; input then ends
    done = _chat("--smartreply", str(data_path(SMARTREPLY)), "--max-replies", "2", typed=typed)
    assert done.returncode == 0, done.stderr
    assert "sentiment" not in done.stdout and "  pick 1 to 2, or type a message" in done.stdout
    assert "3." not in done.stdout
    assert done.stdout.split("transcript:\n")[1].splitlines() == [
        "  message:    happy birthday!", "  your reply: Ok", "  message:    hi"]


def test_chat_reports_errors(tmp_path) -> None:
    missing = _chat("--smartreply", str(tmp_path / "missing.tflite"), typed="hi\n")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("error: model file not found: ")
    assert len(missing.stderr.splitlines()) == 1
    not_smart_reply = _chat("--smartreply", str(data_path(SENTIMENT)), typed="hi\n")
    assert not_smart_reply.returncode == 1 and "a Smart Reply model has" in not_smart_reply.stderr
    bad_option = _chat("--smartreply", str(data_path(SMARTREPLY)), "--max-replies", "0",
                       typed="hi\n")
    assert bad_option.returncode == 1 and "max_replies must be a positive" in bad_option.stderr
    usage = _chat(typed="")
    assert usage.returncode == 2 and "--smartreply" in usage.stderr


# -- stream_audio.py -----------------------------------------------------------------------------

YAMNET = "audio/yamnet_audio_classifier_with_metadata.tflite"
SPEECH = "audio/speech.wav"

# A stand-in for the sounddevice module: an InputStream whose thread calls back with blocks
# of the clip $FAKE_MICROPHONE_CLIP (looped), or refuses to open when there is no clip.
FAKE_SOUNDDEVICE = '''
import os, threading, time
import numpy as np
import soundfile

class PortAudioError(Exception):
    pass

class InputStream:
    def __init__(self, samplerate, channels, dtype, blocksize, device, callback,
                 finished_callback):
        if "FAKE_MICROPHONE_CLIP" not in os.environ:
            raise PortAudioError("Error querying device -1")
        self.blocksize, self.callback, self.running = blocksize, callback, False
        self.clip = soundfile.read(os.environ["FAKE_MICROPHONE_CLIP"], dtype="float32",
                                   always_2d=True)[0]

    def start(self):
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        position = 0
        while self.running:
            frames = range(position, position + self.blocksize)
            self.callback(np.take(self.clip, frames, axis=0, mode="wrap"), self.blocksize,
                          None, None)
            position += self.blocksize
            time.sleep(0.005)

    def stop(self):
        self.running = False
        self.thread.join()

    def close(self):
        pass
'''


def _stream_audio(*args: str, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SAMPLES / "stream_audio.py"), *args],
                          capture_output=True, text=True,
                          env=env or _env(data_path(YAMNET).parent.parent), timeout=300,
                          check=False)


def _windows(out: str) -> dict[str, str]:
    """start time (``0.975``) -> the classes printed for that window."""
    return dict(re.findall(r"^ *(\d+\.\d{3}) s  (.*)$", out, re.MULTILINE))


def test_stream_audio_prints_the_classes_of_each_window() -> None:
    data_path(SPEECH)
    done = _stream_audio("--block-ms", "70", "--num-threads", "1")  # the defaults: YAMNet
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("model: yamnet_audio_classifier_with_metadata.tflite (16000 Hz")
    assert lines[1] == "streaming speech.wav (16000 Hz, mono) in blocks of 70 ms"
    windows = _windows(done.stdout)
    assert list(windows) == ["0.000", "0.975", "1.950", "2.925", "3.900"]
    for start in list(windows)[:4]:
        assert windows[start].startswith("Speech 0.9"), windows[start]
        assert windows[start].count(" | ") == 2  # the top 3
    assert windows["0.000"] == "Speech 0.918 | Inside, small room 0.082 | Silence 0.016"
    assert re.fullmatch(r"5 windows, 4\.27 s of audio in .*", lines[-1])


def test_stream_audio_overlapping_and_smoothed_windows_of_a_resampled_stereo_file(
        tmp_path) -> None:
    import soundfile

    from tflite_tasks.core.audio import load_audio, resample

    speech = load_audio(data_path(SPEECH))
    stereo = np.repeat(resample(speech.samples, 16000, 44100), 2, axis=1)
    soundfile.write(tmp_path / "stereo.flac", stereo, 44100)
    done = _stream_audio(str(tmp_path / "stereo.flac"), "--hop-ms", "487.5", "--smooth", "3",
                         "--max-results", "1")
    assert done.returncode == 0, done.stderr
    assert "streaming stereo.flac (44100 Hz, stereo)" in done.stdout
    windows = _windows(done.stdout)
    assert len(windows) == 9 and all(windows[t].startswith("Speech ") for t in
                                     ["0.000", "0.487", "0.975", "1.462", "1.950"])
    smoothed = re.findall(r"^ +last (\d): (.*)$", done.stdout, re.MULTILINE)
    assert [n for n, _ in smoothed] == ["1", "2", "3", "3", "3", "3", "3", "3", "3"]
    assert all(" | " not in classes for _, classes in smoothed)  # --max-results 1
    assert smoothed[-1][1].startswith("Speech ")  # the last window alone is not speech


def test_stream_audio_reports_errors(tmp_path) -> None:
    missing = _stream_audio(str(tmp_path / "missing.wav"))
    assert missing.returncode == 1 and "audio file not found" in missing.stderr
    (tmp_path / "noise.wav").write_bytes(b"not a wave file" * 10)
    broken = _stream_audio(str(tmp_path / "noise.wav"))
    assert broken.returncode == 1 and "cannot read" in broken.stderr
    no_model = _stream_audio(env=_env(tmp_path))  # no shared data there
    assert no_model.returncode == 1 and "set TFLITE_TASKS_TEST_DATA" in no_model.stderr
    assert "Traceback" not in missing.stderr + broken.stderr + no_model.stderr
    for bad in ("nan", "inf", "0"):
        done = _stream_audio("--block-ms", bad)
        assert done.returncode == 2 and "--block-ms must be a positive number" in done.stderr
        assert "Traceback" not in done.stderr


def test_stream_audio_streams_files_that_cannot_seek(tmp_path) -> None:
    import soundfile

    from tflite_tasks.core.audio import load_audio

    speech = load_audio(data_path(SPEECH))
    soundfile.write(tmp_path / "gsm.wav", speech.samples, 16000, subtype="GSM610")
    done = _stream_audio(str(tmp_path / "gsm.wav"), "--max-results", "1")
    assert done.returncode == 0, done.stderr
    assert list(_windows(done.stdout)) == ["0.000", "0.975", "1.950", "2.925", "3.900"]


def _error_lines(stderr: str) -> list[str]:
    """stderr without LiteRT's INFO lines."""
    return [line for line in stderr.splitlines() if not line.startswith("INFO: ")]


def _fake_sounddevice_env(folder: Path, clip: Path | None) -> dict[str, str]:
    (folder / "sounddevice.py").write_text(FAKE_SOUNDDEVICE)
    env = _env(data_path(YAMNET).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join((str(folder), env["PYTHONPATH"]))
    env.pop("FAKE_MICROPHONE_CLIP", None)
    if clip is not None:
        env["FAKE_MICROPHONE_CLIP"] = str(clip)
    return env


def test_stream_audio_microphone_fails_cleanly_without_one(tmp_path) -> None:
    try:
        import sounddevice

        has_input = bool(sounddevice.query_devices(kind="input"))
    except Exception:  # no sounddevice or PortAudio, or no input device: the usual case
        has_input = False
    if not has_input:
        done = _stream_audio("--microphone")
        assert done.returncode == 1, done.stdout
        errors = _error_lines(done.stderr)
        assert len(errors) == 1 and errors[0].startswith("error: "), done.stderr
        assert "microphone" in errors[0]
    # PortAudio present but no device: the stand-in refuses to open the stream.
    done = _stream_audio("--microphone", env=_fake_sounddevice_env(tmp_path, None))
    assert done.returncode == 1
    errors = _error_lines(done.stderr)
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("error: cannot record from the microphone (16000 Hz")
    assert errors[0].endswith("Error querying device -1")


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_stream_audio_microphone_classifies_until_ctrl_c(tmp_path) -> None:
    import signal
    import threading

    env = _fake_sounddevice_env(tmp_path, data_path(SPEECH))
    process = subprocess.Popen([sys.executable, str(SAMPLES / "stream_audio.py"), "--microphone",
                                "--block-ms", "50"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(120, process.kill)  # never hang the suite
    watchdog.start()
    try:
        seen = []
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if len(_windows("".join(seen))) >= 3:
                break
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=60)
    finally:
        watchdog.cancel()
        process.kill()
    out = "".join(seen) + rest
    assert process.returncode == 0, stderr
    assert "listening (16000 Hz, mono); Ctrl+C stops" in out and "stopped" in out
    assert "Traceback" not in stderr
    windows = _windows(out)
    assert list(windows)[:3] == ["0.000", "0.975", "1.950"]
    assert all(windows[t].startswith("Speech ") for t in ["0.000", "0.975", "1.950"])
