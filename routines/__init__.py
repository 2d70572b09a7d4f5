"""The routines (one TOML file each), installed as ``posecheck.routines``.

Not code: this file only makes the folder a package, so an editable install and a wheel
both find the TOML files through importlib.resources (see pyproject.toml).
"""
