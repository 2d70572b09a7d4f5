"""Poses: the 33 named landmarks of a person in a frame, and where they come from.

Owns the landmark types (``PoseFrame``), the ``.npz`` landmark recordings, the pose model
(finding, building and verifying the ``.task`` file), the estimator (the only module that
imports mediapipe), the body's view (yaw) per frame, a person's place in the picture, the
lookout that decides when to look for a second person, the guard that puts back
momentary left/right label swaps, and the adaptive frame sampler (the model on fewer
frames where motion allows, the rest interpolated). It knows nothing of exercises, so
it imports nothing else from posecheck (only ``posecheck._version``): it is the bottom layer.
"""
