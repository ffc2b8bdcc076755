"""One frozen configuration for every option; its hash is the cache key.

Built from defaults, then ``[tool.cleaner]`` in the nearest
``pyproject.toml`` (or a ``cleaner.toml``), then command-line flags.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import ConfigError


@dataclass(frozen=True)
class Config:
    # --- decode
    encoding: str | None = None  # force this encoding; None: detect
    # Below it chardet's guess is refused (exit 2, "pass --encoding"). chardet
    # 7's scores are low even for clear cases (0.04-0.12 for plain German or
    # French cp1252), so the default only refuses near-certain noise.
    min_confidence: float = 0.02
    max_bad_utf8_share: float = 0.1  # invalid sequences per valid multi-byte one
    max_file_size: int = 2 * 1024**3  # bytes; larger inputs are refused
    # --- repair
    fix_legacy: bool = True  # legacy Vietnamese encodings read as cp1252
    fix_mojibake: bool = True  # ftfy, guarded
    restore_lossy: bool = True  # "?"/"\ufffd" damage restored by the language model
    model: str | None = None  # path of a restoration model; None: the shipped one
    # --- chrome
    rules: tuple[str, ...] = ("default",)  # pack names or rule-file paths; "none" disables
    categories_off: tuple[str, ...] = ("source",)  # rule categories not applied
    safety_cap: float = 0.3  # never remove more than this share of characters
    force: bool = False  # ignore the safety cap and the empty-output guard
    # --- normalize
    nfc: bool = True
    lookalikes: bool = True  # U+00D0 Ð -> U+0110 Đ inside Vietnamese words
    invisible: bool = True  # zero-width characters, stray BOMs, soft hyphens
    control_chars: bool = True  # C0/C1 control characters other than tab/newline
    odd_spaces: bool = True  # NBSP and other odd spaces -> space
    strip_trailing: bool = True
    collapse_spaces: bool = True
    line_endings: bool = True  # CRLF / CR -> LF
    max_blank_lines: int = 1  # at most this many empty lines in a row; -1: keep all
    final_newline: bool = True
    tone_style: str | None = None  # "old" (hòa) or "new" (hoà); None: keep
    # --- files
    include: tuple[str, ...] = ("*.txt",)
    exclude: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **_coerce_all(changes))

    def cache_key(self) -> str:
        """Stable hash of every option: cached results are valid only for it."""
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any], source: str = "config") -> "Config":
        return DEFAULT.replace_from(mapping, source)

    def replace_from(self, mapping: dict[str, Any], source: str = "config") -> "Config":
        """A copy with ``mapping``'s keys (dashes or underscores) applied;
        unknown keys and wrong types are a :class:`ConfigError`."""
        known = {f.name: f for f in fields(self)}
        updates: dict[str, Any] = {}
        for raw_key, value in mapping.items():
            key = raw_key.replace("-", "_")
            if key not in known:
                # Sections owned by other parts (sites, inline rules) pass through.
                if isinstance(value, (dict, list)) and key in EXTRA_SECTIONS:
                    continue
                raise ConfigError(f"{source}: unknown option '{raw_key}'")
            try:
                updates[key] = _coerce(key, value)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{source}: option '{raw_key}': {exc}") from None
        return dataclasses.replace(self, **updates)


# Config-file sections that belong to other modules (chrome rules per site, ...).
EXTRA_SECTIONS = {"sites", "rule"}

_FIELD_TYPES = {
    "encoding": (str, type(None)),
    "model": (str, type(None)),
    "tone_style": (str, type(None)),
    "min_confidence": (float, int),
    "max_bad_utf8_share": (float, int),
    "safety_cap": (float, int),
    "max_file_size": (int,),
    "max_blank_lines": (int,),
}


def _coerce(key: str, value: Any) -> Any:
    default = getattr(DEFAULT, key)
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise TypeError("expected a list of strings")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError("expected true or false")
        return value
    allowed = _FIELD_TYPES.get(key)
    if allowed and not isinstance(value, allowed) or isinstance(value, bool):
        raise TypeError(f"expected {' or '.join(t.__name__ for t in allowed or ())}")
    if key == "tone_style" and value not in (None, "old", "new"):
        raise ValueError("expected 'old' or 'new'")
    if key in ("min_confidence", "safety_cap", "max_bad_utf8_share") and not 0 <= value <= 1:
        raise ValueError("expected a number from 0 to 1")
    return float(value) if key in ("min_confidence", "safety_cap", "max_bad_utf8_share") else value


def _coerce_all(changes: dict[str, Any]) -> dict[str, Any]:
    return {key: _coerce(key, value) for key, value in changes.items()}


DEFAULT = Config()


def find_config_file(start: Path) -> Path | None:
    """The nearest ``cleaner.toml``, or ``pyproject.toml`` with a
    ``[tool.cleaner]`` table, in ``start`` or a parent folder."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "cleaner.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "cleaner" in read_toml(pyproject).get("tool", {}):
                    return pyproject
            except ConfigError:
                return pyproject  # report the malformed file rather than skipping it
    return None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def config_table(path: Path) -> dict[str, Any]:
    """The cleaner options in a config file (``[tool.cleaner]`` of a
    pyproject.toml, the whole of a cleaner.toml)."""
    data = read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("cleaner", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.cleaner] must be a table")
    return data


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Defaults updated by the given config file, or by the nearest one found
    from ``start`` (default: the current folder)."""
    if path is None:
        path = find_config_file(start or Path.cwd())
    if path is None:
        return DEFAULT
    return DEFAULT.replace_from(config_table(path), str(path))
