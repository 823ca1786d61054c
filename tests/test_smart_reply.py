"""SmartReply on the hosted model: the reference samples, conversations, backoff, edge inputs."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest
from testdata import data_path, data_root

from tflite_tasks import InputError, OptionsError, SmartReply
from tflite_tasks.tasks.text.smart_reply import split_sentences

MODEL = "text/smartreply/smartreply.tflite"


@pytest.fixture(scope="module")
def smart_reply() -> SmartReply:
    return SmartReply.create_from_file(data_path(MODEL))


def _samples() -> list[tuple[str, list[str]]]:
    path = data_root() / "text/smartreply/smartreply_samples.tsv"
    if not path.exists():
        return [("(missing)", [])]  # the test then reports the missing file through data_path
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(fields[0], fields[1:]) for fields in (line.split("\t") for line in lines)]


@pytest.mark.parametrize(("message", "expected"), _samples())
def test_every_sample_reply_is_suggested(smart_reply: SmartReply, message: str,
                                         expected: list[str]) -> None:
    data_path("text/smartreply/smartreply_samples.tsv")
    result = smart_reply.suggest(message)
    assert len(result.replies) == 10
    model_replies = [r.text for r in result.replies if not r.backoff]
    assert set(expected) <= set(model_replies)
    scores = [r.score for r in result.replies]
    assert scores == sorted(scores, reverse=True)


def test_predictor_reference_cases(smart_reply: SmartReply) -> None:
    # tensorflow/lite/models/smartreply/predictor_test.cc
    result = smart_reply.suggest("Welcome")
    assert result.replies[0].score > 0.3 and "Thanks very much" in result.texts
    result = smart_reply.suggest(["Hello", "How are you?"])
    assert result.replies[0].score > 0.3 and "Hi, how are you doing?" in result.texts


def test_a_conversation_sums_the_votes_of_its_sentences(smart_reply: SmartReply) -> None:
    first = {r.text: r.score for r in smart_reply.suggest("Hello", max_replies=100).replies
             if not r.backoff}
    second = {r.text: r.score for r in smart_reply.suggest("How are you?",
                                                           max_replies=100).replies
              if not r.backoff}
    both = smart_reply.suggest(["Hello", "How are you?"], max_replies=100)
    assert both.texts == smart_reply.suggest("Hello. How are you?", max_replies=100).texts
    for reply in both.replies:
        if not reply.backoff:
            expected = first.get(reply.text, 0.0) + second.get(reply.text, 0.0)
            assert reply.score == pytest.approx(expected, rel=1e-6)
    assert len(both.texts) == len(set(both.texts))  # one entry per reply text


def test_sentence_splitting() -> None:
    assert split_sentences("Hello. How are you?") == [b"Hello .", b"How are you ?"]
    assert split_sentences("wait...what?!  ok") == [b"wait .what !", b"ok"]
    assert split_sentences("") == [b""]


def test_nothing_confident_gives_backoff_responses(smart_reply: SmartReply) -> None:
    backoff = (data_root() / "text/smartreply/backoff_response.txt").read_text(
        encoding="utf-8").split()
    for text in ["", "你好", "   ", "\x00"]:
        result = smart_reply.suggest(text, max_replies=4)
        assert all(r.backoff and r.score == pytest.approx(1e-4) for r in result.replies)
        assert result.texts == backoff[:4]
    mixed = smart_reply.suggest("how are you doing?")
    flags = [r.backoff for r in mixed.replies]
    assert flags == sorted(flags) and not flags[0]  # model replies first, then backoff


def test_backoff_options() -> None:
    path = data_path(MODEL)
    mine = SmartReply.create_from_file(path, backoff_responses=["Sure", "Nope"],
                                       backoff_confidence=0.5)
    result = mine.suggest("你好")
    assert [(r.text, r.score) for r in result.replies] == [("Sure", 0.5), ("Nope", 0.5)]
    none = SmartReply.create_from_buffer(path.read_bytes())  # no file beside it
    assert none.backoff_responses == [] and none.suggest("你好").replies == []


def test_edge_inputs(smart_reply: SmartReply) -> None:
    assert len(smart_reply.suggest("hey " * 5000).replies) == 10
    assert smart_reply.suggest("😀 ça va? Ünïcödé").replies
    assert smart_reply.suggest([]).texts == smart_reply.suggest("你好").texts
    with pytest.raises(InputError, match="decode it first"):
        smart_reply.suggest(b"hello")
    with pytest.raises(InputError, match="decode it first"):
        smart_reply.suggest(["hello", b"there"])
    with pytest.raises(OptionsError, match="max_replies"):
        smart_reply.suggest("hello", max_replies=0)


def test_pickle_and_threads(smart_reply: SmartReply) -> None:
    messages = [message for message, _ in _samples()][:12]
    expected = [smart_reply.suggest(m) for m in messages]
    clone = pickle.loads(pickle.dumps(smart_reply))
    assert clone.backoff_responses == smart_reply.backoff_responses
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(clone.suggest, messages)) == expected
    assert expected[0].to_dict()["replies"][0].keys() == {"text", "score", "backoff"}


def test_explicit_empty_backoff_and_duplicates(tmp_path) -> None:
    path = data_path(MODEL)
    assert SmartReply.create_from_file(path, backoff_responses=[]).suggest("你好").replies == []
    twice = SmartReply.create_from_file(path, backoff_responses=["a", "a", "", "b"])
    assert twice.backoff_responses == ["a", "b"]


def test_other_models_are_refused() -> None:
    with pytest.raises(OptionsError, match="one string input and two outputs"):
        SmartReply.create_from_file(
            data_path("text/test_model_nl_classifier_with_regex_tokenizer.tflite"))
