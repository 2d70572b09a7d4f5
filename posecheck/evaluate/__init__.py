"""Evaluation: how well posecheck does, measured against labels.

Owns ``posecheck eval`` (labelled clips or recordings scored: exact reps, hold error,
issue precision and recall, exercise recognition and its confusion matrix), fault
injection into real recordings (sensitivity), frame-level F1 on labelled keypoint tables,
and whether two runs give the same answers (the adaptive frame rate against every frame).
It is handed a way to analyse a clip rather than running the pipeline itself. May import
``posecheck.pose``, ``posecheck.sources``, ``posecheck.check`` and ``posecheck.workout``.
"""
