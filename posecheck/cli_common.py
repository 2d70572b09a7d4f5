"""What the command-line modules share: the errors that end as one line."""

from __future__ import annotations

from .evaluate import EvalError
from .models import ModelError
from .recording import RecordingError
from .report_files import ReportError
from .screen_sinks import DisplayError
from .sources import SourceError
from .specs import SpecError
from .strictness import StrictnessError

#: Expected failures: printed as ``posecheck: error: ...`` with exit code 2.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    SpecError,
    SourceError,
    ModelError,
    ReportError,
    RecordingError,
    DisplayError,
    EvalError,
    StrictnessError,
)


class UsageError(Exception):
    """A command-line mistake the user can fix."""
