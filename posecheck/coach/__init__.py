"""Coaching: what a person hears and sees around a live set, and what is kept of it.

Owns the cue policy (what to say when), the voice (espeak-ng, beeps, WAV) and its
non-blocking sink, the camera set-up phase and countdown, routines (the articles' steps
and their runner's window), crash-proof session logs and the history read from them.
May import ``posecheck.pose``, ``posecheck.check`` and ``posecheck.report`` (its sinks
build on the report's); it never opens a source or runs the pipeline itself.
"""
