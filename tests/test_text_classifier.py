"""TextClassifier: the reference cases, the three kinds of text model, options, edge inputs."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from nl_test_ops import NL_OPS, string_to_bools
from testdata import data_path, reference_case, reference_case_ids
from text_models import (
    BERT_VOCAB,
    REGEX_VOCAB,
    bert_probe_model,
    with_bert_metadata,
    with_regex_metadata,
    word_average_model,
    word_table,
)

from tflite_tasks import CustomOpError, InputError, OptionsError, TextClassifier

REGEX_MODEL = "text/test_model_nl_classifier_with_regex_tokenizer.tflite"
STRING_MODEL = "text/test_model_nl_classifier.tflite"


@pytest.mark.parametrize("case_id", reference_case_ids("text"))
def test_reference_cases_scores_sorted_with_real_indices(case_id: str) -> None:
    case, reference = reference_case(case_id)
    classifier = TextClassifier.create_from_file(data_path(case["model"]))
    (head,) = classifier.classify(case["input"]).classifications
    expected = {c["category_name"]: c["score"] for c in reference[0]["categories"]}
    assert [c.category_name for c in head.categories] == sorted(expected,
                                                                key=lambda n: -expected[n])
    for category in head.categories:
        assert category.score == pytest.approx(expected[category.category_name], abs=1e-4)
        assert category.index == classifier.labels.index(category.category_name)


def test_edge_texts_give_results() -> None:
    classifier = TextClassifier.create_from_file(data_path(REGEX_MODEL))
    for text in ["", "?!... ---", "movie " * 20_000, "café naïve 日本語 😀 Ünïcödé", "\x00\n\t"]:
        (head,) = classifier.classify(text).classifications
        assert len(head.categories) == 2
        assert sum(c.score for c in head.categories) == pytest.approx(1.0, abs=1e-5)


def test_non_str_texts_are_refused_clearly() -> None:
    classifier = TextClassifier.create_from_file(data_path(REGEX_MODEL))
    with pytest.raises(InputError, match=r"decode it first"):
        classifier.classify(b"bytes")
    with pytest.raises(InputError, match="str, not int"):
        classifier.classify(3)
    with pytest.raises(InputError, match="list of texts"):
        classifier.classify_batch("one text")
    with pytest.raises(InputError, match="decode"):
        classifier.classify_batch(["fine", b"not fine"])


def test_batch_pickle_and_threads_agree() -> None:
    classifier = TextClassifier.create_from_file(data_path(REGEX_MODEL), max_results=1)
    texts = ["What a waste of my time.", "Strongly recommend it!", "", "meh"] * 5
    single = [classifier.classify(t) for t in texts]
    assert classifier.classify_batch(texts) == single
    clone = pickle.loads(pickle.dumps(classifier))
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(clone.classify, texts)) == single


def test_classification_options_apply() -> None:
    path = data_path(REGEX_MODEL)
    text = "What a waste of my time."
    (head,) = TextClassifier.create_from_file(path, max_results=1).classify(text).classifications
    assert [c.category_name for c in head.categories] == ["Negative"]
    (head,) = TextClassifier.create_from_file(
        path, category_name_allowlist=["Positive"]).classify(text).classifications
    assert [c.category_name for c in head.categories] == ["Positive"]
    (head,) = TextClassifier.create_from_file(path, score_threshold=0.5).classify(
        text).classifications
    assert [c.category_name for c in head.categories] == ["Negative"]
    (head,) = TextClassifier.create_from_file(path, labels=["bad", "good"]).classify(
        text).classifications
    assert head.categories[0].category_name == "bad"


def _expected_average(words: list[str], length: int = 8) -> np.ndarray:
    """Mean table row of [<START>, word ids (<UNKNOWN> for others), <PAD>...] of ``length``."""
    index = {w: i for i, w in enumerate(REGEX_VOCAB)}
    ids = [index["<START>"]] + [index.get(w, index["<UNKNOWN>"]) for w in words]
    ids = (ids + [index["<PAD>"]] * length)[:length]
    return word_table()[ids].mean(axis=0)


def test_regex_metadata_drives_the_tokenizer() -> None:
    classifier = TextClassifier.create_from_buffer(
        with_regex_metadata(word_average_model(), labels=["first", "second"]))
    (head,) = classifier.classify("Good movie, it's GOOD!? unseen").classifications
    scores = {c.index: c.score for c in head.categories}
    # no lowercasing (the reference's rule): "Good" and "GOOD" are unknown words
    expected = _expected_average(["Good", "movie", "it's", "GOOD", "unseen"])
    assert [scores[0], scores[1]] == pytest.approx(expected.tolist(), abs=1e-6)
    # truncation: <START> and 7 words fill the 8 ids
    (head,) = classifier.classify("bad " * 50).classifications
    assert {c.index: c.score for c in head.categories}[1] == pytest.approx(
        _expected_average(["bad"] * 7)[1], abs=1e-6)


def test_models_without_metadata_take_the_tokenizer_from_options(tmp_path) -> None:
    model = word_average_model()
    with pytest.raises(OptionsError, match="vocab_file"):
        TextClassifier.create_from_buffer(model)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(f"{w} {i}\n" for i, w in enumerate(REGEX_VOCAB)))
    classifier = TextClassifier.create_from_buffer(model, vocab_file=vocab,
                                                   delim_regex_pattern=" ")
    (head,) = classifier.classify("good,movie bad").classifications
    scores = {c.index: c.score for c in head.categories}
    assert scores[0] == pytest.approx(_expected_average(["<UNKNOWN>", "bad"])[0], abs=1e-6)
    assert {c.category_name for c in head.categories} == {"0", "1"}  # no labels: the index


def _probe(classifier: TextClassifier, text: str) -> list[float]:
    (head,) = classifier.classify(text).classifications
    return [s for _, s in sorted((c.index, c.score) for c in head.categories)]


@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("order", [("ids", "mask", "segment_ids"), ("ids", "segment_ids", "mask")])
def test_bert_inputs_wordpiece(dynamic: bool, order: tuple[str, ...]) -> None:
    model = bert_probe_model(length=8, dynamic=dynamic, order=order)
    classifier = TextClassifier.create_from_buffer(with_bert_metadata(model, order=order))
    ids = {t: i for i, t in enumerate(BERT_VOCAB)}
    tokens = ["[CLS]", "good", "movie", "##s", ",", "bad", "!", "[SEP]"]
    assert _probe(classifier, "GOOD Movies, bad!") == [sum(ids[t] for t in tokens), 8, 0]
    # truncation keeps [CLS] and [SEP]; a dynamic input is as long as the tokens
    kept = ["[CLS]", *["good"] * (40 if dynamic else 6), "[SEP]"]
    assert _probe(classifier, "good " * 40) == [sum(ids[t] for t in kept), len(kept), 0]
    short = _probe(classifier, "bad")
    assert short == [ids["[CLS]"] + ids["bad"] + ids["[SEP]"], 3, 0]


def test_bert_inputs_found_by_tensor_names_without_metadata(tmp_path) -> None:
    model = bert_probe_model(order=("ids", "segment_ids", "mask"), names={
        "ids": "input_word_ids", "mask": "input_mask", "segment_ids": "input_type_ids"})
    with pytest.raises(OptionsError, match="tokenizer='bert'"):
        TextClassifier.create_from_buffer(model)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(BERT_VOCAB))
    classifier = TextClassifier.create_from_buffer(model, tokenizer="bert", vocab_file=vocab)
    ids = {t: i for i, t in enumerate(BERT_VOCAB)}
    assert _probe(classifier, "movie") == [ids["[CLS]"] + ids["movie"] + ids["[SEP]"], 3, 0]


def test_bert_sentencepiece_metadata() -> None:
    import sentencepiece

    proto = data_path("text/sentencepiece.model").read_bytes()
    classifier = TextClassifier.create_from_buffer(
        with_bert_metadata(bert_probe_model(length=16), sentencepiece=proto))
    processor = sentencepiece.SentencePieceProcessor(model_proto=proto)
    pieces = processor.encode("hello world", out_type=int)
    cls, sep = processor.piece_to_id(["[CLS]", "[SEP]"])
    assert _probe(classifier, "Hello World") == [cls + sum(pieces) + sep, len(pieces) + 2, 0]


def test_string_model_with_python_kernels_and_label_tensor() -> None:
    path = data_path(STRING_MODEL)
    classifier = TextClassifier.create_from_file(path, custom_ops=NL_OPS, label_tensor="LABELS")
    (head,) = classifier.classify("0.25,0.5,0.125").classifications
    assert [(c.index, c.category_name, c.score) for c in head.categories] == [
        (1, "label1", 0.5), (0, "label0", 0.25), (2, "label2", 0.125)]
    assert head.head_name == "OUTPUT_SCORE_DEQUANTIZED"


@pytest.mark.parametrize(("tensor", "expected"), [
    ("OUTPUT_SCORE_QUANTIZED", [510.0, 255.0]),  # uint8 (scale 255) dequantized
    ("OUTPUT_SCORE_DEQUANTIZED_FLOAT64", [510.0, 255.0]),
    (3, [510.0, 255.0]),
])
def test_score_tensor_of_any_numeric_type(tensor: str | int, expected: list[float]) -> None:
    classifier = TextClassifier.create_from_file(data_path(STRING_MODEL), custom_ops=NL_OPS,
                                                 score_tensor=tensor, max_results=2)
    (head,) = classifier.classify("255,510,0").classifications
    assert [c.score for c in head.categories] == expected
    assert [c.category_name for c in head.categories] == ["1", "0"]


def test_bool_scores() -> None:
    classifier = TextClassifier.create_from_file(
        data_path("text/test_model_nl_classifier_bool_output.tflite"),
        custom_ops={"CUSTOM_OP_STRING_TO_BOOLS": string_to_bools})
    (head,) = classifier.classify("1,0,1").classifications
    assert [(c.index, c.score) for c in head.categories] == [(0, 1.0), (2, 1.0), (1, 0.0)]


def test_bad_tensor_options() -> None:
    path = data_path(STRING_MODEL)
    with pytest.raises(OptionsError, match="no output named 'nope'"):
        TextClassifier.create_from_file(path, custom_ops=NL_OPS, score_tensor="nope")
    with pytest.raises(OptionsError, match="tokenizer is one of"):
        TextClassifier.create_from_file(path, custom_ops=NL_OPS, tokenizer="spaces")
    with pytest.raises(OptionsError, match="takes text models"):
        TextClassifier.create_from_file(data_path("vision/mobilenet_v1_0.25_224_quant.tflite"))


def test_bert_roles_from_metadata_names_whatever_the_tensor_names() -> None:
    order = ("segment_ids", "mask", "ids")
    model = bert_probe_model(order=order, names={"ids": "x", "mask": "y", "segment_ids": "z"})
    metadata_names = {"ids": "input_word_ids", "mask": "input_mask",
                      "segment_ids": "input_type_ids"}
    classifier = TextClassifier.create_from_buffer(
        with_bert_metadata(model, order=[metadata_names[r] for r in order]))
    ids = {t: i for i, t in enumerate(BERT_VOCAB)}
    assert _probe(classifier, "movie") == [ids["[CLS]"] + ids["movie"] + ids["[SEP]"], 3, 0]


def test_inputs_the_task_cannot_fill_are_refused() -> None:
    from tflite_tasks.core.model_builder import GraphBuilder

    g = GraphBuilder()
    inputs = [g.input(f"in{i}", (1, 8), np.int32) for i in range(4)]
    total = g.add_op("ADD", inputs[:2], (1, 8), np.int32)
    for extra in inputs[2:]:
        total = g.add_op("ADD", [total, extra], (1, 8), np.int32)
    scores = g.add_op("CAST", [total], (1, 8), np.float32)
    with pytest.raises(OptionsError, match="takes text models"):
        TextClassifier.create_from_buffer(g.build(inputs=inputs, outputs=[scores]))


def test_one_dimensional_token_inputs(tmp_path) -> None:
    from tflite_tasks.core.model_builder import GraphBuilder

    g = GraphBuilder()
    ids = g.input("ids", (8,), np.int32)
    rows = g.add_op("GATHER", [g.constant("table", word_table()), ids], (8, 2), np.float32,
                    options=("GatherOptions", {"axis": 0}))
    mean = g.add_op("MEAN", [rows, g.constant("axis", np.array([0], np.int32))], (2,),
                    np.float32, options=("ReducerOptions", {"keepDims": False}))
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join(f"{w} {i}\n" for i, w in enumerate(REGEX_VOCAB)))
    classifier = TextClassifier.create_from_buffer(g.build(inputs=[ids], outputs=[mean]),
                                                   vocab_file=vocab)
    scores = {c.index: c.score for c in classifier.classify("good movie").classifications[0]
              .categories}
    assert scores[1] == pytest.approx(_expected_average(["good", "movie"])[1], abs=1e-6)


def test_vocabulary_beyond_the_model_is_an_inference_error(tmp_path) -> None:
    from tflite_tasks import InferenceError

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("<PAD> 0\n<UNKNOWN> 1\nhuge 1000\n")
    classifier = TextClassifier.create_from_buffer(word_average_model(), vocab_file=vocab)
    assert classifier.classify("small")  # ids within the table
    with pytest.raises(InferenceError, match="LiteRT failed"):
        classifier.classify("huge")


def test_odd_options_and_texts() -> None:
    path = data_path(STRING_MODEL)
    with pytest.raises(OptionsError, match="maps custom op names"):
        TextClassifier.create_from_file(path, custom_ops=[("X", string_to_bools)])
    with pytest.raises(OptionsError, match="vocab_file is a str"):
        TextClassifier.create_from_file(data_path(REGEX_MODEL), vocab_file=5)
    classifier = TextClassifier.create_from_file(path, custom_ops=NL_OPS)
    with pytest.raises(CustomOpError, match="could not convert string to float: '\ufffd'"):
        classifier.classify("\ud800")  # a lone surrogate reaches the kernel as U+FFFD
