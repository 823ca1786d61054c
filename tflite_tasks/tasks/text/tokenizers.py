"""The tokenizers of TFLite text models, with the reference Task Library's semantics.

* :class:`RegexTokenizer` (NLClassifier, average-word-vector models): the text, as is (no
  lowercasing), is split on a delimiter regex, empty pieces dropped; the words map through a
  ``word id`` vocabulary into ``[<START>?, ids..., <PAD>...]``, unknown words becoming
  ``<UNKNOWN>``. The pattern is RE2 syntax, whose ``\\w \\d \\s \\b`` are ASCII-only: with
  ``[^\\w\\']+``, "café" is the word "caf". It runs on Python's ``re`` with ``re.ASCII``
  after translating what differs (:func:`python_pattern`): 5.5 µs for a sentence, where
  the ``tokenizers`` library (Oniguruma, whose ``\\w`` is Unicode) takes 12-18 µs.
* :class:`WordPieceTokenizer` (BERT): ASCII-only lowercasing, no accent stripping; the text
  splits on RE2-``\\s`` runs (``[\\t\\n\\f\\r ]``, not NBSP) and around each ASCII
  punctuation, ``\\p{P}`` and CJK character; each word is greedy longest-match WordPiece
  (``##`` suffixes), a word that cannot be matched or is over 100 UTF-8 bytes is one
  ``[UNK]``. Then ``[CLS] pieces [SEP]``, truncated to keep ``[SEP]``, zero-padded.
* :class:`SentencePieceTokenizer` (ALBERT-style BERT): ASCII lowercasing, SentencePiece
  pieces mapped by ``PieceToId``; ``[CLS]``/``[SEP]`` likewise (the unknown id if absent).

Like the reference, the regex and WordPiece tokenizers see the text only up to its first
NUL character (RE2 receives it as a C string); SentencePiece sees all of it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import NamedTuple

import numpy as np

from tflite_tasks.core.errors import (
    InputError,
    MetadataError,
    MissingDependencyError,
    ModelLoadError,
    TfliteTasksError,
)

START, PAD, UNKNOWN = "<START>", "<PAD>", "<UNKNOWN>"
CLS, SEP, UNK = "[CLS]", "[SEP]", "[UNK]"
MAX_BYTES_PER_WORD = 100
"""WordPiece turns a longer word (in UTF-8 bytes) into one [UNK], as tensorflow_text does."""

_RE2_SPACE = r"\t\n\f\r "  # RE2's \s; Python's ASCII \s adds \v
_RE2_ESCAPES = {  # (escape, inside a [class]) -> Python equivalent
    (r"\s", False): f"[{_RE2_SPACE}]",
    (r"\s", True): _RE2_SPACE,
    (r"\S", False): r"[\S\v]",
    (r"\S", True): r"\S\v",
    (r"\z", False): r"\Z",
}
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": r"\x00-\x7f", "blank": r"\t ",
    "cntrl": r"\x00-\x1f\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": r"!-/:-@\[-`{-~", "space": r"\t\n\v\f\r ", "upper": "A-Z",
    "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}
_CLASS_OPENING = re.compile(r"\[\^?\]?")  # a "]" right after "[" or "[^" is a literal

_BERT_SPACE = f"[{_RE2_SPACE}]+"
_BERT_ISOLATED = (  # tflite-support's kDefaultIncludeDelimRe, in Oniguruma syntax
    r"[!-/:-@\[-`{-~\p{P}\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{20000}-\x{2A6DF}"
    r"\x{2A700}-\x{2B73F}\x{2B740}-\x{2B81F}\x{2B820}-\x{2CEAF}\x{F900}-\x{FAFF}"
    r"\x{2F800}-\x{2FA1F}]"
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INT32 = np.iinfo(np.int32)


class BertInputs(NamedTuple):
    """The three int32 input tensors of a BERT model, each ``[sequence length]``."""

    ids: np.ndarray
    mask: np.ndarray
    segment_ids: np.ndarray


def python_pattern(re2_pattern: str) -> str:
    """Rewrites an RE2 pattern for Python's ``re`` compiled with ``re.ASCII``.

    With ``re.ASCII``, ``\\w \\W \\d \\D \\b \\B`` already mean what they mean in RE2.
    Translated: ``\\s``/``\\S`` (RE2 excludes ``\\v``), ``\\z``, ``\\x{hex}`` and
    ``[[:name:]]``. Unsupported (``re.error``): ``\\p{..}``/``\\P{..}``, ``[[:^name:]]``.
    Still different: ``$`` also matches before a final newline; ``(?i)`` folds ASCII only.
    """
    out: list[str] = []
    in_class, i = False, 0
    while i < len(re2_pattern):
        if re2_pattern.startswith("\\", i):
            escape = re2_pattern[i : i + 2]
            if escape == r"\x" and re2_pattern.startswith("{", i + 2):
                end = re2_pattern.find("}", i)
                if end < 0:
                    raise re.error(r"unterminated \x{...}")
                out.append(rf"\U{int(re2_pattern[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            if escape in (r"\p", r"\P"):
                raise re.error(r"Unicode classes (\p, \P) are not supported")
            out.append(_RE2_ESCAPES.get((escape, in_class), escape))
            i += 2
        elif in_class and re2_pattern.startswith("[:", i):
            end = re2_pattern.find(":]", i)
            name = re2_pattern[i + 2 : end] if end >= 0 else ""
            if name not in _POSIX_CLASSES:
                raise re.error(f"unsupported POSIX class at position {i}")
            out.append(_POSIX_CLASSES[name])
            i = end + 2
        elif not in_class and re2_pattern.startswith("[", i):
            opening = _CLASS_OPENING.match(re2_pattern, i).group()
            out.append(opening)
            in_class, i = True, i + len(opening)
        else:
            in_class = in_class and re2_pattern[i] != "]"
            out.append(re2_pattern[i])
            i += 1
    return "".join(out)


def _import(module: str) -> ModuleType:
    """Imports an optional text dependency, or says how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"this model's tokenizer needs the {module!r} package: "
            'pip install "tflite-tasks[text]"'
        ) from exc


def check_text(text: object) -> str:
    """The text if it is a str, else InputError saying what to pass."""
    if isinstance(text, str):
        return text
    if isinstance(text, bytes | bytearray | memoryview):
        hint = "decode it first, e.g. text.decode('utf-8')"
    else:
        hint = "pass the text itself"
    raise InputError(f"text must be a str, not {type(text).__name__}: {hint}")


def _before_nul(text: str) -> str:
    """The text up to its first NUL, which is all the reference's RE2 splitting sees."""
    return text.split("\0", 1)[0] if "\0" in text else text


def without_surrogates(text: str) -> str:
    """The text with lone surrogates, which cannot reach the reference, ``tokenizers`` or
    SentencePiece (they are not UTF-8), replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def _ascii_lower(text: str) -> str:
    """Lowercases A-Z only, like absl::AsciiStrToLower."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _bert_inputs(cls_id: int, piece_ids: Sequence[int], sep_id: int,
                 max_seq_len: int | None) -> BertInputs:
    """``[CLS] pieces [SEP]`` zero-padded to ``max_seq_len``, the pieces truncated to fit;
    the natural length when ``max_seq_len`` is None (dynamic input tensors)."""
    if max_seq_len is None:
        length = len(piece_ids) + 2
    elif max_seq_len < 2:
        raise ModelLoadError(
            f"a BERT sequence needs room for [CLS] and [SEP]; the model's length is {max_seq_len}"
        )
    else:
        length = max_seq_len
        piece_ids = piece_ids[: length - 2]
    used = len(piece_ids) + 2
    ids = np.zeros(length, np.int32)
    ids[0], ids[1 : used - 1], ids[used - 1] = cls_id, piece_ids, sep_id
    mask = np.zeros(length, np.int32)
    mask[:used] = 1
    return BertInputs(ids, mask, np.zeros(length, np.int32))


class RegexTokenizer:
    """Splits on a delimiter regex; maps words through a vocabulary."""

    def __init__(self, delim_regex_pattern: str, vocab: Mapping[str, int], *,
                 error: type[TfliteTasksError] = MetadataError) -> None:
        """``vocab`` maps word to id and must hold <UNKNOWN> and <PAD> (<START> is optional);
        ``error`` is raised on an unusable vocabulary or pattern (OptionsError when they
        came from options)."""
        missing = [token for token in (UNKNOWN, PAD) if token not in vocab]
        if missing:
            raise error(f"the RegexTokenizer vocabulary lacks {' and '.join(missing)}")
        if not _INT32.min <= min(vocab.values()) <= max(vocab.values()) <= _INT32.max:
            raise error("RegexTokenizer vocabulary ids must fit in int32")
        try:
            self._delimiter = re.compile(python_pattern(delim_regex_pattern), re.ASCII)
        except (re.error, ValueError) as exc:
            raise error(
                f"delim_regex_pattern {delim_regex_pattern!r} is not usable: {exc}"
            ) from None
        self._stride = self._delimiter.groups + 1  # re.split also returns the groups
        self._vocab = dict(vocab)
        self._start_id = self._vocab.get(START)
        self._unknown_id = self._vocab[UNKNOWN]
        self._pad_id = self._vocab[PAD]
        self._templates: dict[int, np.ndarray] = {}

    @classmethod
    def from_vocab_file(cls, delim_regex_pattern: str, vocab_text: str, *,
                        error: type[TfliteTasksError] = MetadataError) -> RegexTokenizer:
        """From a vocabulary file of ``word id`` lines (blank lines skipped; a repeated word
        keeps its last id)."""
        vocab: dict[str, int] = {}
        for number, line in enumerate(vocab_text.split("\n"), 1):
            if not line:
                continue
            word, _, rest = line.partition(" ")
            try:
                vocab[word] = int(rest.split(" ", 1)[0])
            except ValueError:
                raise error(
                    f"RegexTokenizer vocabulary line {number} is not 'word id': {line!r}"
                ) from None
        return cls(delim_regex_pattern, vocab, error=error)

    def _template(self, length: int) -> np.ndarray:
        """``[<START>?, <PAD>...]`` of ``length``, made once per length."""
        template = self._templates.get(length)
        if template is None:
            template = np.full(length, self._pad_id, np.int32)
            if self._start_id is not None:
                template[:1] = self._start_id
            self._templates[length] = template
        return template

    def words(self, text: str, limit: int) -> list[str]:
        """The first ``limit`` words of the text (only as much of it is split)."""
        text = _before_nul(check_text(text))
        pieces = self._delimiter.split(text, limit + 1)
        words = [word for word in pieces[:: self._stride] if word]
        if len(words) <= limit and len(pieces) == self._stride * (limit + 1) + 1:
            # The split stopped early and its unsplit rest may be among the words.
            words = [word for word in self._delimiter.split(text)[:: self._stride] if word]
        return words[:limit]

    def encode(self, text: str, length: int | None) -> np.ndarray:
        """int32 ``[length]``: <START> if in the vocabulary, the word ids (<UNKNOWN> for
        others) as far as they fit, then <PAD>. ``length`` None (a dynamic input): as long
        as <START> and the words."""
        if length is None:
            first = 0 if self._start_id is None else 1
            length = max(1, first + len(self.words(text, len(check_text(text)) + 1)))
        ids = self._template(length).copy()
        first = 0 if self._start_id is None else min(1, length)
        lookup, unknown = self._vocab.get, self._unknown_id
        word_ids = [lookup(word, unknown) for word in self.words(text, length - first)]
        ids[first : first + len(word_ids)] = word_ids
        return ids


class WordPieceTokenizer:
    """BERT's tokenizer: basic split, then WordPiece; input ids, mask and segment ids."""

    def __init__(self, vocab: Sequence[str]) -> None:
        """``vocab``: the tokens, id = position (a repeated token keeps its last id)."""
        tokenizers = _import("tokenizers")
        ids = {token: index for index, token in enumerate(vocab)}
        # The reference leaves an id it cannot look up (even [UNK]'s) at 0.
        self._cls_id, self._sep_id = ids.get(CLS, 0), ids.get(SEP, 0)
        self._unknown_id = ids.setdefault(UNK, 0)
        self._tokenizer = tokenizers.Tokenizer(tokenizers.models.WordPiece(
            ids, unk_token=UNK, continuing_subword_prefix="##",
            max_input_chars_per_word=MAX_BYTES_PER_WORD,
        ))
        split = tokenizers.pre_tokenizers.Split
        self._tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Sequence([
            split(tokenizers.Regex(_BERT_SPACE), behavior="removed"),
            split(tokenizers.Regex(_BERT_ISOLATED), behavior="isolated"),
        ])

    @classmethod
    def from_vocab_file(cls, vocab_text: str) -> WordPieceTokenizer:
        """From a vocabulary file of one token a line; blank lines are skipped, as the
        reference does, and do not take an id."""
        return cls([line for line in vocab_text.split("\n") if line])

    def _piece_ids(self, text: str) -> list[int]:
        """WordPiece ids of the (lowercased) text."""
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        if text.isascii():  # characters are bytes: the model's 100-char limit is the limit
            return encoding.ids
        words = self._tokenizer.pre_tokenizer.pre_tokenize_str(text)
        overlong = {index for index, (word, _) in enumerate(words)
                    if len(word.encode()) > MAX_BYTES_PER_WORD}
        if not overlong:
            return encoding.ids
        ids: list[int] = []
        previous_word = None
        for piece_id, word in zip(encoding.ids, encoding.word_ids, strict=True):
            if word not in overlong:
                ids.append(piece_id)
            elif word != previous_word:
                ids.append(self._unknown_id)
            previous_word = word
        return ids

    def encode(self, text: str, max_seq_len: int | None) -> BertInputs:
        """``[CLS] pieces [SEP]`` ids, mask (1 on them) and segment ids (0), int32,
        ``[max_seq_len]`` zero-padded, or of the natural length when ``max_seq_len`` is None."""
        text = _ascii_lower(without_surrogates(_before_nul(check_text(text))))
        return _bert_inputs(self._cls_id, self._piece_ids(text), self._sep_id, max_seq_len)


class SentencePieceTokenizer:
    """SentencePiece for BERT-style models (ALBERT); input ids, mask and segment ids."""

    def __init__(self, model_proto: bytes) -> None:
        """``model_proto``: the serialized SentencePiece model (the ``.model`` file)."""
        sentencepiece = _import("sentencepiece")
        try:
            self._processor = sentencepiece.SentencePieceProcessor(model_proto=model_proto)
        except (RuntimeError, OSError, TypeError) as exc:
            raise MetadataError(f"the SentencePiece model cannot be loaded: {exc}") from None
        self._cls_id, self._sep_id = self._processor.piece_to_id([CLS, SEP])

    def encode(self, text: str, max_seq_len: int | None) -> BertInputs:
        """Like :meth:`WordPieceTokenizer.encode`, with SentencePiece pieces."""
        text = _ascii_lower(without_surrogates(check_text(text)))
        piece_ids = self._processor.piece_to_id(self._processor.encode(text, out_type=str))
        return _bert_inputs(self._cls_id, piece_ids, self._sep_id, max_seq_len)
