"""Sources: every input (video file, webcam, landmark recording) as one iterable of frames.

Owns the source interface and its one-line ``SourceError``, video files (container
timestamps, rotation, truncation), webcams and their capture thread (newest frame only),
the replay of a landmark recording, parallel pose estimation over parts of a video, and
``open_source``, which picks one for a command-line argument. The base module imports no
concrete source, so they build on it without a circle. May import ``posecheck.pose``
(a recording replays ``PoseFrame``s; parallel decoding runs the estimator it is given);
knows nothing of exercises.
"""
