"""Metadata for NL classifiers: a text input (token ids of a regex tokenizer) and scores.

Our port of ``tflite_support.metadata_writers.nl_classifier`` (0.4.4): same defaults, same
JSON. Models taking BERT inputs use :mod:`.bert_nl_classifier`.

Example::

    from tflite_tasks.metadata.writers import metadata_info, nl_classifier

    writer = nl_classifier.MetadataWriter.create_for_inference(
        "movie_review.tflite", metadata_info.RegexTokenizerMd(r"[^\\w\\']+", "vocab.txt"),
        ["labels.txt"])
    open("movie_review_metadata.tflite", "wb").write(writer.populate())
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import graph_io
from .metadata_info import (
    ClassificationTensorMd,
    FilePath,
    GeneralMd,
    InputTextTensorMd,
    RegexTokenizerMd,
)
from .metadata_writer import MetadataWriter as _BaseWriter
from .writer_utils import (
    check_files_exist,
    check_regex_tokenizer,
    check_tokenizer_fits,
    label_file_mds,
)

MODEL_NAME = "NLClassifier"
MODEL_DESCRIPTION = "Classify the input text into a set of known categories."
INPUT_NAME = "input_text"
INPUT_DESCRIPTION = "Embedding vectors representing the input text to be classified."
OUTPUT_NAME = "probability"
OUTPUT_DESCRIPTION = "Probabilities of the labels respectively."


def classification_output(model_buffer: bytes,
                          label_file_paths: Sequence[FilePath]) -> ClassificationTensorMd:
    """The "probability" output with its label files, stats from the first output's type.

    InputFileNotFoundError when a label file does not exist.
    """
    outputs = graph_io(model_buffer)[1]
    return ClassificationTensorMd(
        name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION,
        label_files=label_file_mds(label_file_paths, outputs=outputs[:1]),
        tensor_type=outputs[0].dtype if outputs else None)


class MetadataWriter(_BaseWriter):
    """Writes metadata into an NL classifier (one token-id input, one score output)."""

    @classmethod
    def create_from_metadata_info(  # type: ignore[override]
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputTextTensorMd | None = None,
        output_md: ClassificationTensorMd | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each missing one takes the reference's default."""
        if general_md is None:
            general_md = GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION)
        if input_md is None:
            input_md = InputTextTensorMd(name=INPUT_NAME, description=INPUT_DESCRIPTION)
        if output_md is None:
            output_md = ClassificationTensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION)
        return super().create_from_metadata_info(model_buffer, general_md, [input_md],
                                                 [output_md])

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        tokenizer_md: RegexTokenizerMd | None,
        label_file_paths: Sequence[FilePath],
    ) -> MetadataWriter:
        """The metadata the Task Library needs: the tokenizer (if the model takes token ids)
        and the label files (``[]`` for none).

        Raises InputFileNotFoundError for a missing vocabulary or label file, MetadataError
        for a BERT or SentencePiece tokenizer (use :mod:`.bert_nl_classifier`), for a
        tokenizer on a string input (the model tokenizes) or none on token ids.
        """
        model_buffer = read_model_bytes(model_buffer)[0]
        input_md = InputTextTensorMd(name=INPUT_NAME, description=INPUT_DESCRIPTION,
                                     tokenizer_md=tokenizer_md)
        check_files_exist(input_md.file_paths(), "vocabulary file", "tokenizer_md")
        output_md = classification_output(model_buffer, label_file_paths)
        check_tokenizer_fits(graph_io(model_buffer)[0], tokenizer_md)
        check_regex_tokenizer(tokenizer_md)
        return cls.create_from_metadata_info(model_buffer, input_md=input_md,
                                             output_md=output_md)
