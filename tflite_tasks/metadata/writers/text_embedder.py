"""Metadata for text embedders: a text input and one feature vector per output.

The reference (tflite-support 0.4.4) has no Python writer for text embedders; this one
follows its text classifier writers: a regex tokenizer on a single token-id input, as in
:mod:`.nl_classifier`, or the three BERT inputs with a WordPiece or SentencePiece
tokenizer, as in :mod:`.bert_nl_classifier`. Every output is named "embedding", as the
reference's ``metadata_writer_for_task`` names embedding outputs.

Example::

    from tflite_tasks.metadata.writers import metadata_info, text_embedder

    writer = text_embedder.MetadataWriter.create_for_inference(
        "embedder.tflite", metadata_info.RegexTokenizerMd(r"[^\\w\\']+", "vocab.txt"))
    open("embedder_metadata.tflite", "wb").write(writer.populate())
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.errors import MetadataError
from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import graph_io
from .bert_nl_classifier import (
    DEFAULT_ID_NAME,
    DEFAULT_MASK_NAME,
    DEFAULT_SEGMENT_ID_NAME,
    create_with_bert_inputs,
)
from .metadata_info import (
    BertInputTensorsMd,
    BertTokenizerMd,
    GeneralMd,
    InputTextTensorMd,
    SentencePieceTokenizerMd,
    TensorMd,
    TokenizerMd,
)
from .metadata_writer import MetadataWriter as _BaseWriter
from .writer_utils import check_files_exist, check_regex_tokenizer, check_tokenizer_fits

MODEL_NAME = "TextEmbedder"
MODEL_DESCRIPTION = "Embed the input text into a feature vector."
INPUT_NAME = "input_text"
INPUT_DESCRIPTION = "Tokenized ids of the input text."
OUTPUT_NAME = "embedding"
OUTPUT_DESCRIPTION = "Embedding vector of the input."


class MetadataWriter(_BaseWriter):
    """Writes metadata into a text embedder (text or BERT inputs, one vector per output)."""

    @classmethod
    def create_from_metadata_info(  # type: ignore[override]
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputTextTensorMd | BertInputTensorsMd | None = None,
        output_md: Sequence[TensorMd] | None = None,
    ) -> MetadataWriter:
        """A writer from blocks. Defaults: our name and description, one text input without
        tokenizer, one "embedding" block per model output.

        Raises MetadataError when a single text input is given for a model with several
        inputs (BERT models take a BertInputTensorsMd).
        """
        model_buffer = read_model_bytes(model_buffer)[0]
        inputs, outputs = graph_io(model_buffer)
        if general_md is None:
            general_md = GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION)
        if output_md is None:
            output_md = [TensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION)
                         for _ in outputs]
        if isinstance(input_md, BertInputTensorsMd):
            return create_with_bert_inputs(cls, model_buffer, general_md, input_md, output_md)
        if len(inputs) != 1:
            raise MetadataError(
                f"the model has {len(inputs)} inputs ({[t.name for t in inputs]}) but a text "
                "input describes one; for BERT inputs pass a BertTokenizerMd or "
                "SentencePieceTokenizerMd (or a BertInputTensorsMd)")
        if input_md is None:
            input_md = InputTextTensorMd(INPUT_NAME, INPUT_DESCRIPTION)
        return super().create_from_metadata_info(model_buffer, general_md, [input_md],
                                                 output_md)

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        tokenizer_md: TokenizerMd | None,
        ids_name: str = DEFAULT_ID_NAME,
        mask_name: str = DEFAULT_MASK_NAME,
        segment_name: str = DEFAULT_SEGMENT_ID_NAME,
    ) -> MetadataWriter:
        """The metadata the Task Library needs: the tokenizer.

        A RegexTokenizerMd (or None, for a string input) describes the model's one input; a
        BertTokenizerMd or SentencePieceTokenizerMd its three BERT inputs, whose tensor names
        are ``ids_name``, ``mask_name`` and ``segment_name`` (Model Maker's by default).

        Raises MetadataError when the inputs do not fit the tokenizer (a string input takes
        none, token ids need one), InputFileNotFoundError for a missing tokenizer file.
        """
        model_buffer = read_model_bytes(model_buffer)[0]
        input_md: InputTextTensorMd | BertInputTensorsMd
        if isinstance(tokenizer_md, BertTokenizerMd | SentencePieceTokenizerMd):
            input_md = BertInputTensorsMd(model_buffer, ids_name, mask_name, segment_name,
                                          tokenizer_md=tokenizer_md)
        else:
            input_md = InputTextTensorMd(INPUT_NAME, INPUT_DESCRIPTION, tokenizer_md)
            check_tokenizer_fits(graph_io(model_buffer)[0], tokenizer_md)
        check_files_exist(tokenizer_md.file_paths() if tokenizer_md else [], "tokenizer file",
                          "tokenizer_md")
        writer = cls.create_from_metadata_info(model_buffer, input_md=input_md)
        check_regex_tokenizer(tokenizer_md)
        return writer
