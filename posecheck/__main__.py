"""``python -m posecheck``: the ``posecheck`` command without the console script."""

import sys

from posecheck.cli.app import main

sys.exit(main())
