"""Tiny text models with known answers: regex word averaging and a BERT input probe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import populate
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    AssociatedFileType,
    BertTokenizerOptions,
    ModelMetadata,
    ProcessUnit,
    RegexTokenizerOptions,
    SentencePieceTokenizerOptions,
    SubGraphMetadata,
    TensorMetadata,
)

REGEX_VOCAB = ["<PAD>", "<START>", "<UNKNOWN>", "good", "bad", "movie", "it's"]
"""Ids are positions; the vocabulary file has ``word id`` lines."""

BERT_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "movie", "##s", "bad", ",", "!"]


def word_table(vocab_size: int = len(REGEX_VOCAB)) -> np.ndarray:
    """The embedding table of :func:`word_average_model`: row i is (i, i * i)."""
    ids = np.arange(vocab_size, dtype=np.float32)
    return np.stack([ids, ids * ids], axis=1)


def word_average_model(length: int = 8) -> bytes:
    """Token ids [1, length] -> mean of their :func:`word_table` rows [1, 2]."""
    g = GraphBuilder()
    ids = g.input("ids", (1, length), np.int32)
    rows = g.add_op("GATHER", [g.constant("table", word_table()), ids], (1, length, 2),
                    np.float32, options=("GatherOptions", {"axis": 0}))
    axis = g.constant("axis", np.array([1], np.int32))
    mean = g.add_op("MEAN", [rows, axis], (1, 2), np.float32,
                    options=("ReducerOptions", {"keepDims": False}), name="scores")
    return g.build(inputs=[ids], outputs=[mean])


def bert_probe_model(length: int = 8, dynamic: bool = False,
                     order: Sequence[str] = ("ids", "mask", "segment_ids"),
                     names: Mapping[str, str] | None = None) -> bytes:
    """ids, mask, segment_ids [1, length] -> [sum(ids * mask), sum(mask), sum(segment_ids)].

    ``order``: the roles in input order; ``names``: role -> tensor name (default the role).
    """
    g = GraphBuilder()
    signature = (1, -1) if dynamic else None
    tensors = {role: g.input((names or {}).get(role, role), (1, length), np.int32,
                             shape_signature=signature) for role in order}
    ids, mask, segments = tensors["ids"], tensors["mask"], tensors["segment_ids"]
    axis = g.constant("axis", np.array([1], np.int32))
    sums = []
    for tensor in (g.add_op("MUL", [ids, mask], (1, length), np.int32), mask, segments):
        real = g.add_op("CAST", [tensor], (1, length), np.float32)
        sums.append(g.add_op("SUM", [real, axis], (1, 1), np.float32,
                             options=("ReducerOptions", {"keepDims": True})))
    probe = g.add_op("CONCATENATION", sums, (1, 3), np.float32,
                     options=("ConcatenationOptions", {"axis": 1}), name="probe")
    return g.build(inputs=[tensors[role] for role in order], outputs=[probe])


def _file(name: str, kind: AssociatedFileType = AssociatedFileType.VOCABULARY) -> AssociatedFile:
    return AssociatedFile(name=name, type=kind)


def with_regex_metadata(model: bytes, labels: Sequence[str] | None = None,
                        pattern: str = r"[^\w\']+") -> bytes:
    """Adds RegexTokenizerOptions (and labels) metadata with :data:`REGEX_VOCAB`."""
    vocab = "".join(f"{word} {i}\n" for i, word in enumerate(REGEX_VOCAB)).encode()
    files = {"vocab.txt": vocab}
    tokenizer = ProcessUnit(options=RegexTokenizerOptions(
        delim_regex_pattern=pattern, vocab_file=[_file("vocab.txt")]))
    output = TensorMetadata(name="probability")
    if labels is not None:
        files["labels.txt"] = "\n".join(labels).encode()
        output.associated_files = [_file("labels.txt", AssociatedFileType.TENSOR_AXIS_LABELS)]
    metadata = ModelMetadata(name="regex", subgraph_metadata=[SubGraphMetadata(
        input_tensor_metadata=[TensorMetadata(name="input_text", process_units=[tokenizer])],
        output_tensor_metadata=[output])])
    return populate(model, metadata, files)


def with_bert_metadata(model: bytes, order: Sequence[str] = ("ids", "mask", "segment_ids"),
                       sentencepiece: bytes | None = None) -> bytes:
    """Adds BERT metadata: input names in ``order``, WordPiece (:data:`BERT_VOCAB`) or the
    given SentencePiece model as the subgraph's input process unit."""
    if sentencepiece is None:
        files = {"vocab.txt": "\n".join(BERT_VOCAB).encode()}
        unit = ProcessUnit(options=BertTokenizerOptions(vocab_file=[_file("vocab.txt")]))
    else:
        files = {"sp.model": sentencepiece}
        unit = ProcessUnit(options=SentencePieceTokenizerOptions(
            sentencePiece_model=[_file("sp.model", AssociatedFileType.DESCRIPTIONS)]))
    metadata = ModelMetadata(name="bert", subgraph_metadata=[SubGraphMetadata(
        input_tensor_metadata=[TensorMetadata(name=name) for name in order],
        output_tensor_metadata=[TensorMetadata(name="probe")],
        input_process_units=[unit])])
    return populate(model, metadata, files)
