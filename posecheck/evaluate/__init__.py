"""Evaluation: how well posecheck does, measured against labels.

Owns ``posecheck eval`` (labelled clips or recordings scored: exact reps, hold error,
issue precision and recall), fault injection into real recordings (sensitivity), and
frame-level F1 on labelled keypoint tables, and whether two runs give the same answers
(the adaptive frame rate against every frame). It is handed a way to analyse a clip rather
than running the pipeline itself. May import ``posecheck.pose``, ``posecheck.sources``
and ``posecheck.check``.
"""
