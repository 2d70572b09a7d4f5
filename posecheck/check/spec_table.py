"""Reading a TOML table key by key, so every mistake names its file, key path and fix.

A small reader instead of a schema library: the messages are the product here ("plank.toml:
rules[0].for_sec: unknown key (did you mean 'for_s'?)"), and it is the only place that
knows how to phrase them.
"""

from __future__ import annotations

import difflib
from typing import Any

from posecheck.check.spec_model import SpecError


def spec_error(file: str, path: str, problem: str) -> SpecError:
    """The one message format: `file: key.path: what is wrong and what is allowed`.

    Always one line: a key or value holding a line break is shown escaped."""
    text = f"{file}: {path}: {problem}"
    return SpecError(text.replace("\r", "\\r").replace("\n", "\\n"))


class TableReader:
    """Reads keys from one TOML table, then complains about any key nobody asked for.

    Every getter records the key as allowed, so `done()` can list what *is* allowed
    and suggest the closest name for a typo.
    """

    def __init__(self, data: Any, file: str, path: str) -> None:
        if not isinstance(data, dict):
            raise spec_error(file, path or "<top>", f"must be a table, got {type(data).__name__}")
        self.data = data
        self.file = file
        self.path = path
        self.allowed: list[str] = []

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, types: type | tuple[type, ...], default: Any = ...) -> Any:
        self.allowed.append(key)
        if key not in self.data:
            if default is ...:
                raise spec_error(self.file, self.key_path(key), "is required")
            return default
        value = self.data[key]
        kinds = types if isinstance(types, tuple) else (types,)
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(t.__name__ for t in kinds)
            raise spec_error(self.file, self.key_path(key), f"must be {names}, got {value!r}")
        return value

    def number(
        self, key: str, default: Any = ..., lo: float | None = None, hi: float | None = None
    ) -> float:
        value = self.get(key, (int, float), default)
        if value is None:
            return value
        value = float(value)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            raise spec_error(self.file, self.key_path(key), f"must be in {rng}, got {value:g}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            raise spec_error(
                self.file, self.key_path(key), f"must be one of {', '.join(allowed)}; got {value!r}"
            )
        return value

    def sub(self, key: str, required: bool = False) -> TableReader | None:
        self.allowed.append(key)
        if key not in self.data:
            if required:
                raise spec_error(self.file, self.key_path(key), "is required")
            return None
        return TableReader(self.data[key], self.file, self.key_path(key))

    def done(self) -> None:
        extra = sorted(set(self.data) - set(self.allowed))
        if extra:
            hint = difflib.get_close_matches(extra[0], self.allowed, n=1)
            did = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise spec_error(
                self.file,
                self.key_path(extra[0]),
                f"unknown key{did}; allowed here: {', '.join(sorted(set(self.allowed)))}",
            )
