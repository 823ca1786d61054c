"""The tokenizer blocks of text metadata (regex, BERT WordPiece, SentencePiece) and how
blocks name their files; :mod:`.metadata_info` exports them with the other blocks."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..populator import as_path
from ..schema import (
    AssociatedFile,
    AssociatedFileType,
    BertTokenizerOptions,
    ProcessUnit,
    RegexTokenizerOptions,
    SentencePieceTokenizerOptions,
)

FilePath = str | os.PathLike[str]

_VOCAB_DESCRIPTION = "Vocabulary file to convert natural language words to embedding vectors."


def file_name(path: FilePath) -> str:
    """The name a file is recorded and packed under: its base name (MetadataError when
    ``path`` is no path)."""
    return os.path.basename(as_path(path, "file"))


def _vocab(path: FilePath, description: str = _VOCAB_DESCRIPTION) -> AssociatedFile:
    return AssociatedFile(name=file_name(path), description=description,
                          type=AssociatedFileType.VOCABULARY)


@dataclass
class RegexTokenizerMd:
    """A regex tokenizer: the delimiter pattern and the vocabulary file."""

    delim_regex_pattern: str
    vocab_file_path: FilePath

    def create_metadata(self) -> ProcessUnit:
        """The RegexTokenizerOptions process unit."""
        return ProcessUnit(options=RegexTokenizerOptions(
            delim_regex_pattern=self.delim_regex_pattern,
            vocab_file=[_vocab(self.vocab_file_path)]))

    def file_paths(self) -> list[FilePath]:
        """The files the tokenizer needs packed."""
        return [self.vocab_file_path]


@dataclass
class BertTokenizerMd:
    """A BERT WordPiece tokenizer: its vocabulary file."""

    vocab_file_path: FilePath

    def create_metadata(self) -> ProcessUnit:
        """The BertTokenizerOptions process unit."""
        return ProcessUnit(options=BertTokenizerOptions(vocab_file=[_vocab(self.vocab_file_path)]))

    def file_paths(self) -> list[FilePath]:
        """The files the tokenizer needs packed."""
        return [self.vocab_file_path]


@dataclass
class SentencePieceTokenizerMd:
    """A SentencePiece tokenizer: the model file and an optional vocabulary file."""

    sentence_piece_model_path: FilePath
    vocab_file_path: FilePath | None = None

    def create_metadata(self) -> ProcessUnit:
        """The SentencePieceTokenizerOptions process unit."""
        model = AssociatedFile(name=file_name(self.sentence_piece_model_path),
                               description="The sentence piece model file.")
        vocab = None if not self.vocab_file_path else [_vocab(
            self.vocab_file_path, _VOCAB_DESCRIPTION + " This file is optional during "
            "tokenization, while the sentence piece model is mandatory.")]
        return ProcessUnit(options=SentencePieceTokenizerOptions(
            sentencePiece_model=[model], vocab_file=vocab))

    def file_paths(self) -> list[FilePath]:
        """The files the tokenizer needs packed."""
        return [self.sentence_piece_model_path, *([self.vocab_file_path]
                                                  if self.vocab_file_path else [])]


TokenizerMd = RegexTokenizerMd | BertTokenizerMd | SentencePieceTokenizerMd
