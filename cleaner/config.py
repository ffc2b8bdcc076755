"""One frozen configuration for every option; its hash is the cache key.

Built from defaults, then ``[tool.cleaner]`` in the nearest
``pyproject.toml`` (or a ``cleaner.toml``), then command-line flags.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
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
    # bytes: the most cleaned whole, in memory. A larger UTF-8 input is
    # streamed in blocks where it can be (-o, --in-place, --check); stdout,
    # --diff, a forced encoding and other encodings refuse it.
    max_file_size: int = 2 * 1024**3
    # --- repair
    fix_legacy: bool = True  # legacy Vietnamese encodings read as cp1252
    fix_mojibake: bool = True  # ftfy, guarded
    restore_lossy: bool = True  # "?"/"\ufffd" damage restored by the language model
    model: str | None = None  # path of a restoration model; None: the shipped one
    # a lossy restoration below this confidence is left as is and reported unresolved
    restore_min_confidence: float = 0.2
    # --- chrome
    rules: tuple[str, ...] = ("default",)  # pack names or rule-file paths; "none" disables
    categories_off: tuple[str, ...] = ("source",)  # rule categories not applied
    safety_cap: float = 0.3  # never remove more than this share of characters
    force: bool = False  # ignore the safety cap and the empty-output guard
    # [[rule]] tables and [sites."domain-or-glob"] sections of config files,
    # each as canonical JSON so they are hashable and part of the cache key.
    inline_rules: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
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
    # --- corpora and runs (cleaner.runner, cleaner.jsonl, cleaner.cache)
    jsonl: bool = False  # inputs are JSON Lines; the text_field of each record is cleaned
    text_field: str = "text"
    # JSONL: the field naming a record's page (a URL or a domain), matched by
    # per-site rules as a file's path is; "": none
    site_field: str = "url"
    workers: int = 0  # worker processes; 0: one per CPU, 1: in-process
    cache: bool = True  # skip files already known to be clean under this config
    cache_dir: str | None = None  # None: $XDG_CACHE_HOME/cleaner (~/.cache/cleaner)
    # bytes; larger UTF-8 plain files are cleaned in blocks (a whole file
    # takes ~45x its size in memory while it is cleaned)
    stream_threshold: int = 4 * 1024**2
    # --- learn (cleaner.learn): when a repeated line becomes a proposed rule
    learn_min_docs: int = 5  # documents of its site it must occur in
    learn_min_share: float = 0.3  # ... and share of the site's documents
    learn_prose_share: float = 0.6  # share needed by a line that reads like prose

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **_coerce_all(changes))

    @property
    def has_chrome_rules(self) -> bool:
        """Whether any chrome rule may apply: packs or rule files, inline
        rules, or a site's own ("rules = ['none']" and rules for one site)."""
        return bool(self.rules and tuple(self.rules) != ("none",)) or bool(self.inline_rules or self.sites)

    def cache_key(self) -> str:
        """Stable hash of every option: cached results are valid only for it."""
        options = {k: v for k, v in dataclasses.asdict(self).items() if k not in RUN_ONLY}
        blob = json.dumps(options, sort_keys=True, default=str)
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
            if key in ("rule", "sites", "inline_rules"):
                updates.update(_rule_sections(key, value, source))
                continue
            if key == "rules":
                value = _rule_paths(value, source)
            elif key in ("model", "cache_dir"):
                value = _file_path(value, source)
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


# Options that change how a run goes, not what it outputs: not in the cache key.
RUN_ONLY = {"workers", "cache", "cache_dir", "stream_threshold"}
RUN_ONLY |= {"learn_min_docs", "learn_min_share", "learn_prose_share"}  # used by learn only

# Config-file sections that belong to other modules (chrome rules per site, ...).
EXTRA_SECTIONS = {"sites", "rule"}


def _canonical(table: dict[str, Any], source: str, index: int) -> str:
    return json.dumps({**table, "_source": source, "_index": index}, sort_keys=True,
                      ensure_ascii=False, default=str)


def _rule_sections(key: str, value: Any, source: str) -> dict[str, tuple[str, ...]]:
    """``[[rule]]`` tables → inline_rules; ``[sites.X]`` tables → sites (each
    with its own ``rules``, ``categories-off`` and ``[[...rule]]``)."""
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return {"sites" if key == "sites" else "inline_rules": value}  # already canonical
    if key in ("rule", "inline_rules"):
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            raise ConfigError(f"{source}: 'rule' must be [[rule]] tables")
        return {"inline_rules": tuple(_canonical(t, source, i) for i, t in enumerate(value))}
    if not isinstance(value, dict) or not all(isinstance(t, dict) for t in value.values()):
        raise ConfigError(f"{source}: 'sites' must hold one table per site, e.g. [sites.\"example.vn\"]")
    sites = []
    for site, table in value.items():
        unknown = set(table) - {"rules", "categories-off", "categories_off", "rule"}
        if unknown:
            raise ConfigError(f"{source}: sites.{site}: unknown option '{sorted(unknown)[0]}'")
        table = dict(table)
        if "rules" in table:
            table["rules"] = list(_rule_paths(_coerce("rules", table["rules"]), source))
        rules = table.pop("rule", [])
        rules = [rules] if isinstance(rules, dict) else rules
        table["rule"] = [_canonical(t, source, i) for i, t in enumerate(rules)]
        sites.append(json.dumps({"site": site, **table, "_source": source}, sort_keys=True,
                                ensure_ascii=False))
    return {"sites": tuple(sites)}


def _rule_paths(value: Any, source: str) -> Any:
    """Rule-file names in a config file are relative to that file."""
    base = Path(source).parent if source.endswith(".toml") else None
    if base is None or not isinstance(value, (list, tuple)):
        return value
    return [str(base / v) if isinstance(v, str) and v.endswith(".toml") and not Path(v).is_absolute()
            else v for v in value]

def _file_path(value: Any, source: str) -> Any:
    """A model or cache folder named in a config file is relative to that
    file, as its rule files are (not to wherever cleaner is run from)."""
    if not (isinstance(value, str) and value and source.endswith(".toml")):
        return value
    if Path(value).is_absolute() or value.startswith("~"):
        return value
    return str(Path(source).parent / value)


_FIELD_TYPES = {
    "encoding": (str, type(None)),
    "model": (str, type(None)),
    "tone_style": (str, type(None)),
    "min_confidence": (float, int),
    "restore_min_confidence": (float, int),
    "max_bad_utf8_share": (float, int),
    "safety_cap": (float, int),
    "max_file_size": (int,),
    "max_blank_lines": (int,),
    "cache_dir": (str, type(None)),
    "text_field": (str,),
    "site_field": (str,),
    "workers": (int,),
    "stream_threshold": (int,),
    "learn_min_docs": (int,),
    "learn_min_share": (float, int),
    "learn_prose_share": (float, int),
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
    if key in ("min_confidence", "safety_cap", "max_bad_utf8_share", "restore_min_confidence") and not 0 <= value <= 1:
        raise ValueError("expected a number from 0 to 1")
    if key in ("learn_min_share", "learn_prose_share"):
        if not 0 <= value <= 1:
            raise ValueError("expected a number from 0 to 1")
        return float(value)
    if key == "learn_min_docs" and value < 1:
        raise ValueError("expected a number of 1 or more")
    if key in ("workers", "stream_threshold") and value < 0:
        raise ValueError("expected a number of 0 or more")
    return float(value) if key in ("min_confidence", "safety_cap", "max_bad_utf8_share", "restore_min_confidence") else value


def _coerce_all(changes: dict[str, Any]) -> dict[str, Any]:
    return {key: _coerce(key, value) for key, value in changes.items()}


DEFAULT = Config()


def config_start(paths: list[str], stdin_filename: str | None = None) -> Path:
    """Where the config is looked up from: the folder all inputs share (as
    black finds a project's root), so the order of the inputs does not
    matter; stdin stands at --stdin-filename, or the current folder."""
    places = [os.path.abspath(stdin_filename or ".") if p == "-" else os.path.abspath(p) for p in paths]
    try:
        return Path(os.path.commonpath(places)) if places else Path.cwd()
    except ValueError:  # (paths on different drives)
        return Path(places[0])


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
