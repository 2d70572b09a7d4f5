"""A whole workout: name the exercise being done, find the sets in a long recording, and
judge each set with its exercise's checker.

Owns exercise recognition (which known exercise a span of poses shows, with a confidence,
and "not sure" rather than a guess), set segmentation (active spans and rests) and the
per-set results a session report is built from. It decides and never draws, speaks or
writes files. May import ``posecheck.pose`` and ``posecheck.check`` only.
"""
