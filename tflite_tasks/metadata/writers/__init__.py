"""Metadata writers: make a raw ``.tflite`` model ready for its task.

One module per task, as in tflite_support.metadata_writers: ``image_classifier``,
``object_detector``, ``image_segmenter``, ``image_embedder``, ``pose_estimator``,
``nl_classifier``, ``bert_nl_classifier``, ``text_embedder``, ``audio_classifier``; each has a
``MetadataWriter`` with ``create_for_inference(...)`` (the reference's defaults) and
``create_from_metadata_info(...)`` (every block overridable). Blocks are in
:mod:`.metadata_info`.
"""
