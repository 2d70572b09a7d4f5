"""Checking: an exercise spec and a stream of poses in, reps, holds and form issues out.

Owns the spec model and its loading from TOML (one-line ``SpecError``), strictness and
per-rule overrides, the signals (geometry, smoothing, probes, features, one frame's
signals), counting (the rep state machine, periodic cycles, what a rep measured), the
checker itself, the event and state types it emits (the contract with every sink), the
choice of the person doing the exercise, the frame rate an exercise needs, and the
rate watch that says where the adaptive frame rate must run the model on every frame. It decides
and never draws, speaks or writes files. May import ``posecheck.pose`` only.
"""
