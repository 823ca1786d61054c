"""Text and audio metadata writers: the reference's golden JSON, round trips, the models they
make in our tasks, and errors.

Each golden case is built with the inputs of the reference test that made its JSON
(tflite-support metadata_writers tests: nl_classifier_test, bert_nl_classifier_test,
audio_classifier_test, metadata_info_test), and compared as text, byte for byte: with
``get_populated_metadata_json()`` where the reference test read the populated model, else
with ``get_metadata_json()``. Models the shared data lacks are stand-ins built here with the
tensor names and types the JSON depends on (see each builder).
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from audio_models import probe_model, string_input_model
from testdata import data_path, reference_case
from text_models import BERT_VOCAB, bert_probe_model, with_bert_metadata

from tflite_tasks import AudioClassifier, TextClassifier, TextEmbedder
from tflite_tasks.core.errors import InputFileNotFoundError, MetadataError, ModelLoadError
from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import (
    ModelMetadata,
    ProcessUnit,
    ScoreTransformationType,
    SubGraphMetadata,
    TensorMetadata,
    populate,
    read_metadata,
)
from tflite_tasks.metadata.writers import (
    audio_classifier,
    bert_nl_classifier,
    nl_classifier,
    text_embedder,
)
from tflite_tasks.metadata.writers import metadata_info as mi
from tflite_tasks.metadata.writers.metadata_writer import MetadataWriter

REGEX = r"[^\w\']+"  # the reference tests' delimiter
MODEL_MAKER_BERT = {"ids": "serving_default_input_word_ids:0",
                    "mask": "serving_default_input_mask:0",
                    "segment_ids": "serving_default_input_type_ids:0"}
SAMPLE_RATE, CHANNELS = 2, 1  # audio_classifier_test's values
SPEECH = "audio/speech.wav"


# The reference's cases pair some stand-ins with label files of other lengths; the writer
# warns (test_label_files_are_checked_against_the_output, below).
LABEL_COUNT_WARNING = "ignore:label file .* labels but output:UserWarning"

def shared(name: str) -> Path:
    return data_path(f"metadata/{name}")


def bert_stand_in() -> bytes:
    """sst2_mobilebert_quant.tflite is not in the shared data. The JSON depends only on its
    input tensor names (Model Maker's), their order (ids, segment ids, mask, as the golden
    JSON lists them) and the first output's type (float32): this probe has the same."""
    return bert_probe_model(order=("ids", "segment_ids", "mask"), names=MODEL_MAKER_BERT)


def yamnet_tfhub_stand_in() -> bytes:
    """yamnet_tfhub.tflite is not in the shared data: a float32 audio input of dynamic
    length and a float32 first output, all the JSON depends on."""
    return probe_model(15600, dynamic=True)


def two_heads_stand_in() -> bytes:
    """two_heads.tflite is not in the shared data: one float32 input and two float32 outputs
    named Identity and Identity_1, as the reference test describes."""
    g = GraphBuilder()
    audio = g.input("audio", (1, 4), np.float32)
    heads = [g.add_op("FULLY_CONNECTED", [audio, g.constant(f"w{k}", np.ones((k, 4), np.float32)),
                                          g.constant(f"b{k}", np.zeros(k, np.float32))],
                      (1, k), np.float32, name=name)
             for name, k in (("Identity", 3), ("Identity_1", 2))]
    return g.build([audio], heads)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """The files the reference tests named but the shared data lacks (any content fits)."""
    (tmp_path / "mobilebert_vocab.txt").write_text("\n".join(BERT_VOCAB), encoding="utf-8")
    shutil.copy(data_path("text/sentencepiece.model"), tmp_path / "30k-clean.model")
    for name in ("score_calibration.txt", "score_cali_1.txt", "score_cali_2.txt"):
        (tmp_path / name).write_text("1.0,2.0,3.0,4.0\n", encoding="utf-8")
    for name in ("labels_en_1.txt", "labels_cn_1.txt", "labels_en_2.txt", "labels_cn_2.txt"):
        (tmp_path / name).write_text("a\nb\n", encoding="utf-8")
    return tmp_path


def calibration(path: Path) -> mi.ScoreCalibrationMd:
    return mi.ScoreCalibrationMd(ScoreTransformationType.LOG, 0.2, path)


def nl_regex() -> MetadataWriter:
    return nl_classifier.MetadataWriter.create_for_inference(
        shared("nl_classifier/movie_review.tflite"),
        mi.RegexTokenizerMd(REGEX, shared("nl_classifier/vocab.txt")),
        [shared("nl_classifier/labels.txt")])


def bert(tokenizer: Callable[[Path], mi.TokenizerMd]) -> Callable[[Path], MetadataWriter]:
    return lambda tmp: bert_nl_classifier.MetadataWriter.create_for_inference(
        bert_stand_in(), tokenizer(tmp), [shared("bert_nl_classifier/labels.txt")])


def two_heads(tmp: Path) -> MetadataWriter:
    heads = [mi.ClassificationTensorMd(
        name=f"head{h}", label_files=[mi.LabelFileMd(tmp / f"labels_en_{h}.txt"),
                                      mi.LabelFileMd(tmp / f"labels_cn_{h}.txt")],
        score_calibration_md=calibration(tmp / f"score_cali_{h}.txt"), tensor_name=name)
        for h, name in ((1, "Identity_1"), (2, "Identity"))]  # not in the model's order
    return audio_classifier.MetadataWriter.create_from_metadata_info_for_multihead(
        two_heads_stand_in(), mi.GeneralMd(name="AudioClassifier"),
        mi.InputAudioTensorMd(name="audio_clip", sample_rate=SAMPLE_RATE, channels=CHANNELS),
        heads)


YAMNET = "audio_classifier/yamnet_wavin_quantized_mel_relu6.tflite"
DAREDEVIL = "audio_classifier/daredevil_sound_recognizer_320ms.tflite"
AUDIO = audio_classifier.MetadataWriter

# golden JSON -> (builder from the folder of files, populated?, min_parser_version written)
CASES: dict[str, tuple[Callable[[Path], MetadataWriter], bool, str]] = {
    "nl_classifier/movie_review_default.json": (
        lambda tmp: nl_classifier.MetadataWriter.create_from_metadata_info(
            shared("nl_classifier/movie_review.tflite")), False, "1.0.0"),
    "nl_classifier/movie_review_regex.json": (lambda tmp: nl_regex(), True, "1.2.1"),
    "bert_nl_classifier/bert_nl_classifier_default.json": (
        lambda tmp: bert_nl_classifier.MetadataWriter.create_from_metadata_info(
            bert_stand_in()), False, "1.1.0"),
    "bert_nl_classifier/bert_nl_classifier_with_bert_tokenizer.json": (
        bert(lambda tmp: mi.BertTokenizerMd(tmp / "mobilebert_vocab.txt")), True, "1.1.0"),
    "bert_nl_classifier/bert_nl_classifier_with_sentence_piece.json": (
        bert(lambda tmp: mi.SentencePieceTokenizerMd(tmp / "30k-clean.model")), True, "1.1.0"),
    "audio_classifier/yamnet_wavin_quantized_mel_relu6.json": (
        lambda tmp: AUDIO.create_for_inference(
            shared(YAMNET), SAMPLE_RATE, CHANNELS,
            [shared("audio_classifier/yamnet_521_labels.txt")],
            calibration(tmp / "score_calibration.txt")), False, "1.3.0"),
    "audio_classifier/yamnet_wavin_quantized_mel_relu6_default.json": (
        lambda tmp: AUDIO.create_from_metadata_info(shared(YAMNET)), False, "1.3.0"),
    "audio_classifier/daredevil_sound_recognizer_320ms_default.json": (
        lambda tmp: AUDIO.create_from_metadata_info(shared(DAREDEVIL)), False, "1.3.0"),
    "audio_classifier/yamnet_tfhub.json": (
        lambda tmp: AUDIO.create_for_inference(
            yamnet_tfhub_stand_in(), SAMPLE_RATE, CHANNELS,
            [shared("audio_classifier/labelmap.txt")],
            calibration(tmp / "score_calibration.txt")), False, "1.3.0"),
    "audio_classifier/two_heads_default.json": (
        lambda tmp: AUDIO.create_from_metadata_info_for_multihead(two_heads_stand_in()), False,
        "1.3.0"),
    "audio_classifier/two_heads.json": (two_heads, False, "1.3.0"),
}


@pytest.mark.parametrize("golden", CASES)
@pytest.mark.filterwarnings(LABEL_COUNT_WARNING)
def test_writer_json_equals_reference_text(golden: str, files: Path) -> None:
    build, populated, _ = CASES[golden]
    writer = build(files)
    json_text = writer.get_populated_metadata_json() if populated else writer.get_metadata_json()
    assert json_text == shared(golden).read_text(encoding="utf-8")


@pytest.mark.parametrize("golden", CASES)
@pytest.mark.filterwarnings(LABEL_COUNT_WARNING)
def test_populate_round_trips_metadata_and_files(golden: str, files: Path) -> None:
    build, _, version = CASES[golden]
    writer = build(files)
    metadata = read_metadata(writer.populate())
    assert metadata.model_metadata is not None
    assert metadata.model_metadata.min_parser_version == version
    metadata.model_metadata.min_parser_version = None
    assert metadata.model_metadata.to_json() == writer.get_metadata_json()
    names = [Path(p).name for p in writer.associated_files]
    assert sorted(metadata.file_names) == sorted(names)
    for path in writer.associated_files:
        assert metadata.file(Path(path).name) == Path(path).read_bytes()


def test_daredevil_json_equals_reference_but_a_field_v15_lacks() -> None:
    # This JSON comes from an older reference test (no score calibration) and schema: its
    # AudioProperties.min_required_samples is not in metadata_schema.fbs v1.5. Compared as
    # parsed JSON without that one field.
    with pytest.warns(UserWarning, match=r"labelmap\.txt' has 2 labels but output "
                                         r"'tower0/network/layer13/Sigmoid' has 527 classes"):
        writer = AUDIO.create_for_inference(shared(DAREDEVIL), SAMPLE_RATE, CHANNELS,
                                            [shared("audio_classifier/labelmap.txt")])
    expected = json.loads(shared("audio_classifier/daredevil_sound_recognizer_320ms.json")
                          .read_text(encoding="utf-8"))
    audio = expected["subgraph_metadata"][0]["input_tensor_metadata"][0]
    assert audio["content"]["content_properties"].pop("min_required_samples") == 5360
    assert json.loads(writer.get_metadata_json()) == expected


def _in_subgraph(tensor: TensorMetadata | None = None, unit: ProcessUnit | None = None) -> str:
    """The JSON of a block as metadata_info_test printed it: alone in subgraph 0."""
    return ModelMetadata(subgraph_metadata=[SubGraphMetadata(
        input_tensor_metadata=[tensor] if tensor else None,
        input_process_units=[unit] if unit else None)]).to_json()


# general/ golden JSON -> the block, made with metadata_info_test's arguments (positional
# where the reference test passes them positionally).
BLOCKS: dict[str, Callable[[], str]] = {
    "input_text_tesnor_meta.json": lambda: _in_subgraph(mi.InputTextTensorMd(
        "input text", "The input string.", mi.RegexTokenizerMd(REGEX, "vocab.txt"))
        .create_metadata()),
    "input_text_tesnor_default_meta.json": lambda: _in_subgraph(
        mi.InputTextTensorMd().create_metadata()),
    "input_audio_tesnor_meta.json": lambda: _in_subgraph(mi.InputAudioTensorMd(
        "input text", "The input string.", 10, 2).create_metadata()),
    "input_audio_tesnor_default_meta.json": lambda: _in_subgraph(
        mi.InputAudioTensorMd().create_metadata()),
    "regex_tokenizer_meta.json": lambda: _in_subgraph(
        unit=mi.RegexTokenizerMd(REGEX, "vocab.txt").create_metadata()),
    "bert_tokenizer_meta.json": lambda: _in_subgraph(
        unit=mi.BertTokenizerMd("vocab.txt").create_metadata()),
    "sentence_piece_tokenizer_meta.json": lambda: _in_subgraph(
        unit=mi.SentencePieceTokenizerMd("sp.model", "vocab.txt").create_metadata()),
}


@pytest.mark.parametrize("golden", BLOCKS)
def test_text_and_audio_blocks_equal_reference_text(golden: str) -> None:
    assert BLOCKS[golden]() == shared(f"general/{golden}").read_text(encoding="utf-8")


def test_bert_inputs_follow_the_model_order() -> None:
    model = bert_stand_in()
    names = MODEL_MAKER_BERT
    inputs = mi.BertInputTensorsMd(model, names["ids"], names["mask"], names["segment_ids"],
                                   mask_md=mi.TensorMd(name="my mask"))
    assert [t.name for t in inputs.create_input_tensor_metadata()] == [
        "ids", "segment_ids", "my mask"]
    assert inputs.create_input_process_unit_metadata() == []
    assert inputs.get_tokenizer_associated_files() == []


# ---- the models the writers make, in our tasks ----------------------------------------------

SENTENCES = ["This is the best movie I've seen in recent years. Strongly recommend it!",
             "What a waste of my time.", "", "it's a movie"]


def test_nl_classifier_metadata_runs_in_text_classifier() -> None:
    # movie_review.tflite has other weights than the reference cases' regex model, whose
    # outputs therefore do not apply: the scores must equal those of the bare model given
    # the same tokenizer and labels through options.
    classifier = TextClassifier.create_from_buffer(nl_regex().populate())
    bare = TextClassifier.create_from_file(
        shared("nl_classifier/movie_review.tflite"), tokenizer="regex",
        vocab_file=shared("nl_classifier/vocab.txt"), delim_regex_pattern=REGEX,
        labels=shared("nl_classifier/labels.txt"))
    assert classifier.labels == ["Negative", "Positive"]
    for text in SENTENCES:
        assert classifier.classify(text).classifications[0].categories == (
            bare.classify(text).classifications[0].categories)
    top = [classifier.classify(t).classifications[0].categories[0].category_name
           for t in SENTENCES[:2]]
    assert top == ["Positive", "Negative"]


@pytest.mark.parametrize("sentencepiece", [False, True])
def test_bert_nl_classifier_metadata_runs_in_text_classifier(sentencepiece: bool,
                                                             files: Path) -> None:
    model = bert_stand_in()
    labels = files / "probe_labels.txt"
    labels.write_text("ids\nmask\nsegments\n", encoding="utf-8")
    if sentencepiece:
        tokenizer: mi.TokenizerMd = mi.SentencePieceTokenizerMd(files / "30k-clean.model")
        reference = with_bert_metadata(model, ("ids", "segment_ids", "mask"),
                                       (files / "30k-clean.model").read_bytes())
    else:
        tokenizer = mi.BertTokenizerMd(files / "mobilebert_vocab.txt")
        reference = with_bert_metadata(model, ("ids", "segment_ids", "mask"))
    ours = TextClassifier.create_from_buffer(bert_nl_classifier.MetadataWriter.create_for_inference(
        model, tokenizer, [labels]).populate())
    theirs = TextClassifier.create_from_buffer(reference, labels=labels)
    assert ours.labels == ["ids", "mask", "segments"]
    for text in ["good movies, bad movie!", ""]:
        assert ours.classify(text).classifications[0].categories == (
            theirs.classify(text).classifications[0].categories)


def test_audio_metadata_runs_yamnet_in_audio_classifier() -> None:
    writer = AUDIO.create_for_inference(shared(YAMNET), 16000, 1,
                                        [shared("audio_classifier/yamnet_521_labels.txt")])
    ours = AudioClassifier.create_from_buffer(writer.populate(), max_results=5)
    results = ours.classify(data_path(SPEECH))
    assert results[0].classifications[0].categories[0].category_name == "Speech"
    # The same network as the reference case's model (which has metadata of its own).
    case, reference = reference_case("aud_yamnet_speech")
    theirs = AudioClassifier.create_from_file(data_path(case["model"]), max_results=5)
    for mine, other in zip(results, theirs.classify(data_path(SPEECH)), strict=True):
        assert mine.classifications[0].categories == other.classifications[0].categories
    expected = [(c["category_name"], c["score"]) for c in reference[0]["categories"]]
    first = [(c.category_name, c.score) for c in results[0].classifications[0].categories]
    assert [n for n, _ in first] == [n for n, _ in expected]
    assert [s for _, s in first] == pytest.approx([s for _, s in expected], abs=1e-3)


def test_audio_metadata_loads_daredevil() -> None:
    # Its 527 classes do not fit labelmap.txt (2 labels; the reference pairs them for the
    # JSON only), so no label file here.
    writer = AUDIO.create_for_inference(shared(DAREDEVIL), 16000, 1, [])
    classifier = AudioClassifier.create_from_buffer(writer.populate(), max_results=-1)
    assert (classifier.audio_format.sample_rate, classifier.audio_format.channels) == (16000, 1)
    results = classifier.classify(data_path(SPEECH))
    assert results and len(results[0].classifications[0].categories) == 527


def test_text_embedder_regex_metadata_gives_the_original_embeddings(tmp_path: Path) -> None:
    original = data_path("text/regex_one_embedding_with_metadata.tflite")
    vocab = tmp_path / "vocab.txt"
    vocab.write_bytes(read_metadata(original).file("vocab.txt"))
    bare = populate(original, None)
    writer = text_embedder.MetadataWriter.create_for_inference(
        bare, mi.RegexTokenizerMd(REGEX, vocab))
    assert json.loads(writer.get_populated_metadata_json())["min_parser_version"] == "1.2.1"
    ours = TextEmbedder.create_from_buffer(writer.populate())
    theirs = TextEmbedder.create_from_file(original)
    for text in ["it's a charming and often affecting journey", "what a great trip", ""]:
        (mine,) = ours.embed(text).embeddings
        assert mine.head_name == "embedding"
        np.testing.assert_array_equal(mine.embedding, theirs.embed(text).embeddings[0].embedding)


def test_text_embedder_bert_metadata_runs_in_text_embedder(files: Path) -> None:
    model = bert_probe_model()  # inputs ids, mask, segment_ids; vector [sum ids, #tokens, 0]
    writer = text_embedder.MetadataWriter.create_for_inference(
        model, mi.BertTokenizerMd(files / "mobilebert_vocab.txt"), "ids", "mask", "segment_ids")
    metadata = json.loads(writer.get_populated_metadata_json())
    assert [t["name"] for t in metadata["subgraph_metadata"][0]["input_tensor_metadata"]] == [
        "ids", "mask", "segment_ids"]
    ours = TextEmbedder.create_from_buffer(writer.populate())
    theirs = TextEmbedder.create_from_buffer(with_bert_metadata(model))
    for text in ["good movies!", ""]:
        np.testing.assert_array_equal(ours.embed(text).embeddings[0].embedding,
                                      theirs.embed(text).embeddings[0].embedding)


# ---- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "channels", "match"), [
    (-1, 1, "sample_rate must be a positive integer"), (0, 1, "sample_rate"),
    (16000, 0, "channels must be a positive integer"), (16000.0, 1, "sample_rate")])
def test_audio_refuses_rates_and_channels_that_are_not_positive(
        rate: object, channels: object, match: str) -> None:
    with pytest.raises(MetadataError, match=match):
        AUDIO.create_for_inference(yamnet_tfhub_stand_in(), rate, channels, [])


def test_audio_block_refuses_negative_values() -> None:
    with pytest.raises(MetadataError, match="sample_rate must be a non-negative"):
        mi.InputAudioTensorMd(sample_rate=-1).create_metadata()
    with pytest.raises(MetadataError, match="channels must be a non-negative"):
        mi.InputAudioTensorMd(channels=-1).create_metadata()


def test_bert_names_not_in_the_model_say_which_arguments_to_pass(files: Path) -> None:
    model = bert_probe_model()  # tensors named ids, mask, segment_ids
    with pytest.raises(MetadataError, match=r"ids_name='serving_default_input_word_ids:0'.*"
                                            r"\['ids', 'mask', 'segment_ids'\].*pass the names"):
        bert_nl_classifier.MetadataWriter.create_for_inference(
            model, mi.BertTokenizerMd(files / "mobilebert_vocab.txt"), [])
    with pytest.raises(MetadataError, match="pass the names"):
        text_embedder.MetadataWriter.create_for_inference(
            model, mi.BertTokenizerMd(files / "mobilebert_vocab.txt"), "ids", "mask", "segments")


def test_wrong_tokenizer_kinds_point_to_the_right_writer(files: Path) -> None:
    wordpiece = mi.BertTokenizerMd(files / "mobilebert_vocab.txt")
    with pytest.raises(MetadataError, match="BertInputTensorsMd"):
        nl_classifier.MetadataWriter.create_for_inference(
            shared("nl_classifier/movie_review.tflite"), wordpiece, [])
    with pytest.raises(MetadataError, match="nl_classifier"):
        bert_nl_classifier.MetadataWriter.create_for_inference(
            bert_stand_in(), mi.RegexTokenizerMd(REGEX, files / "mobilebert_vocab.txt"), [])
    with pytest.raises(MetadataError, match=r"3 inputs.*BertTokenizerMd"):
        text_embedder.MetadataWriter.create_for_inference(
            bert_stand_in(), mi.RegexTokenizerMd(REGEX, files / "mobilebert_vocab.txt"))


def test_missing_files_are_named_with_the_argument_to_fix(tmp_path: Path) -> None:
    model = shared("nl_classifier/movie_review.tflite")
    labels = [shared("nl_classifier/labels.txt")]
    missing = tmp_path / "missing.txt"
    with pytest.raises(InputFileNotFoundError, match=r"vocabulary file .*missing\.txt.*"
                                                     "tokenizer_md must name existing"):
        nl_classifier.MetadataWriter.create_for_inference(
            model, mi.RegexTokenizerMd(REGEX, missing), labels)
    with pytest.raises(InputFileNotFoundError, match=r"label file .*label_file_paths"):
        nl_classifier.MetadataWriter.create_for_inference(model, None, [missing])
    with pytest.raises(MetadataError, match="wrap the single path in a list"):
        nl_classifier.MetadataWriter.create_for_inference(model, None, str(labels[0]))
    with pytest.raises(InputFileNotFoundError, match="score calibration file"):
        AUDIO.create_for_inference(yamnet_tfhub_stand_in(), 16000, 1, [], calibration(missing))
    # Blocks may name files that do not exist yet; populating then says which one.
    writer = AUDIO.create_from_metadata_info(yamnet_tfhub_stand_in(), output_md=(
        mi.ClassificationTensorMd(name="scores", label_files=[mi.LabelFileMd(missing)])))
    with pytest.raises(InputFileNotFoundError, match=r"missing\.txt"):
        writer.populate()


@pytest.mark.parametrize("model", [b"garbage", b"\0\0\0\0TFL3" + b"\xff" * 40])
def test_garbage_models_are_refused(model: bytes, files: Path) -> None:
    with pytest.raises(ModelLoadError, match="TFLite model"):
        nl_classifier.MetadataWriter.create_for_inference(model, None, [])
    with pytest.raises(ModelLoadError):
        bert_nl_classifier.MetadataWriter.create_for_inference(
            model, mi.BertTokenizerMd(files / "mobilebert_vocab.txt"), [])
    with pytest.raises(ModelLoadError):
        AUDIO.create_for_inference(model, 16000, 1, [])
    with pytest.raises(ModelLoadError):
        text_embedder.MetadataWriter.create_from_metadata_info(model)


def test_audio_classifier_for_inference_of_several_heads(files: Path) -> None:
    """One label file per head (the reference writes one table for the first head only, which
    its populator refuses: the tasks match tensor metadata by position)."""
    labels = [files / "labels_en_1.txt", files / "labels_cn_2.txt"]
    (files / "labels_en_1.txt").write_text("a\nb\nc\n", encoding="utf-8")
    writer = AUDIO.create_for_inference(two_heads_stand_in(), 16000, 1, labels)
    outputs = writer.metadata.subgraph_metadata[0].output_tensor_metadata
    assert [(t.name, [f.name for f in t.associated_files]) for t in outputs] == [
        ("Identity", ["labels_en_1.txt"]), ("Identity_1", ["labels_cn_2.txt"])]
    with AudioClassifier.create_from_buffer(writer.populate()) as classifier:
        assert classifier.labels == [["a", "b", "c"], ["a", "b"]]
    unlabelled = AUDIO.create_for_inference(two_heads_stand_in(), 16000, 1, [])
    assert [t.associated_files for t in
            unlabelled.metadata.subgraph_metadata[0].output_tensor_metadata] == [None, None]
    with pytest.raises(MetadataError, match=r"2 heads \['Identity', 'Identity_1'\]: give one "
                                            r"label file per head.*\(got 1\)"):
        AUDIO.create_for_inference(two_heads_stand_in(), 16000, 1, labels[:1])
    with pytest.raises(MetadataError, match="no score calibration"):
        AUDIO.create_for_inference(two_heads_stand_in(), 16000, 1, labels,
                                   calibration(files / "score_cali_1.txt"))


def test_tensor_metadata_must_be_one_per_tensor() -> None:
    """As the reference populator checks, else the task refuses the model ("the metadata
    describes 1 output tensors but the model has 2")."""
    with pytest.raises(MetadataError, match=r"describes 1 output tensor\(s\) but the model has "
                                            r"2 \['Identity', 'Identity_1'\]"):
        AUDIO.create_from_metadata_info(two_heads_stand_in())
    with pytest.raises(MetadataError, match=r"describes 1 input tensor\(s\) but the model has 3"):
        AUDIO.create_from_metadata_info(bert_stand_in())


def test_a_tokenizer_must_fit_the_text_input(files: Path) -> None:
    vocab = files / "mobilebert_vocab.txt"
    string_model = string_input_model()
    with pytest.raises(MetadataError, match=r"'text' is text \(string\): the model tokenizes"):
        nl_classifier.MetadataWriter.create_for_inference(
            string_model, mi.RegexTokenizerMd(REGEX, vocab), [])
    assert nl_classifier.MetadataWriter.create_for_inference(string_model, None, [])
    ids_model = shared("nl_classifier/movie_review.tflite")
    for create in (lambda: nl_classifier.MetadataWriter.create_for_inference(ids_model, None, []),
                   lambda: text_embedder.MetadataWriter.create_for_inference(ids_model, None)):
        with pytest.raises(MetadataError, match=r"'input_3' takes token ids \(int32\), so the "
                                                "task needs a tokenizer"):
            create()


@pytest.mark.parametrize(("block", "message"), [
    (lambda: mi.ScoreThresholdingMd(float("nan")), "global_score_threshold must be a number"),
    (lambda: mi.ScoreThresholdingMd("0.5"), "global_score_threshold must be a number"),
    (lambda: mi.ScoreThresholdingMd(np.array([0.5, 0.6])), "global_score_threshold must be a"),
    (lambda: mi.ScoreCalibrationMd(ScoreTransformationType.LOG, float("nan"), "c.txt"),
     "default_score must be a finite number"),
    (lambda: mi.InputAudioTensorMd(sample_rate=16000.0).create_metadata(),
     "sample_rate must be a non-negative integer"),
])
def test_score_and_audio_values_the_tasks_would_refuse_are_refused(block, message) -> None:
    with pytest.raises(MetadataError, match=message):
        block()


def test_label_files_are_checked_against_the_output(tmp_path: Path) -> None:
    """The reference writes label files of any length (its tests pair YAMNet's 521 classes
    with 2 labels): so do we, with a warning, since the tasks refuse such a model. A label
    file that is not UTF-8 text would make the model fail in every task: refused."""
    yamnet = shared(YAMNET)
    labels = tmp_path / "labels.txt"
    labels.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(f"class {i}" for i in range(521)).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # BOM, CRLF, no final newline: 521 labels, no warning
        AUDIO.create_for_inference(yamnet, 16000, 1, [labels])
    labels.write_text("\n".join(f"class {i}" for i in range(520)) + "\n\n")  # empty last label
    AUDIO.create_for_inference(yamnet, 16000, 1, [labels])
    labels.write_text("a\nb\n")
    with pytest.warns(UserWarning, match=r"has 2 labels but output .* has 521 classes: the "
                                         r"tasks refuse the model unless given labels"):
        AUDIO.create_for_inference(yamnet, 16000, 1, [labels])
    labels.write_bytes("caf\u00e9\n".encode("latin-1"))
    with pytest.raises(MetadataError, match=r"label file .*labels\.txt' is not UTF-8 text"):
        nl_classifier.MetadataWriter.create_for_inference(
            shared("nl_classifier/movie_review.tflite"),
            mi.RegexTokenizerMd(REGEX, shared("nl_classifier/vocab.txt")), [labels])


def test_a_regex_tokenizer_the_tasks_refuse_is_refused(tmp_path: Path) -> None:
    model = shared("nl_classifier/movie_review.tflite")
    vocab = shared("nl_classifier/vocab.txt")
    with pytest.raises(MetadataError, match=r"delim_regex_pattern '\(' is not usable"):
        nl_classifier.MetadataWriter.create_for_inference(
            model, mi.RegexTokenizerMd("(", vocab), [])
    wordpiece = tmp_path / "wordpiece.txt"  # a BERT vocabulary: no "word id" lines
    wordpiece.write_text("[PAD]\n[UNK]\nhello\n", encoding="utf-8")
    with pytest.raises(MetadataError, match=r"vocabulary line 1 is not 'word id'.*"
                                            r"wordpiece\.txt"):
        text_embedder.MetadataWriter.create_for_inference(model,
                                                          mi.RegexTokenizerMd(REGEX, wordpiece))
