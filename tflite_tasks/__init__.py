"""tflite-tasks: the Task Library for TensorFlow Lite (LiteRT) models, in pure Python.

``ImageClassifier.create_from_file("model.tflite").classify("cat.jpg")``: preprocessing,
labels and score handling come from the model's TFLite Metadata; options override them.
"""

from tflite_tasks.core.audio import AudioData, load_audio
from tflite_tasks.core.classification import ScoreCalibration
from tflite_tasks.core.containers import (
    BoundingBox,
    Category,
    ClassificationResult,
    Classifications,
    Embedding,
    EmbeddingResult,
)
from tflite_tasks.core.custom_ops import (
    CustomOpError,
    register_custom_op,
    registered_custom_ops,
    unregister_custom_op,
)
from tflite_tasks.core.embedding import EmbeddingOptions, cosine_similarity
from tflite_tasks.core.engine import Engine, TensorSpec
from tflite_tasks.core.errors import (
    InferenceError,
    InputError,
    InputFileNotFoundError,
    MetadataError,
    MissingDependencyError,
    ModelFileNotFoundError,
    ModelLoadError,
    OptionsError,
    TaskClosedError,
    TfliteTasksError,
)
from tflite_tasks.core.image import load_image
from tflite_tasks.core.options import BaseOptions, ClassificationOptions, ImageOptions
from tflite_tasks.core.region import Region
from tflite_tasks.tasks.audio.audio_classifier import AudioClassifier, AudioClassifierOptions
from tflite_tasks.tasks.audio.audio_embedder import AudioEmbedder, AudioEmbedderOptions
from tflite_tasks.tasks.audio.audio_input import AudioFormat, AudioOptions
from tflite_tasks.tasks.audio.audio_stream import AudioStream
from tflite_tasks.tasks.audio.microphone import Microphone
from tflite_tasks.tasks.text.smart_reply import (
    Reply,
    SmartReply,
    SmartReplyOptions,
    SmartReplyResult,
    SmartReplyTaskOptions,
)
from tflite_tasks.tasks.text.text_classifier import TextClassifier, TextClassifierOptions
from tflite_tasks.tasks.text.text_embedder import TextEmbedder, TextEmbedderOptions
from tflite_tasks.tasks.text.text_input import TextOptions
from tflite_tasks.tasks.vision.detection_decoders import DecoderOptions
from tflite_tasks.tasks.vision.image_classifier import ImageClassifier, ImageClassifierOptions
from tflite_tasks.tasks.vision.image_embedder import ImageEmbedder, ImageEmbedderOptions
from tflite_tasks.tasks.vision.image_segmenter import (
    ImageSegmenter,
    ImageSegmenterOptions,
    SegmentationOptions,
)
from tflite_tasks.tasks.vision.object_detector import (
    DetectionOptions,
    ObjectDetector,
    ObjectDetectorOptions,
)
from tflite_tasks.tasks.vision.pose_estimator import (
    PoseEstimator,
    PoseEstimatorOptions,
    PoseOptions,
)
from tflite_tasks.tasks.vision.results import (
    KEYPOINT_NAMES,
    SKELETON_EDGES,
    ColoredLabel,
    Detection,
    DetectionResult,
    Keypoint,
    Pose,
    PoseResult,
    SegmentationResult,
)

__version__ = "0.1.0"

__all__ = [
    "KEYPOINT_NAMES",
    "SKELETON_EDGES",
    "AudioClassifier",
    "AudioClassifierOptions",
    "AudioData",
    "AudioEmbedder",
    "AudioEmbedderOptions",
    "AudioFormat",
    "AudioOptions",
    "AudioStream",
    "BaseOptions",
    "BoundingBox",
    "Category",
    "ClassificationOptions",
    "ClassificationResult",
    "Classifications",
    "ColoredLabel",
    "CustomOpError",
    "DecoderOptions",
    "Detection",
    "DetectionOptions",
    "DetectionResult",
    "Embedding",
    "EmbeddingOptions",
    "EmbeddingResult",
    "Engine",
    "ImageClassifier",
    "ImageClassifierOptions",
    "ImageEmbedder",
    "ImageEmbedderOptions",
    "ImageOptions",
    "ImageSegmenter",
    "ImageSegmenterOptions",
    "InferenceError",
    "InputError",
    "InputFileNotFoundError",
    "Keypoint",
    "MetadataError",
    "Microphone",
    "MissingDependencyError",
    "ModelFileNotFoundError",
    "ModelLoadError",
    "ObjectDetector",
    "ObjectDetectorOptions",
    "OptionsError",
    "Pose",
    "PoseEstimator",
    "PoseEstimatorOptions",
    "PoseOptions",
    "PoseResult",
    "Region",
    "Reply",
    "ScoreCalibration",
    "SegmentationOptions",
    "SegmentationResult",
    "SmartReply",
    "SmartReplyOptions",
    "SmartReplyResult",
    "SmartReplyTaskOptions",
    "TaskClosedError",
    "TensorSpec",
    "TextClassifier",
    "TextClassifierOptions",
    "TextEmbedder",
    "TextEmbedderOptions",
    "TextOptions",
    "TfliteTasksError",
    "__version__",
    "cosine_similarity",
    "load_audio",
    "load_image",
    "register_custom_op",
    "registered_custom_ops",
    "unregister_custom_op",
]
