"""Reports: the checker's events turned into what people read and watch.

Owns the report model (the JSON dict) and its atomic JSON/CSV files, the terminal summary
and event lines, drawing the overlay (decides nothing), the sinks (report, annotated
video, progress bar, event log, live window), the self-contained HTML page with its plot
and issue clips, H.264/VP9 encoding, and the index of a folder's reports. It renders
``posecheck.check.events`` and never re-judges landmarks. May import ``posecheck.pose``,
``posecheck.sources`` (issue clips re-read the video) and ``posecheck.check``.
"""
