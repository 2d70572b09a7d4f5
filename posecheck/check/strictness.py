"""How strict the coach is: a level for everyone, and per-rule overrides for one person.

Levels: ``normal`` is each spec as written. ``strict`` and ``lenient`` use a rule's own
``strict`` / ``lenient`` threshold where its spec gives one (set from measurements: see
docs/sensitivity.md), and otherwise change only how long a fault must last before it is
said (``for_s`` halved when strict, doubled when lenient): a threshold nobody has measured
is not moved by guesswork.

Overrides come from the command line (``--rule hips_sagging.below=-0.08``,
``--rule trunk_leaning=off``) or a config file (``[rules.hips_sagging] below = -0.08``)
and beat the level. Every mistake is one line naming the rule and what is allowed.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from posecheck.check.spec_model import ExerciseSpec, Rule, SpecError

LEVELS = ("lenient", "normal", "strict")
_FOR_S = {"lenient": 2.0, "normal": 1.0, "strict": 0.5}
OVERRIDE_KEYS = ("above", "below", "for_s", "off")


class StrictnessError(ValueError):
    """A strictness level, override or config file posecheck cannot use (one line)."""


def unknown_rule(spec: ExerciseSpec, code: str) -> StrictnessError:
    """The one error for a rule code the exercise does not have, whatever else is wrong
    with the override: the name is the likelier mistake, and the list shows the right one."""
    codes = sorted(r.code for r in spec.rules)
    close = difflib.get_close_matches(code, codes, n=1, cutoff=0.6)
    did = f" (did you mean {close[0]!r}?)" if close else ""
    rules = f"its rules: {', '.join(codes)}" if codes else "it has no form rules"
    return StrictnessError(f"{spec.name} has no rule {code!r}{did}; {rules}")


def parse_rule_args(
    args: Iterable[str], spec: ExerciseSpec | None = None
) -> dict[str, dict[str, Any]]:
    """``CODE.KEY=VALUE`` / ``CODE=off`` strings into {code: {key: value}}; with a spec, a
    code it does not have is reported first (before the form of the rest is judged)."""
    out: dict[str, dict[str, Any]] = {}
    codes = None if spec is None else {r.code for r in spec.rules}
    for arg in args:
        target, eq, raw = arg.partition("=")
        code, _, key = target.partition(".")
        if spec is not None and codes is not None and code and code not in codes:
            raise unknown_rule(spec, code)
        if not eq or not code:
            raise StrictnessError(
                f"--rule {arg!r}: write CODE.KEY=VALUE (KEY: above, below, for_s) or CODE=off"
            )
        if not key:
            if raw != "off":
                raise StrictnessError(
                    f"--rule {arg!r}: CODE=off is the only form without a key; to set a "
                    f"value write {code}.KEY={raw} (KEY: above, below, for_s)"
                )
            out.setdefault(code, {})["off"] = True
            continue
        try:
            out.setdefault(code, {})[key] = float(raw)
        except ValueError:
            raise StrictnessError(f"--rule {arg!r}: {raw!r} is not a number") from None
    return out


def load_config(path: str | Path) -> tuple[str | None, dict[str, dict[str, Any]]]:
    """A config file: ``strictness = "lenient"`` and ``[rules.CODE]`` tables."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StrictnessError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StrictnessError(f"{p}: cannot read config: {exc}") from None
    unknown = set(data) - {"strictness", "rules"}
    if unknown:
        raise StrictnessError(f"{p}: unknown key(s) {sorted(unknown)}; allowed: strictness, rules")
    level = data.get("strictness")
    if level is not None and level not in LEVELS:
        raise StrictnessError(f"{p}: strictness must be one of {', '.join(LEVELS)}, got {level!r}")
    rules = data.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise StrictnessError(f"{p}: [rules.CODE] tables expected, e.g. [rules.hips_sagging]")
    return level, {code: dict(v) for code, v in rules.items()}


def apply(
    spec: ExerciseSpec, level: str = "normal", overrides: Mapping[str, Mapping[str, Any]] = {}
) -> ExerciseSpec:
    """The spec with the level and the overrides applied (a new frozen spec)."""
    if level not in LEVELS:
        raise StrictnessError(f"strictness must be one of {', '.join(LEVELS)}, got {level!r}")
    codes = {r.code for r in spec.rules}
    for code, keys in overrides.items():
        if code not in codes:
            raise unknown_rule(spec, code)
        bad = set(keys) - set(OVERRIDE_KEYS)
        if bad:
            raise StrictnessError(
                f"rule {code}: unknown key(s) {sorted(bad)}; allowed: {', '.join(OVERRIDE_KEYS)}"
            )
    rules = []
    for rule in spec.rules:
        changed = _level(rule, level)
        keys = overrides.get(rule.code, {})
        if keys.get("off"):
            continue
        changed = _override(changed, keys, spec.name)
        rules.append(changed)
    return replace(spec, rules=tuple(rules))


def _level(rule: Rule, level: str) -> Rule:
    threshold = rule.strict if level == "strict" else rule.lenient if level == "lenient" else None
    if threshold is not None:
        if rule.above is not None:
            return replace(rule, above=threshold)
        return replace(rule, below=threshold)
    return replace(rule, for_s=rule.for_s * _FOR_S[level])


def _override(rule: Rule, keys: Mapping[str, Any], exercise: str) -> Rule:
    values: dict[str, float] = {}
    for key in ("above", "below", "for_s"):
        if key in keys:
            value = keys[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise StrictnessError(f"rule {rule.code}.{key}: must be a number, got {value!r}")
            if key != "for_s" and getattr(rule, key) is None:
                other = "below" if key == "above" else "above"
                raise StrictnessError(
                    f"rule {rule.code} of {exercise} fires {other} its threshold: set {other}"
                )
            if key == "for_s" and value < 0:
                raise StrictnessError(f"rule {rule.code}.for_s: must be >= 0, got {value}")
            values[key] = float(value)
    if not values:
        return rule
    try:
        return _checked(replace(rule, **values))
    except SpecError as exc:
        raise StrictnessError(str(exc)) from None


def _checked(rule: Rule) -> Rule:
    if rule.above is not None and rule.below is not None and rule.below > rule.above:
        raise SpecError(f"rule {rule.code}: below ({rule.below:g}) > above ({rule.above:g})")
    return rule


def default_config_path() -> Path | None:
    """$POSECHECK_CONFIG, else ~/.config/posecheck/config.toml when it exists."""
    import os

    env = os.environ.get("POSECHECK_CONFIG")
    if env:
        return Path(env)
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = home / "posecheck" / "config.toml"
    return path if path.is_file() else None


def configured(
    spec: ExerciseSpec,
    level: str | None,
    rule_args: Iterable[str],
    config: str | Path | None,
) -> ExerciseSpec:
    """The spec as this user wants it: config file first, then the command line on top.

    A config file is shared by every exercise, so its rules for codes this exercise does
    not have are skipped; a ``--rule`` naming an unknown code is an error."""
    cfg_level, cfg_rules = load_config(config) if config is not None else (None, {})
    codes = {r.code for r in spec.rules}
    overrides = {c: dict(v) for c, v in cfg_rules.items() if c in codes}
    for code, keys in parse_rule_args(rule_args, spec).items():
        overrides.setdefault(code, {}).update(keys)
    return apply(spec, level or cfg_level or "normal", overrides)
