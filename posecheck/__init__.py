"""posecheck: a pose-checking exercise monitor.

MediaPipe pose landmarks (from a webcam, a video file or a saved recording) feed a
spec-driven checker that counts reps, times holds and raises form issues.
"""

from posecheck._version import __version__

__all__ = ["__version__"]
