"""The model doctor: task readiness, findings and their fixes, ops, hostile files, the CLI."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import numpy as np
import pytest
from nl_test_ops import NL_OPS
from testdata import data_path
from text_models import bert_probe_model, with_regex_metadata, word_average_model
from tiny_models import (
    channel_mean_model,
    constant_outputs_model,
    constant_scores_model,
    with_classifier_metadata,
)

from tflite_tasks import register_custom_op, unregister_custom_op
from tflite_tasks.cli import main
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.doctor import TASKS, Report, TaskReport, diagnose
from tflite_tasks.metadata import read_metadata

MOBILENET = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
MOBILENET_BARE = "vision/mobilenet_v1_0.25_224_1_default_1.tflite"
SSD = "vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"
YAMNET = "audio/yamnet_audio_classifier_with_metadata.tflite"
YAMNET_BARE = "metadata/audio_classifier/yamnet_wavin_quantized_mel_relu6.tflite"
NL_TEST = "text/test_model_nl_classifier.tflite"
SMART_REPLY = "text/smartreply/smartreply.tflite"

REPORT_KEYS = {"model", "task", "bytes", "loadable", "litert", "tensors", "metadata", "ops",
               "findings", "tasks", "exit_status"}
TASK_KEYS = {"task", "task_class", "status", "error", "fixable", "findings", "metadata_command"}


def _task(report: Report, name: str) -> TaskReport:
    (task,) = [t for t in report.tasks if t.task == name]
    return task


def _codes(task: TaskReport) -> list[tuple[str, str]]:
    return [(f.severity, f.code) for f in task.findings]


def _fixes(task: TaskReport, code: str, kind: str) -> list[str]:
    return [fix.text for f in task.findings if f.code == code for fix in f.fixes
            if fix.kind == kind]


def _flex_model() -> bytes:
    """A uint8 image [1, 4, 4, 3] through a select TensorFlow op to scores [1, 3]."""
    g = GraphBuilder()
    image = g.input("image", (1, 4, 4, 3), np.uint8)
    (scores,) = g.add_custom_op("FlexFoo", [image], [((1, 3), np.float32)])
    return g.build([image], [scores])


def test_model_with_metadata_is_ready_for_classification_and_embedding() -> None:
    path = data_path(MOBILENET)
    report = diagnose(path)
    assert report.loadable and report.exit_status == 0 and report.bytes == path.stat().st_size
    assert _task(report, "image_classifier").status == "ready"
    assert _task(report, "image_classifier").findings == []
    assert _task(report, "image_embedder").status == "ready"
    assert _task(report, "object_detector").status == "not ready"
    assert not _task(report, "object_detector").fixable
    assert report.litert == {"loads": True, "prepares": True, "error": None}
    assert report.metadata.present and report.metadata.name == "MobileNetV1 image classifier"
    assert report.metadata.associated_files == [
        {"name": "labels.txt", "bytes": 10484, "tensor": "output 0 'probability'"}]
    assert report.tensors[0]["shape"] == [1, 224, 224, 3] and report.tensors[0]["kind"] == "input"
    ops = {op.name: op for op in report.ops}
    assert ops["CONV_2D"].kind == "builtin" and ops["CONV_2D"].resolved_by == "litert"
    assert ops["CONV_2D"].count == 15 and sum(op.count for op in report.ops) == 31
    assert report.findings == []


def test_float_model_without_metadata_needs_normalization_and_lacks_labels() -> None:
    path = str(data_path(MOBILENET_BARE))
    report = diagnose(path)
    assert report.exit_status == 1 and not report.metadata.present
    classifier = _task(report, "image_classifier")
    assert classifier.status == "not ready" and classifier.fixable
    assert "normalization_mean" in classifier.error and "normalization_std" in classifier.error
    assert _codes(classifier) == [("error", "no_normalization"), ("warning", "no_labels")]
    assert "127.5" in classifier.findings[0].message and "[0, 1]" in classifier.findings[0].message
    (option,) = _fixes(classifier, "no_normalization", "option")
    assert option == (f"ImageClassifier.create_from_file({path!r}, normalization_mean=127.5, "
                      "normalization_std=127.5)")
    (command,) = _fixes(classifier, "no_normalization", "command")
    assert command.startswith(f"tflite-tasks metadata write image_classifier {path} --output ")
    assert command.endswith("_default_1_metadata.tflite --mean 127.5 --std 127.5")
    assert _fixes(classifier, "no_labels", "command")[0].endswith(
        "--labels labels.txt --mean 127.5 --std 127.5")  # runs alone: with what is required
    assert "labels='labels.txt'" in _fixes(classifier, "no_labels", "option")[0]
    assert classifier.metadata_command.endswith("--mean 127.5 --std 127.5 --labels labels.txt")
    embedder = _task(report, "image_embedder")
    assert embedder.fixable and _codes(embedder) == [("error", "no_normalization")]
    assert "metadata write image_embedder" in embedder.metadata_command
    detector = _task(report, "object_detector")  # normalization would not make it a detector
    assert not detector.fixable and _codes(detector) == [("error", "creation_failed")]
    assert "detector family" in detector.findings[0].message
    assert "NormalizationOptions" in detector.error  # the task's own first complaint


def test_int8_image_input_needs_normalization_too() -> None:
    model = channel_mean_model(input_dtype=np.int8, quantization=(1.0, 0))
    task = diagnose(model, task="image_embedder").tasks[0]
    assert task.fixable and _codes(task) == [("error", "no_normalization")]
    assert "is int8" in task.findings[0].message
    uint8 = channel_mean_model(input_dtype=np.uint8, quantization=(1.0, 0))
    assert diagnose(uint8, task="image_embedder").tasks[0].status == "ready"


def test_the_fixes_work() -> None:
    from tflite_tasks import ImageClassifier

    report = diagnose(data_path(MOBILENET_BARE), task="image_classifier")
    assert [t.task for t in report.tasks] == ["image_classifier"] and report.task == (
        "image_classifier")
    with ImageClassifier.create_from_file(data_path(MOBILENET_BARE), normalization_mean=127.5,
                                          normalization_std=127.5) as classifier:
        assert classifier.labels == [None]  # what the no_labels warning says


def test_detector_is_ready_and_its_postprocess_op_resolved_by_litert() -> None:
    report = diagnose(data_path(SSD), task="object_detector")
    assert report.exit_status == 0
    assert _task(report, "object_detector").status == "ready"
    op = next(op for op in report.ops if op.name == "TFLite_Detection_PostProcess")
    assert (op.kind, op.count, op.resolved_by, op.kernel) == ("custom", 1, "litert", None)
    assert report.metadata.associated_files[0]["tensor"] == "output 1 'classes'"


def test_litert_resolution_probe_tells_builtin_custom_ops_from_unknown_ones() -> None:
    from ai_edge_litert import schema_py_generated as schema

    from tflite_tasks.doctor.ops import litert_resolves

    for name, expected in ((SSD, {"TFLite_Detection_PostProcess": True}),
                           (NL_TEST, {"CUSTOM_OP_STRING_TO_FLOATS": False})):
        data = data_path(name).read_bytes()
        model = schema.ModelT.InitFromPackedBuf(data, 0)
        for index, code in enumerate(model.operatorCodes):
            custom = code.customCode.decode() if code.customCode else None
            if custom in expected:
                assert litert_resolves(model, index, custom=True) is expected[custom]


def test_audio_models() -> None:
    ready = diagnose(data_path(YAMNET))
    assert _task(ready, "audio_classifier").status == "ready"
    assert _task(ready, "audio_embedder").status == "ready"
    bare = diagnose(data_path(YAMNET_BARE))
    assert bare.exit_status == 1
    classifier = _task(bare, "audio_classifier")
    assert classifier.fixable and "AudioProperties" in classifier.error
    assert _codes(classifier) == [("error", "no_audio_properties"), ("warning", "no_labels")]
    assert "sample_rate=16000, channels=1" in _fixes(classifier, "no_audio_properties",
                                                     "option")[0]
    assert _fixes(classifier, "no_audio_properties", "command")[0].endswith(
        "--sample-rate 16000 --channels 1")
    embedder = _task(bare, "audio_embedder")
    assert "metadata write audio_classifier" in embedder.metadata_command


def test_custom_ops_without_kernels_then_with_python_kernels() -> None:
    path = data_path(NL_TEST)
    report = diagnose(path)
    names = sorted(NL_OPS)
    assert [(op.name, op.resolved_by) for op in report.ops if op.kind == "custom"] == [
        (name, "unresolved") for name in names]
    assert report.loadable and not report.litert["prepares"]
    assert "unresolved custom op" in report.litert["error"]
    assert [f.code for f in report.findings] == ["unresolved_custom_op"] * 3
    assert "register_custom_op('CUSTOM_OP_GENERATE_LABELS', kernel)" in (
        report.findings[0].fixes[0].text)
    classifier = _task(report, "text_classifier")
    assert classifier.status == "not ready" and classifier.fixable
    assert _codes(classifier) == [("error", "unresolved_custom_op")] * 3
    assert not _task(report, "image_classifier").fixable  # string input: not an image model
    assert report.exit_status == 1
    for name, kernel in NL_OPS.items():
        register_custom_op(name, kernel)
    try:
        registered = diagnose(path)
    finally:
        for name in NL_OPS:
            unregister_custom_op(name)
    assert [(op.resolved_by, op.kernel) for op in registered.ops if op.kind == "custom"] == [
        ("python", "registered")] * 3
    assert registered.findings == [] and registered.exit_status == 0
    assert _task(registered, "text_classifier").status == "ready"  # labels come at run time
    given = diagnose(path, "text_classifier", custom_ops=NL_OPS)
    assert {op.kernel for op in given.ops if op.kind == "custom"} == {"custom_ops"}
    assert given.tasks[0].status == "ready"


def test_smart_reply_kernels_are_counted() -> None:
    report = diagnose(data_path(SMART_REPLY))
    custom = {op.name: (op.resolved_by, op.kernel) for op in report.ops if op.kind == "custom"}
    assert custom == {name: ("python", "SmartReply")
                      for name in ("ExtractFeatures", "Normalize", "Predict")}
    assert report.findings == [] and report.exit_status == 0
    assert _task(report, "smart_reply").status == "ready"
    classifier = _task(report, "image_classifier")  # its kernels serve SmartReply only, and
    assert "Normalize" in classifier.error  # the probe with stand-ins shows the real mismatch
    assert not classifier.fixable and "image input" in classifier.findings[0].message


def test_select_tf_op() -> None:
    report = diagnose(_flex_model(), task="image_classifier")
    (op,) = report.ops
    assert (op.name, op.kind, op.resolved_by) == ("FlexFoo", "select-TF", "unresolved")
    (finding,) = report.findings
    assert finding.code == "select_tf_op" and "SELECT_TF_OPS" in finding.message
    assert finding.fixes[0].kind == "convert" and "TFLITE_BUILTINS" in finding.fixes[0].text
    classifier = report.tasks[0]
    assert classifier.fixable and _codes(classifier) == [("error", "select_tf_op"),
                                                         ("warning", "no_labels")]
    assert _fixes(classifier, "no_labels", "option") == [
        "ImageClassifier.create_from_buffer(model_bytes, labels='labels.txt')"]
    assert _fixes(classifier, "no_labels", "command") == [
        "tflite-tasks metadata write image_classifier MODEL.tflite --output "
        "MODEL_metadata.tflite --labels labels.txt"]


def test_classifier_without_labels_is_ready_with_warnings() -> None:
    model = with_classifier_metadata(constant_scores_model([0.2, 0.8]), labels=None)
    task = diagnose(model, task="image_classifier").tasks[0]
    assert task.status == "ready with warnings" and _codes(task) == [("warning", "no_labels")]
    assert task.error is None and task.metadata_command.endswith("--labels labels.txt")
    labelled = with_classifier_metadata(constant_scores_model([0.2, 0.8]), labels=["a", "b"])
    assert diagnose(labelled, task="image_classifier").tasks[0].status == "ready"


def test_task_default_normalization_is_info() -> None:
    movenet_like = constant_outputs_model([np.zeros((1, 1, 17, 3), np.float32)])
    task = diagnose(movenet_like, task="pose_estimator").tasks[0]
    assert task.status == "ready" and _codes(task) == [("info", "no_normalization")]
    assert [fix.kind for fix in task.findings[0].fixes] == ["option"]
    assert task.metadata_command is None


def test_text_models_without_tokenizer() -> None:
    regex = diagnose(word_average_model(), task="text_classifier").tasks[0]
    assert regex.fixable and _codes(regex) == [("error", "no_tokenizer"),
                                               ("warning", "no_labels")]
    (command,) = _fixes(regex, "no_tokenizer", "command")
    assert command.split()[3] == "nl_classifier"
    assert command.endswith("--vocab vocab.txt --delim-regex \"[^\\w\\']+\"")
    assert "vocab_file='vocab.txt'" in _fixes(regex, "no_tokenizer", "option")[0]
    ready = diagnose(with_regex_metadata(word_average_model(), labels=["neg", "pos"]),
                     task="text_classifier").tasks[0]
    assert ready.status == "ready"
    bert = diagnose(bert_probe_model(), task="text_classifier").tasks[0]
    assert bert.fixable and "SentencePiece" in bert.findings[0].message
    assert _fixes(bert, "no_tokenizer", "command")[0].split()[3] == "bert_nl_classifier"
    embedder = diagnose(bert_probe_model(), task="text_embedder").tasks[0]
    assert embedder.fixable
    assert _fixes(embedder, "no_tokenizer", "command")[0].split()[3] == "text_embedder"
    assert "tokenizer='bert'" in _fixes(embedder, "no_tokenizer", "option")[0]


@pytest.mark.parametrize(("content", "code", "message"), [
    (b"garbage bytes, not a model at all", "not_a_model", "not a TFLite model"),
    (b"", "not_a_model", "empty (0 bytes)"),
    (None, "file_not_found", "model file not found"),
    ("directory", "not_a_model", "not a file"),
    ("truncated", "not_a_model", "truncated or corrupt"),
])
def test_files_that_are_no_model(tmp_path, content: bytes | str | None, code: str,
                                 message: str) -> None:
    path = tmp_path / "model.tflite"
    if content == "directory":
        path.mkdir()
    elif content == "truncated":
        path.write_bytes(data_path(MOBILENET).read_bytes()[:5000])
    elif content is not None:
        path.write_bytes(content)
    report = diagnose(path)
    assert not report.loadable and report.exit_status == 3 and report.tasks == []
    (finding,) = report.findings
    assert finding.code == code and message in finding.message
    assert report.model == str(path)
    json.dumps(report.to_dict())


def test_a_tensor_name_that_is_not_utf8_is_no_model() -> None:
    model = channel_mean_model()
    corrupt = model.replace(b"channel_means", b"channel\xff\xfeeans")  # LiteRT loads it
    report = diagnose(corrupt)
    assert not report.loadable and report.exit_status == 3 and report.tasks == []
    assert [f.code for f in report.findings] == ["not_a_model"]
    assert "a tensor name is not UTF-8 text" in report.findings[0].message


def test_a_model_that_crashes_litert_is_reported_not_a_crash(tmp_path) -> None:
    """LiteRT's XNNPACK delegate kills the process on a uint8 zero point out of range (a
    corrupt model): the doctor tries LiteRT in a child process first. Run through the command
    line, so that a crash fails this test instead of killing the test run."""
    g = GraphBuilder()
    x = g.input("x", (1, 4), np.float32)
    y = g.add_op("QUANTIZE", [x], (1, 4), np.uint8, quantization=(255.0, 2048), name="y")
    path = tmp_path / "corrupt.tflite"
    path.write_bytes(g.build([x], [y]))
    doctor = subprocess.run([sys.executable, "-m", "tflite_tasks.cli", "doctor", str(path),
                             "--json"], capture_output=True, text=True, timeout=300,
                            check=False)
    assert doctor.returncode == 3, doctor.stderr[-2000:]
    report = json.loads(doctor.stdout)
    assert not report["loadable"] and report["tasks"] == []
    (finding,) = report["findings"]
    assert finding["code"] == "not_a_model"
    assert "crashes LiteRT (SIGSEGV) when a task prepares it" in finding["message"]


def test_garbage_bytes_in_memory() -> None:
    report = diagnose(b"\x00" * 64)
    assert report.model == "<64 bytes>" and report.exit_status == 3
    assert report.findings[0].code == "not_a_model"


def test_corrupt_metadata(tmp_path) -> None:
    data = data_path(MOBILENET).read_bytes()
    at = data.find(read_metadata(data).buffer)
    corrupt = data[:at + 4] + b"XXXX" + data[at + 8:]  # the metadata's file identifier
    report = diagnose(corrupt)
    assert report.loadable and report.exit_status == 1
    assert report.metadata.present and "identifier" in report.metadata.error
    assert [f.code for f in report.findings] == ["corrupt_metadata"]
    classifier = _task(report, "image_classifier")
    assert classifier.status == "not ready" and "identifier" in classifier.findings[0].message


def test_unknown_task() -> None:
    with pytest.raises(OptionsError, match="unknown task 'classifier'"):
        diagnose(b"", task="classifier")


def test_cli_exit_statuses_and_text(tmp_path, capsys) -> None:
    assert main(["doctor", str(data_path(MOBILENET))]) == 0
    out = capsys.readouterr().out
    assert "LiteRT: loads and prepares the model" in out
    assert "image_classifier  ready" in out and "labels.txt" in out and "CONV_2D" in out
    assert main(["doctor", str(data_path(MOBILENET_BARE))]) == 1
    out = capsys.readouterr().out
    assert "fixable: no_normalization" in out and "--mean 127.5 --std 127.5" in out
    assert "creation fails (see --task)" in out
    assert main(["doctor", str(data_path(MOBILENET_BARE)), "--task", "object_detector"]) == 1
    assert "detector family" in capsys.readouterr().out
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"not a model")
    assert main(["doctor", str(garbage)]) == 3
    assert "is not a TFLite model" in " ".join(capsys.readouterr().out.split())
    assert main(["doctor", str(tmp_path / "missing.tflite")]) == 3
    assert main(["doctor", str(data_path(NL_TEST))]) == 1
    assert "UNRESOLVED" in capsys.readouterr().out
    assert main(["doctor", str(data_path(SMART_REPLY)), "--task", "smart_reply"]) == 0
    assert "Python kernel (SmartReply)" in capsys.readouterr().out


def test_cli_json(tmp_path, capsys) -> None:
    assert main(["doctor", str(data_path(MOBILENET_BARE)), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert set(document) == REPORT_KEYS and document["exit_status"] == 1
    assert [t["task"] for t in document["tasks"]] == list(TASKS)
    assert all(set(t) == TASK_KEYS for t in document["tasks"])
    finding = document["tasks"][0]["findings"][0]
    assert set(finding) == {"severity", "code", "message", "fixes"}
    assert {fix["kind"] for fix in finding["fixes"]} == {"option", "command"}
    assert set(document["ops"][0]) == {"name", "kind", "count", "resolved_by", "kernel"}
    assert set(document["metadata"]) == {"present", "name", "version", "min_parser_version",
                                         "associated_files", "error"}
    assert set(document["litert"]) == {"loads", "prepares", "error"}
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"TFL3TFL3" * 4)
    assert main(["doctor", str(garbage), "--json", "--task", "smart_reply"]) == 3
    document = json.loads(capsys.readouterr().out)
    assert document["loadable"] is False and document["tasks"] == []
    assert document["findings"][0]["code"] == "not_a_model"


def test_cli_usage(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["doctor", "model.tflite", "--task", "classifier"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["doctor", "--help"])
    assert exit_info.value.code == 0
    assert "exit status" in capsys.readouterr().out


def test_the_command_the_doctor_gives_makes_the_model_ready(tmp_path, monkeypatch) -> None:
    """Running a task's ``metadata_command`` (with real files under the placeholder names)
    gives a model the doctor calls ready, for the float MobileNet without metadata and a BERT
    text embedder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "labels.txt").write_text("\n".join(f"class {i}" for i in range(1001)))
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")
    mobilenet = tmp_path / "mobilenet.tflite"
    mobilenet.write_bytes(data_path("vision/mobilenet_v1_0.25_224_1_default_1.tflite")
                          .read_bytes())
    bert = tmp_path / "bert.tflite"
    bert.write_bytes(bert_probe_model())
    for model, task in ((mobilenet, "image_classifier"), (bert, "text_embedder")):
        before = diagnose(model.name, task=task).tasks[0]
        assert before.status == "not ready"
        command = shlex.split(before.metadata_command)
        assert command[:3] == ["tflite-tasks", "metadata", "write"]
        assert main(command[1:]) == 0
        after = diagnose(command[command.index("--output") + 1], task=task).tasks[0]
        assert after.status == "ready", after.findings


def _run_command(command: str) -> None:
    """Runs a doctor's command line (``a && b``) through the CLI, in the current folder."""
    for part in command.split(" && "):
        words = shlex.split(part)
        assert words[0] == "tflite-tasks"
        assert main(words[1:]) == 0, part


def test_commands_keep_what_the_metadata_gives(tmp_path, monkeypatch) -> None:
    """The writer replaces the metadata: a command fixing one gap of a model with metadata
    also carries its normalization, tokenizer, labels... (packed files extracted first), so
    that it runs and the task stays as it was."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "labels.txt").write_text("one\ntwo\n")
    image = tmp_path / "image.tflite"
    image.write_bytes(with_classifier_metadata(constant_scores_model([0.2, 0.8]), labels=None,
                                               normalization=([127.5], [127.5]), threshold=0.1))
    text = tmp_path / "text.tflite"
    text.write_bytes(with_regex_metadata(word_average_model(), labels=None))
    for model, task, expected in (
            (image, "image_classifier", "--mean 127.5 --std 127.5 --score-threshold 0.1 "
                                        "--labels labels.txt"),
            (text, "text_classifier", "--vocab vocab.txt --delim-regex '[^\\w\\'\"'\"']+' "
                                      "--labels labels.txt")):
        before = diagnose(model.name, task=task).tasks[0]
        assert before.status == "ready with warnings"
        assert before.metadata_command.endswith(expected)
        _run_command(before.metadata_command)
        written = model.with_name(model.stem + "_metadata.tflite")
        after = diagnose(written, task=task).tasks[0]
        assert after.status == "ready", after.findings
        units = [[u.options for u in read_metadata(m).input_tensor(0).process_units]
                 for m in (written, model)]
        assert [type(u) for u in units[0]] == [type(u) for u in units[1]]
        assert [getattr(u, 'mean', None) for u in units[0]] == [
            getattr(u, 'mean', None) for u in units[1]]
        assert [getattr(u, 'delim_regex_pattern', None) for u in units[0]] == [
            getattr(u, 'delim_regex_pattern', None) for u in units[1]]
    assert diagnose(text.name, task="text_classifier").tasks[0].metadata_command.startswith(
        "tflite-tasks metadata extract-files text.tflite vocab.txt && ")


def test_labels_command_for_a_two_head_model_labelled_on_one_head(tmp_path, monkeypatch) -> None:
    """``--labels`` goes once per head: with labels on head 0 only, the command names a file
    for each head (not head 0's kept file plus one per head) and runs."""
    from audio_models import linear_model

    from tflite_tasks.metadata.writers import audio_classifier, metadata_info

    monkeypatch.chdir(tmp_path)
    (tmp_path / "birds.txt").write_text("a\nb\nc\n")
    raw = linear_model([np.ones((3, 4)), np.ones((2, 4))], (1, 4))
    model = tmp_path / "two_heads.tflite"
    model.write_bytes(audio_classifier.MetadataWriter.create_from_metadata_info_for_multihead(
        raw, input_md=metadata_info.InputAudioTensorMd("audio", "samples", 16000, 1),
        output_md_list=[metadata_info.ClassificationTensorMd(
                            label_files=[metadata_info.LabelFileMd("birds.txt")]),
                        metadata_info.ClassificationTensorMd()]).populate())
    before = diagnose(model.name, task="audio_classifier").tasks[0]
    assert before.status == "ready with warnings"
    assert before.metadata_command.endswith("--labels labels_0.txt --labels labels_1.txt")
    (tmp_path / "labels_0.txt").write_text("a\nb\nc\n")
    (tmp_path / "labels_1.txt").write_text("x\ny\n")
    _run_command(before.metadata_command)
    after = diagnose("two_heads_metadata.tflite", task="audio_classifier").tasks[0]
    assert after.status == "ready", after.findings
