"""Metadata for BERT NL classifiers: ids, mask and segment ids inputs, a tokenizer, scores.

Our port of ``tflite_support.metadata_writers.bert_nl_classifier`` (0.4.4): same defaults,
same JSON. The tokenizer (WordPiece or SentencePiece) is the subgraph's input process unit.

Example::

    from tflite_tasks.metadata.writers import bert_nl_classifier, metadata_info

    writer = bert_nl_classifier.MetadataWriter.create_for_inference(
        "mobilebert.tflite", metadata_info.BertTokenizerMd("vocab.txt"), ["labels.txt"])
    open("mobilebert_metadata.tflite", "wb").write(writer.populate())
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import graph_io
from .metadata_info import (
    BertInputTensorsMd,
    BertTokenizerMd,
    ClassificationTensorMd,
    FilePath,
    GeneralMd,
    SentencePieceTokenizerMd,
    TensorMd,
)
from .metadata_writer import MetadataWriter as _BaseWriter
from .metadata_writer import order_by_tensor_name
from .nl_classifier import MODEL_DESCRIPTION, OUTPUT_DESCRIPTION, OUTPUT_NAME, classification_output
from .writer_utils import check_files_exist

MODEL_NAME = "BertNLClassifier"
# The input tensor names of the models Model Maker exports.
DEFAULT_ID_NAME = "serving_default_input_word_ids:0"
DEFAULT_MASK_NAME = "serving_default_input_mask:0"
DEFAULT_SEGMENT_ID_NAME = "serving_default_input_type_ids:0"

W = TypeVar("W", bound=_BaseWriter)


def create_with_bert_inputs(cls: type[W], model_buffer: ModelSource, general_md: GeneralMd,
                            input_md: BertInputTensorsMd, output_md: Sequence[TensorMd]) -> W:
    """A ``cls`` writer for a model with BERT inputs; outputs are ordered by ``tensor_name``
    when they give it. Packs the outputs' files, then the tokenizer's."""
    model_buffer = read_model_bytes(model_buffer)[0]
    outputs = order_by_tensor_name(output_md, [t.name for t in graph_io(model_buffer)[1]])
    return cls.create_from_metadata(
        model_buffer, general_md.create_metadata(), input_md.create_input_tensor_metadata(),
        [md.create_metadata() for md in outputs],
        [*(p for md in outputs for p in md.file_paths()),
         *input_md.get_tokenizer_associated_files()],
        input_process_units=input_md.create_input_process_unit_metadata())


class MetadataWriter(_BaseWriter):
    """Writes metadata into a BERT NL classifier (ids, mask, segment ids; one score output)."""

    @classmethod
    def create_from_metadata_info(  # type: ignore[override]
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: BertInputTensorsMd | None = None,
        output_md: ClassificationTensorMd | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each missing one takes the reference's default (the inputs
        then must have Model Maker's tensor names)."""
        model_buffer = read_model_bytes(model_buffer)[0]
        if general_md is None:
            general_md = GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION)
        if input_md is None:
            input_md = BertInputTensorsMd(model_buffer, DEFAULT_ID_NAME, DEFAULT_MASK_NAME,
                                          DEFAULT_SEGMENT_ID_NAME)
        if output_md is None:
            output_md = ClassificationTensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION)
        return create_with_bert_inputs(cls, model_buffer, general_md, input_md, [output_md])

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        tokenizer_md: BertTokenizerMd | SentencePieceTokenizerMd,
        label_file_paths: Sequence[FilePath],
        ids_name: str = DEFAULT_ID_NAME,
        mask_name: str = DEFAULT_MASK_NAME,
        segment_name: str = DEFAULT_SEGMENT_ID_NAME,
    ) -> MetadataWriter:
        """The metadata the Task Library needs: the tokenizer and the label files (``[]`` for
        none). ``ids_name``, ``mask_name`` and ``segment_name`` are the model's tensor names
        of the three inputs (Model Maker's by default).

        Raises MetadataError when those names are not the model's inputs or the tokenizer is
        a regex one (use :mod:`.nl_classifier`), InputFileNotFoundError for a missing file.
        """
        model_buffer = read_model_bytes(model_buffer)[0]
        input_md = BertInputTensorsMd(model_buffer, ids_name, mask_name, segment_name,
                                      tokenizer_md=tokenizer_md)
        check_files_exist(input_md.get_tokenizer_associated_files(), "tokenizer file",
                          "tokenizer_md")
        return cls.create_from_metadata_info(
            model_buffer, input_md=input_md,
            output_md=classification_output(model_buffer, label_file_paths))
