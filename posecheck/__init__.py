"""posecheck: a pose-checking exercise monitor.

MediaPipe pose landmarks (from a webcam, a video file or a saved recording) feed a
spec-driven checker that counts reps, times holds and raises form issues.
"""

__version__ = "0.1.0"
