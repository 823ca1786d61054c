"""SmartReply: short reply suggestions for a chat message, from the hosted Smart Reply model.

Example::

    from tflite_tasks import SmartReply

    with SmartReply.create_from_file("smartreply.tflite") as smart_reply:
        for reply in smart_reply.suggest("how are you doing?", max_replies=3).replies:
            print(f"{reply.score:.3f}  {reply.text}")

The model (string in; reply strings and weights out) uses the custom ops Normalize,
ExtractFeatures and Predict, which run as Python kernels
(:mod:`~tflite_tasks.tasks.text.smartreply_ops`) between LiteRT's builtin ops. Around the
model, :class:`SmartReply` does what TensorFlow Lite's ``predictor.cc`` did: split the
conversation into sentences, run each, sum the weights of equal replies, sort, and fill up
with backoff responses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tflite_tasks.core.containers import _ToDict
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.options import BaseOptions, is_int, is_real, read_labels
from tflite_tasks.core.task import BaseTask
from tflite_tasks.tasks.text.smartreply_ops import RE2_SPACE, SMARTREPLY_OPS
from tflite_tasks.tasks.text.tokenizers import check_text

BACKOFF_FILE = "backoff_response.txt"
"""Read from beside the model when no ``backoff_responses`` are given (as the model ships)."""

# predictor.cc's SplitSentence, on UTF-8 bytes: a run of marks becomes " <last mark>"; a mark
# followed by whitespace ends a sentence; spaces collapse; sentences split at the ends.
_SENTENCE_STEPS = ((re.compile(rb"([?.!,])+"), rb" \1"),
                   (re.compile(rb"([?.!,])+[" + RE2_SPACE + rb"]+"), b"\\1\t"),
                   (re.compile(rb" +"), b" "),
                   (re.compile(rb"\t+\Z"), b""))


def check_max_replies(value: object) -> None:
    """Raises OptionsError unless ``value`` is a positive integer."""
    if not is_int(value) or value < 1:  # type: ignore[operator]
        raise OptionsError(f"max_replies must be a positive integer, not {value!r}")


@dataclass
class SmartReplyOptions:
    """How suggestions are chosen.

    Attributes:
        max_replies: suggestions per call (default 10, the predictor's ``num_response``).
        backoff_responses: generic replies that fill the list when the model has fewer
            than ``max_replies`` (a list, or a file with one per line). ``None``: the
            ``backoff_response.txt`` beside the model file, if there is one.
        backoff_confidence: the score given to backoff responses (predictor default 1e-4).
    """

    max_replies: int = 10
    backoff_responses: Sequence[str] | str | os.PathLike | None = None
    backoff_confidence: float = 1e-4

    def validate(self) -> None:
        """Raises OptionsError for invalid values."""
        check_max_replies(self.max_replies)
        if not is_real(self.backoff_confidence):
            raise OptionsError(f"backoff_confidence must be a number, not "
                               f"{self.backoff_confidence!r}")


@dataclass
class SmartReplyTaskOptions:
    """Options of :class:`SmartReply`: the model and threads, and the suggestion options."""

    base_options: BaseOptions
    reply_options: SmartReplyOptions = field(default_factory=SmartReplyOptions)


@dataclass(frozen=True)
class Reply(_ToDict):
    """One suggestion: its text, its score (summed model weight), and whether it is a
    backoff response rather than the model's."""

    text: str
    score: float
    backoff: bool = False


@dataclass
class SmartReplyResult(_ToDict):
    """The suggestions, best first."""

    replies: list[Reply]

    @property
    def texts(self) -> list[str]:
        """Just the reply texts, best first."""
        return [reply.text for reply in self.replies]


def split_sentences(text: str) -> list[bytes]:
    """The conversation text as the model's sentences (UTF-8), as ``predictor.cc`` splits
    it: ``"Hello. How are you?"`` -> ``[b"Hello .", b"How are you ?"]``."""
    result = text.encode("utf-8", "surrogatepass")
    for pattern, replacement in _SENTENCE_STEPS:
        result = pattern.sub(replacement, result)
    return result.split(b"\t")


class SmartReply(BaseTask[SmartReplyTaskOptions]):
    """Suggests replies to a message or a conversation with the Smart Reply model."""

    options_class = SmartReplyTaskOptions
    kernels = SMARTREPLY_OPS

    def _setup(self) -> None:
        options = self._options.reply_options
        options.validate()
        self._backoff = self._backoff_responses(options.backoff_responses)
        # read once, so pickles carry the list
        self._options.reply_options = replace(options, backoff_responses=list(self._backoff))
        engine = self.engine
        kinds = ([s.dtype.kind for s in engine.inputs], [s.dtype.kind for s in engine.outputs])
        if kinds != (["S"], ["S", "f"]):
            raise OptionsError(
                "a Smart Reply model has one string input and two outputs, reply strings and "
                f"float weights; this one has inputs {[str(s.dtype) for s in engine.inputs]} "
                f"and outputs {[str(s.dtype) for s in engine.outputs]}")

    def _backoff_responses(self, given: Sequence[str] | str | os.PathLike | None) -> list[str]:
        if given is None:
            model_file = self._options.base_options.model_file
            beside = Path(model_file).with_name(BACKOFF_FILE) if model_file else None
            if beside is None or not beside.is_file():
                return []
            given = beside
        return list(dict.fromkeys(line for line in read_labels(given) if line))

    @property
    def backoff_responses(self) -> list[str]:
        """The generic replies that fill up the suggestions."""
        return list(self._backoff)

    def _run(self, sentence: bytes) -> tuple[np.ndarray, np.ndarray]:
        """One model run: reply strings (bytes) and their weights (float32)."""
        sentence_tensor = np.empty(1, dtype=object)
        sentence_tensor[0] = sentence
        replies, weights = self.engine.run(sentence_tensor)
        return replies.reshape(-1), weights.reshape(-1)

    def suggest(self, message_or_conversation: str | Sequence[str],
                max_replies: int | None = None) -> SmartReplyResult:
        """Suggests replies.

        Args:
            message_or_conversation: the last message, or several messages (a
                conversation, oldest first); each is split into sentences, and every
                sentence votes for replies.
            max_replies: how many suggestions (default: the option, 10).

        Returns:
            The model's replies by summed weight, then backoff responses up to
            ``max_replies``. Empty or unusual text gives backoff responses, not an error.

        Raises:
            InputError: a message is not a str.
        """
        messages = ([message_or_conversation] if isinstance(message_or_conversation, str)
                    else [check_text(m) for m in _sequence(message_or_conversation)])
        limit = self._options.reply_options.max_replies if max_replies is None else max_replies
        check_max_replies(limit)
        votes: dict[bytes, np.float32] = {}
        for message in messages:
            for sentence in split_sentences(message):
                replies, weights = self._run(sentence)
                for reply, weight in zip(replies.tolist(), weights.tolist(), strict=True):
                    if reply:
                        votes[reply] = np.float32(votes.get(reply, np.float32(0)) + weight)
        ranked = sorted(votes.items(), key=lambda item: (-item[1], item[0]))[:limit]
        result = [Reply(text.decode("utf-8", "replace"), float(score)) for text, score in ranked]
        confidence = float(self._options.reply_options.backoff_confidence)
        known = {reply.text for reply in result}
        for text in self._backoff:
            if len(result) >= limit:
                break
            if text not in known:
                result.append(Reply(text, confidence, backoff=True))
        return SmartReplyResult(result)


def _sequence(value: object) -> Sequence[object]:
    if isinstance(value, bytes | bytearray) or not isinstance(value, Sequence):
        return [value]  # check_text says what is wrong with it
    return value
