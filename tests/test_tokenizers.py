"""The text tokenizers against the reference Task Library's semantics."""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable

import numpy as np
import pytest
from testdata import data_path, reference_case, reference_case_ids

from tflite_tasks.core.engine import Engine
from tflite_tasks.core.errors import (
    InputError,
    MetadataError,
    MissingDependencyError,
    ModelLoadError,
    OptionsError,
)
from tflite_tasks.metadata import read_metadata
from tflite_tasks.tasks.text.tokenizers import (
    RegexTokenizer,
    SentencePieceTokenizer,
    WordPieceTokenizer,
    python_pattern,
)

DELIM = r"[^\w\']+"  # what every RegexTokenizer model in the shared data uses
SENTENCE = "This is the best movie I've seen in recent years. Strongly recommend it!"
ODD_TEXTS = ["", "!!! ... ???", "café naïve 日本語 😀", "a" * 100_000, "word " * 20_000,
             "x\ud800y", "\0"]


@pytest.fixture(scope="module")
def regex_tokenizer() -> RegexTokenizer:
    model = data_path("text/test_model_nl_classifier_with_regex_tokenizer.tflite")
    return RegexTokenizer.from_vocab_file(DELIM, read_metadata(model).file_text("vocab.txt"))


@pytest.fixture(scope="module")
def sentencepiece_model() -> bytes:
    return data_path("text/sentencepiece.model").read_bytes()


# --- RegexTokenizer -------------------------------------------------------------------

SMALL_VOCAB = {"<PAD>": 0, "<START>": 1, "<UNKNOWN>": 2, "a": 3, "b": 4, "the": 5}


def test_regex_reference_sentence(regex_tokenizer: RegexTokenizer) -> None:
    ids = regex_tokenizer.encode(SENTENCE, 256)
    # <START>, then This/I've/Strongly unknown: the text is not lowercased.
    expected = [1, 2, 9, 4, 118, 20, 2, 110, 11, 1136, 153, 2, 386, 12]
    assert ids.dtype == np.int32 and ids.shape == (256,)
    assert ids[:14].tolist() == expected
    assert not ids[14:].any()


@pytest.mark.parametrize("case_id", reference_case_ids("text"))
def test_regex_ids_give_the_reference_scores(case_id: str) -> None:
    case, reference = reference_case(case_id)
    path = data_path(case["model"])
    tokenizer = RegexTokenizer.from_vocab_file(DELIM, read_metadata(path).file_text("vocab.txt"))
    engine = Engine(path, num_threads=1)
    length = engine.inputs[0].shape[-1]
    scores = engine.run(tokenizer.encode(case["input"], length)[None])[0][0]
    expected = [c["score"] for c in reference[0]["categories"]]
    assert scores.tolist() == pytest.approx(expected, abs=1e-5)


def test_regex_layout_start_unknown_pad_truncation() -> None:
    tokenizer = RegexTokenizer(DELIM, SMALL_VOCAB)
    assert tokenizer.encode("a b zz", 6).tolist() == [1, 3, 4, 2, 0, 0]
    assert tokenizer.encode("a b a b a b", 4).tolist() == [1, 3, 4, 3]
    assert tokenizer.encode("The the", 4).tolist() == [1, 2, 5, 0]
    assert tokenizer.encode("a", 1).tolist() == [1]
    assert tokenizer.encode("a", 0).tolist() == []


def test_regex_without_start_token() -> None:
    tokenizer = RegexTokenizer(DELIM, {"<PAD>": 7, "<UNKNOWN>": 9, "a": 1})
    assert tokenizer.encode("a x", 4).tolist() == [1, 9, 7, 7]
    assert tokenizer.encode("a a a a a", 2).tolist() == [1, 1]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_regex_odd_texts_give_valid_ids(regex_tokenizer: RegexTokenizer, text: str) -> None:
    ids = regex_tokenizer.encode(text, 256)
    assert ids.dtype == np.int32 and ids.shape == (256,) and ids[0] == 1


def test_regex_word_is_ascii_like_re2(regex_tokenizer: RegexTokenizer) -> None:
    # RE2's \w is [0-9A-Za-z_]: every non-ASCII character is a delimiter.
    words = regex_tokenizer.words("café naïve 日本語 😀 x_y it's", 10)
    assert words == ["caf", "na", "ve", "x_y", "it's"]
    # So the vocabulary's "cliché" is never produced, as with the reference.
    assert regex_tokenizer.words("cliché", 5) == ["clich"]


def test_regex_words_bounded_split_matches_full_split() -> None:
    tokenizer = RegexTokenizer(DELIM, SMALL_VOCAB)
    for text in ["a b c d e", " ,a b c d e", "a,,b", "!!", "a"]:
        full = [w for w in text.replace(",", " ").replace("!", " ").split(" ") if w]
        for limit in range(7):
            assert tokenizer.words(text, limit) == full[:limit]
    grouped = RegexTokenizer(r"(,)|( )", SMALL_VOCAB)  # re.split returns groups too
    for limit in range(5):
        assert grouped.words(",a,b c,,", limit) == ["a", "b", "c"][:limit]


def test_regex_sees_text_up_to_nul() -> None:
    assert RegexTokenizer(DELIM, SMALL_VOCAB).encode("a\0b", 4).tolist() == [1, 3, 0, 0]


@pytest.mark.parametrize(("pattern", "text", "words"), [
    (r"\s+", "a\vb c\td", ["a\vb", "c", "d"]),  # RE2's \s has no \v
    (r"[\s,]+", "a\vb, c", ["a\vb", "c"]),
    (r"\S+", "a\vb c", [" "]),  # \v is not a space to RE2
    (r"[[:punct:][:space:]]+", "a.b c", ["a", "b", "c"]),
    (r"[\x{4E00}-\x{9FFF}]", "a日b", ["a", "b"]),
    (r"\d+", "a١b2c", ["a١b", "c"]),  # ASCII digits only
    (r"b\z", "abab", ["aba"]),
])
def test_regex_re2_syntax(pattern: str, text: str, words: list[str]) -> None:
    assert RegexTokenizer(pattern, SMALL_VOCAB).words(text, 10) == words


def test_python_pattern_keeps_classes_apart() -> None:
    assert python_pattern(DELIM) == DELIM
    assert python_pattern(r"[]\s]") == "[]\\t\\n\\f\\r ]"
    assert python_pattern(r"[^]a]\s") == "[^]a][\\t\\n\\f\\r ]"


@pytest.mark.parametrize("pattern", [r"\p{L}+", r"[[:^alpha:]]", r"[[:nope:]]", "(", r"\x{zz}"])
def test_regex_unusable_pattern(pattern: str) -> None:
    with pytest.raises(MetadataError, match="delim_regex_pattern"):
        RegexTokenizer(pattern, SMALL_VOCAB)
    with pytest.raises(OptionsError):
        RegexTokenizer(pattern, SMALL_VOCAB, error=OptionsError)


def test_regex_vocab_needs_unknown_and_pad() -> None:
    with pytest.raises(MetadataError, match="<UNKNOWN> and <PAD>"):
        RegexTokenizer(DELIM, {"a": 1})
    with pytest.raises(OptionsError, match="<PAD>"):
        RegexTokenizer.from_vocab_file(DELIM, "<UNKNOWN> 0\n", error=OptionsError)


def test_regex_vocab_file_format() -> None:
    # Lines split on "\n" only: U+0085 (in the shared vocabularies) is a word character.
    text = "<PAD> 0\n\n<UNKNOWN> 1\r\n\x85 5\nit's 6 extra\n"
    tokenizer = RegexTokenizer.from_vocab_file(r"[ ]+", text)
    assert tokenizer.encode("\x85 it's zz", 4).tolist() == [5, 6, 1, 0]
    with pytest.raises(MetadataError, match="line 2 is not 'word id'"):
        RegexTokenizer.from_vocab_file(DELIM, "<PAD> 0\nbroken\n<UNKNOWN> 1")
    with pytest.raises(MetadataError, match="int32"):
        RegexTokenizer(DELIM, {"<PAD>": 0, "<UNKNOWN>": 2**31})


def test_regex_pickles(regex_tokenizer: RegexTokenizer) -> None:
    copy = pickle.loads(pickle.dumps(regex_tokenizer))
    assert copy.encode(SENTENCE, 64).tolist() == regex_tokenizer.encode(SENTENCE, 64).tolist()


# --- WordPieceTokenizer ---------------------------------------------------------------

WORD_PIECES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "un", "##aff", "##able", "runn",
               "##ing", ",", "!", "日", "本", "café", "cafe", "x", "##x", "é", "##é", "$"]
WP = {token: index for index, token in enumerate(WORD_PIECES)}


@pytest.fixture(scope="module")
def wordpiece() -> WordPieceTokenizer:
    return WordPieceTokenizer(WORD_PIECES)


def pieces(tokenizer: WordPieceTokenizer, text: str) -> list[int]:
    """The ids between [CLS] and [SEP] (dynamic length)."""
    ids = tokenizer.encode(text, None).ids.tolist()
    assert ids[0] == WP["[CLS]"] and ids[-1] == WP["[SEP]"]
    return ids[1:-1]


def test_wordpiece_layout(wordpiece: WordPieceTokenizer) -> None:
    ids, mask, segment_ids = wordpiece.encode("The unaffable, RUNNING!", 12)
    names = ["[CLS]", "the", "un", "##aff", "##able", ",", "runn", "##ing", "!", "[SEP]"]
    assert ids.tolist() == [WP[n] for n in names] + [0, 0]
    assert mask.tolist() == [1] * 10 + [0, 0]
    assert segment_ids.tolist() == [0] * 12
    assert {a.dtype for a in (ids, mask, segment_ids)} == {np.dtype(np.int32)}


@pytest.mark.parametrize(("text", "names"), [
    ("Café", ["café"]),  # ASCII lowercasing: C -> c
    ("CAFÉ", ["[UNK]"]),  # É stays upper case ("cafÉ")
    ("cafe café", ["cafe", "café"]),  # accents are kept
    ("x—x¿x$x", ["x", "[UNK]", "x", "[UNK]", "x", "$", "x"]),  # \p{P} and ASCII symbols
    ("x\u00a0x x\vx", ["[UNK]", "[UNK]"]),  # only [\t\n\f\r ] separate words
    ("x\tx\nx", ["x", "x", "x"]),
    ("日本x", ["日", "本", "x"]),  # CJK characters are words of their own
    ("unaffz", ["[UNK]"]),  # a word with an unmatched piece is one [UNK]
    ("xxx", ["x", "##x", "##x"]),
    ("x" * 100, ["x"] + ["##x"] * 99),
    ("x" * 101, ["[UNK]"]),
    ("é" * 50, ["é"] + ["##é"] * 49),  # 100 UTF-8 bytes
    ("é" * 51 + " x", ["[UNK]", "x"]),  # 102 bytes: over the limit though 51 characters
    ("x\0x", ["x"]),  # the reference sees the text up to NUL
    ("", []),
    (" \t ", []),
])
def test_wordpiece_pieces(wordpiece: WordPieceTokenizer, text: str, names: list[str]) -> None:
    assert pieces(wordpiece, text) == [WP[n] for n in names]


def test_wordpiece_truncation_keeps_sep(wordpiece: WordPieceTokenizer) -> None:
    ids, mask, _ = wordpiece.encode("the the the the the", 4)
    assert ids.tolist() == [WP["[CLS]"], WP["the"], WP["the"], WP["[SEP]"]]
    assert mask.tolist() == [1, 1, 1, 1]
    assert wordpiece.encode("the", 2).ids.tolist() == [WP["[CLS]"], WP["[SEP]"]]
    with pytest.raises(ModelLoadError, match=r"\[CLS\] and \[SEP\]"):
        wordpiece.encode("the", 1)


def test_wordpiece_dynamic_length(wordpiece: WordPieceTokenizer) -> None:
    ids, mask, segment_ids = wordpiece.encode("the x!", None)
    assert ids.tolist() == [WP[n] for n in ["[CLS]", "the", "x", "!", "[SEP]"]]
    assert mask.tolist() == [1] * 5 and segment_ids.tolist() == [0] * 5


def test_wordpiece_missing_special_tokens_are_id_0() -> None:
    tokenizer = WordPieceTokenizer(["a", "b"])  # no [CLS], [SEP] nor [UNK]
    assert tokenizer.encode("a zz b", None).ids.tolist() == [0, 0, 0, 1, 0]


def test_wordpiece_vocab_file_skips_blank_lines() -> None:
    tokenizer = WordPieceTokenizer.from_vocab_file("[CLS]\n\n[SEP]\n[UNK]\nhi\n")
    assert tokenizer.encode("Hi there", None).ids.tolist() == [0, 3, 2, 1]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_wordpiece_odd_texts(wordpiece: WordPieceTokenizer, text: str) -> None:
    ids, mask, segment_ids = wordpiece.encode(text, 128)
    assert ids.shape == mask.shape == segment_ids.shape == (128,)
    assert mask[0] == 1 and ids[0] == WP["[CLS]"]


def test_wordpiece_pickles(wordpiece: WordPieceTokenizer) -> None:
    copy = pickle.loads(pickle.dumps(wordpiece))
    assert pieces(copy, "The unaffable") == pieces(wordpiece, "The unaffable")


# --- SentencePieceTokenizer -----------------------------------------------------------

def reference_layout(model: bytes, text: str, length: int) -> list[int]:
    """The reference's layout computed with SentencePiece directly: ASCII lowercasing,
    pieces through PieceToId, [CLS]/[SEP] looked up the same way, zero padding."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_proto=model)
    lowered = "".join(c.lower() if c.isascii() else c for c in text)
    pieces = processor.encode(lowered, out_type=str)[: length - 2]
    ids = processor.piece_to_id(["[CLS]", *pieces, "[SEP]"])
    return ids + [0] * (length - len(ids))


@pytest.mark.parametrize("text", [SENTENCE, "What a WASTE of my time.", "café ÉCOLE 日本語 😀",
                                  "", "!!!", "a\0b"])
def test_sentencepiece_matches_sentencepiece(sentencepiece_model: bytes, text: str) -> None:
    tokenizer = SentencePieceTokenizer(sentencepiece_model)
    ids, mask, segment_ids = tokenizer.encode(text, 64)
    assert ids.tolist() == reference_layout(sentencepiece_model, text, 64)
    used = min(64, int(np.count_nonzero(mask)))
    assert mask[:used].all() and not mask[used:].any() and not segment_ids.any()


def test_sentencepiece_ids(sentencepiece_model: bytes) -> None:
    tokenizer = SentencePieceTokenizer(sentencepiece_model)
    # This model has no [CLS]/[SEP]: PieceToId gives the unknown id, 0.
    assert tokenizer.encode("This IS the best", None).ids.tolist() == [0, 103, 20, 3, 950, 0]
    ids, mask, _ = tokenizer.encode(SENTENCE, 5)
    assert ids.tolist() == [0, 103, 20, 3, 0] and mask.tolist() == [1] * 5


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_sentencepiece_odd_texts(sentencepiece_model: bytes, text: str) -> None:
    ids, mask, _ = SentencePieceTokenizer(sentencepiece_model).encode(text, 32)
    assert ids.shape == mask.shape == (32,) and mask[0] == 1


def test_sentencepiece_bad_model_and_pickle(sentencepiece_model: bytes) -> None:
    with pytest.raises(MetadataError, match="SentencePiece model"):
        SentencePieceTokenizer(b"not a model")
    tokenizer = SentencePieceTokenizer(sentencepiece_model)
    copy = pickle.loads(pickle.dumps(tokenizer))
    assert copy.encode(SENTENCE, None).ids.tolist() == tokenizer.encode(SENTENCE, None).ids.tolist()


# --- All ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [b"text", bytearray(b"text"), None, 3, ["text"]])
def test_non_str_input(sentencepiece_model: bytes, value: object) -> None:
    tokenizers = [lambda v: RegexTokenizer(DELIM, SMALL_VOCAB).encode(v, 8),
                  lambda v: WordPieceTokenizer(WORD_PIECES).encode(v, 8),
                  lambda v: SentencePieceTokenizer(sentencepiece_model).encode(v, 8)]
    for encode in tokenizers:
        with pytest.raises(InputError, match="must be a str") as raised:
            encode(value)
        if isinstance(value, (bytes, bytearray)):
            assert "text.decode('utf-8')" in str(raised.value)


@pytest.mark.parametrize(("module", "make"), [
    ("tokenizers", lambda: WordPieceTokenizer(["a"])),
    ("sentencepiece", lambda: SentencePieceTokenizer(b"")),
])
def test_missing_dependency(monkeypatch: pytest.MonkeyPatch, module: str,
                            make: Callable[[], object]) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingDependencyError, match=r'pip install "tflite-tasks\[text\]"'):
        make()
    assert issubclass(MissingDependencyError, ImportError)
