"""Text in, input tensors out: the three kinds of TFLite text model, and their tokenizers.

- **string** models take the raw text in one string tensor.
- **token-id** models take one int32 ``[1, L]`` tensor of word ids from a regex tokenizer
  (``RegexTokenizerOptions`` metadata): ``<START>``, the words, ``<PAD>`` up to ``L``.
- **BERT** models take three int32 ``[1, L]`` tensors, ids / mask / segment_ids, from a
  WordPiece (``BertTokenizerOptions``) or SentencePiece tokenizer: ``[CLS] ... [SEP]``.
  Inputs with a dynamic length are resized to the tokens.

The tokenizer comes from the metadata; :class:`TextOptions` gives it to models without one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tflite_tasks.core.engine import Engine, TensorSpec
from tflite_tasks.core.errors import MetadataError, OptionsError
from tflite_tasks.metadata import Metadata
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    BertTokenizerOptions,
    ProcessUnit,
    RegexTokenizerOptions,
    SentencePieceTokenizerOptions,
)
from tflite_tasks.tasks.text.tokenizers import (
    RegexTokenizer,
    SentencePieceTokenizer,
    WordPieceTokenizer,
    check_text,
    without_surrogates,
)

TOKENIZERS = ("regex", "bert", "sentencepiece")
TensorRef = str | int
"""An input or output tensor: its name (metadata name or tensor name) or its position."""

_BERT_NAMES = {"ids": ("ids", "input_word_ids", "input_ids"),
               "mask": ("mask", "input_mask", "attention_mask"),
               "segment_ids": ("segment_ids", "input_type_ids", "token_type_ids")}


@dataclass
class TextOptions:
    """How text becomes the model's input, for models whose metadata lacks it.

    Attributes:
        tokenizer: ``"regex"``, ``"bert"`` (WordPiece) or ``"sentencepiece"``; replaces the
            metadata's tokenizer. ``None``: the metadata's.
        vocab_file: the vocabulary of a regex or BERT tokenizer (one token per line; a regex
            vocabulary may give ``token id`` per line).
        delim_regex_pattern: the regex tokenizer's delimiter (default ``[^\\w\\']+``).
        sentencepiece_model: the SentencePiece model file (path or bytes).
        input_tensor: the text input of a one-input model (default: the one named
            ``INPUT``, else the first).
        score_tensor: the scores output of a classifier (default: the output named
            ``OUTPUT_SCORE`` or ``probability``, else the first).
        label_tensor: an output giving the class names at run time (default: the output
            named ``OUTPUT_LABEL``, if any).
    """

    tokenizer: str | None = None
    vocab_file: str | os.PathLike | None = None
    delim_regex_pattern: str | None = None
    sentencepiece_model: str | os.PathLike | bytes | None = None
    input_tensor: TensorRef | None = None
    score_tensor: TensorRef | None = None
    label_tensor: TensorRef | None = None

    def validate(self) -> None:
        """Raises OptionsError for invalid values."""
        if self.tokenizer is not None and self.tokenizer not in TOKENIZERS:
            raise OptionsError(f"tokenizer is one of {TOKENIZERS}, not {self.tokenizer!r}")
        for name in ("input_tensor", "score_tensor", "label_tensor"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str | int):
                raise OptionsError(f"{name} is a tensor name or position, not {value!r}")
        for name, kinds in (("vocab_file", (str, os.PathLike)),
                            ("sentencepiece_model", (str, os.PathLike, bytes)),
                            ("delim_regex_pattern", (str,))):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kinds):
                raise OptionsError(f"{name} is a {' or '.join(k.__name__ for k in kinds)}, "
                                   f"not {type(value).__name__}")


def find_tensor(specs: Sequence[TensorSpec], metadata_names: Sequence[str | None],
                ref: TensorRef, side: str) -> int:
    """The position of the tensor named ``ref`` (metadata or tensor name), or at ``ref``."""
    if isinstance(ref, int):
        if not 0 <= ref < len(specs):
            raise OptionsError(f"the model has {len(specs)} {side}s; there is no {side} {ref}")
        return ref
    for position, spec in enumerate(specs):
        if ref in (spec.name, metadata_names[position]):
            return position
    names = [spec.name for spec in specs]
    raise OptionsError(f"the model has no {side} named {ref!r}; its {side}s are {names}")


def metadata_names(metadata: Metadata, side: str, count: int) -> list[str | None]:
    """The metadata name of each input or output (``None`` where undescribed)."""
    described = metadata.tensors(side) or []
    return [described[i].name if i < len(described) else None for i in range(count)]


def _file_bytes(value: str | os.PathLike | bytes, option: str) -> bytes:
    if isinstance(value, bytes):
        return value
    path = Path(value)
    if not path.is_file():
        raise OptionsError(f"{option} file not found: {str(path)!r}")
    return path.read_bytes()


def _vocab_text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise OptionsError(f"the vocabulary {where} is not UTF-8 text: {e}") from e


class TextPreprocessor:
    """Turns a str into the model's input arrays, one per input, in input order.

    Args:
        engine: the model.
        options: tokenizer and input selection replacing the metadata's.
        task: the task's name, for messages.

    Raises:
        OptionsError: the model's inputs are not text (or the options name no input), or
            the model needs a tokenizer that neither the metadata nor the options give.
    """

    def __init__(self, engine: Engine, options: TextOptions, task: str) -> None:
        options.validate()
        self._options = options
        self._metadata = engine.metadata
        self._inputs = engine.inputs
        names = metadata_names(self._metadata, "input", len(engine.inputs))
        shapes = [(s.name, str(s.dtype), list(s.shape)) for s in engine.inputs]
        refused = OptionsError(
            f"a {task} takes text models: one string input, one int32 token-id input, or "
            f"three int32 BERT inputs (ids, mask, segment_ids); this model's inputs are "
            f"{shapes}")
        if len(engine.inputs) == 3 and all(s.dtype == np.int32 for s in engine.inputs):
            self.kind = "bert"
            self._bert_positions = self._bert_inputs(names)
            length = self._length(self._bert_positions[0])
            if length is not None and length < 2:
                raise OptionsError(f"the BERT inputs hold {length} token(s); [CLS] and [SEP] "
                                   "need 2")
            self._tokenizer = self._subword_tokenizer()
            return
        if len(engine.inputs) != 1:
            raise refused
        ref = options.input_tensor
        if ref is None:
            ref = "INPUT" if "INPUT" in [s.name for s in engine.inputs] + names else 0
        self._position = find_tensor(engine.inputs, names, ref, "input")
        spec = engine.inputs[self._position]
        if spec.dtype.kind in "SOU":
            self.kind = "string"
        elif spec.dtype == np.int32:
            self.kind = "regex"
            self._regex = self._regex_tokenizer(self._position)
        else:
            raise refused

    def _bert_inputs(self, names: list[str | None]) -> list[int]:
        """The positions of ids, mask and segment_ids: by metadata name, else by tensor name
        (``input_word_ids``...), else, when no input is named either way, in that order."""
        found: dict[str, int] = {}
        for role, candidates in _BERT_NAMES.items():
            for position, spec in enumerate(self._inputs):
                if names[position] in candidates or any(c in spec.name for c in candidates[1:]):
                    found.setdefault(role, position)
        if not found:
            return [0, 1, 2]
        missing = [role for role in _BERT_NAMES if role not in found]
        free = [p for p in range(3) if p not in found.values()]
        if len(missing) == 1 and len(free) == 1:
            found[missing[0]] = free[0]
        if len(set(found.values())) < 3 or len(found) < 3:
            raise OptionsError(
                f"cannot tell the BERT inputs ids, mask and segment_ids apart: the inputs are "
                f"named {[s.name for s in self._inputs]}, and the metadata names {names}")
        return [found[role] for role in _BERT_NAMES]

    def _units(self, position: int) -> list[ProcessUnit]:
        """The input tensor's process units, then the subgraph's input process units."""
        tensor = self._metadata.input_tensor(position)
        subgraphs = (self._metadata.model_metadata.subgraph_metadata
                     if self._metadata.model_metadata else None) or []
        return [*((tensor.process_units or []) if tensor else []),
                *((subgraphs[0].input_process_units or []) if subgraphs else [])]

    def _metadata_file(self, files: list[AssociatedFile] | None, what: str) -> bytes:
        if not files or not files[0].name:
            raise MetadataError(f"the model's {what} names no associated file")
        return self._metadata.file(files[0].name)

    def _regex_tokenizer(self, position: int) -> RegexTokenizer:
        options = self._options
        if options.tokenizer not in (None, "regex"):
            raise OptionsError(f"a one-input token-id model takes the regex tokenizer, not "
                               f"tokenizer={options.tokenizer!r}")
        units = [u.options for u in self._units(position)
                 if isinstance(u.options, RegexTokenizerOptions)]
        if options.vocab_file is not None:
            vocab = _vocab_text(_file_bytes(options.vocab_file, "vocab_file"), "vocab_file")
            pattern = options.delim_regex_pattern or (
                units[0].delim_regex_pattern if units else None) or r"[^\w\']+"
            return RegexTokenizer.from_vocab_file(pattern, vocab, error=OptionsError)
        if not units:
            raise OptionsError(
                "the model's input is token ids and its metadata has no RegexTokenizerOptions: "
                "pass vocab_file=... (and delim_regex_pattern=..., default [^\\w\\']+)")
        unit = units[0]
        data = self._metadata_file(unit.vocab_file, "RegexTokenizerOptions")
        pattern = options.delim_regex_pattern or unit.delim_regex_pattern
        if not pattern:
            raise MetadataError("the model's RegexTokenizerOptions has no delim_regex_pattern: "
                                "pass delim_regex_pattern=...")
        return RegexTokenizer.from_vocab_file(pattern, _vocab_text(data, "in the metadata"))

    def _subword_tokenizer(self) -> WordPieceTokenizer | SentencePieceTokenizer:
        options = self._options
        if options.tokenizer == "regex":
            raise OptionsError("BERT models (three inputs) take tokenizer='bert' or "
                               "'sentencepiece', not 'regex'")
        if options.tokenizer == "sentencepiece" or (
                options.tokenizer is None and options.sentencepiece_model is not None):
            if options.sentencepiece_model is None:
                raise OptionsError("tokenizer='sentencepiece' needs sentencepiece_model=...")
            return SentencePieceTokenizer(
                _file_bytes(options.sentencepiece_model, "sentencepiece_model"))
        if options.tokenizer == "bert" or options.vocab_file is not None:
            if options.vocab_file is None:
                raise OptionsError("tokenizer='bert' needs vocab_file=...")
            return WordPieceTokenizer.from_vocab_file(
                _vocab_text(_file_bytes(options.vocab_file, "vocab_file"), "vocab_file"))
        ids = self._bert_positions[0]
        for unit in self._units(ids):
            if isinstance(unit.options, BertTokenizerOptions):
                data = self._metadata_file(unit.options.vocab_file, "BertTokenizerOptions")
                return WordPieceTokenizer.from_vocab_file(_vocab_text(data, "in the metadata"))
            if isinstance(unit.options, SentencePieceTokenizerOptions):
                return SentencePieceTokenizer(self._metadata_file(
                    unit.options.sentencePiece_model, "SentencePieceTokenizerOptions"))
        raise OptionsError(
            "the model is a BERT model (three int32 inputs) and its metadata has no tokenizer: "
            "pass tokenizer='bert' with vocab_file=..., or tokenizer='sentencepiece' with "
            "sentencepiece_model=...")

    def _length(self, position: int) -> int | None:
        """The input's sequence length, ``None`` when dynamic."""
        spec = self._inputs[position]
        if spec.shape_signature and spec.shape_signature[-1] < 0:
            return None
        return spec.shape[-1] if spec.shape else None

    def __call__(self, text: object) -> dict[int, np.ndarray]:
        """Returns input position -> array (shaped like the input, or resized when dynamic)."""
        text = check_text(text)
        if self.kind == "string":
            value = np.empty(1, dtype=object)
            value[0] = without_surrogates(text).encode("utf-8")
            return {self._position: value}
        if self.kind == "regex":
            ids = self._regex.encode(text, self._length(self._position))
            return {self._position: self._shaped(self._position, ids)}
        arrays = self._tokenizer.encode(text, self._length(self._bert_positions[0]))
        return {position: self._shaped(position, array)
                for position, array in zip(self._bert_positions, arrays, strict=True)}

    def _shaped(self, position: int, tokens: np.ndarray) -> np.ndarray:
        """``tokens`` in the input's layout: ``[L]`` or ``[1, L]`` (the length may differ
        for dynamic inputs)."""
        return tokens.reshape((*self._inputs[position].shape[:-1], -1))
