"""``python -m posecheck.cli``: the ``posecheck`` command, as the tests and scripts run it."""

import sys

from posecheck.cli.app import main

sys.exit(main())
