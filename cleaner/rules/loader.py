"""Load rule packs and rule files (TOML) into validated, compiled rules.

A malformed file raises one :class:`ConfigError` naming the file and line.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import ConfigError
from .model import KINDS, SCOPES, Rule, compile_rule

PACKS_DIR = Path(__file__).parent / "packs"
# Which key holds the patterns for each matcher kind.
PATTERN_KEY = {
    "phrase": "phrases", "prefix": "phrases", "phrase-set": "phrases", "tail-marker": "phrases",
    "counter": "labels", "regex": "regex", "block": "start",
}
_OPTIONAL = {"description", "end", "fold", "scope", "sites", "protect-prose", "numbers",
             "max-length", "examples", "positive", "negative"}
_LANGUAGE_PACKS = {"vi": ("vi-news",), "en": ("en-news",)}


@lru_cache(maxsize=1)
def _builtin_pack_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PACKS_DIR.glob("*.toml")))


def builtin_packs() -> list[str]:
    """The packs shipped with cleaner (listed once: every document asks)."""
    return list(_builtin_pack_names())


def pack_names_for(names: tuple[str, ...], language: str | None) -> list[str]:
    """Expand "default" (generic + the packs of the detected language)."""
    out: list[str] = []
    for name in names:
        expanded = ["generic", *_LANGUAGE_PACKS.get(language or "", ())] if name == "default" else [name]
        out.extend(n for n in expanded if n not in out and n != "none")
    return out


def load_named(name: str, base: Path | None = None) -> tuple[Rule, ...]:
    """A built-in pack by name, or a rule file by path."""
    if name in _builtin_pack_names():
        return _load_builtin(name)
    path = Path(name)
    if not path.is_absolute() and base is not None:
        path = base / path
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError(f"{name}: rule file not found")
        return load_file(path)
    raise ConfigError(f"unknown rule pack '{name}' (built-in: {', '.join(builtin_packs())}, none)")


@cache
def _load_builtin(name: str) -> tuple[Rule, ...]:
    """A built-in pack, read once per process (no stat per document: the
    packs ship with the package)."""
    return load_file(PACKS_DIR / f"{name}.toml")


def load_file(path: Path) -> tuple[Rule, ...]:
    path = Path(path).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return _load_file(str(path), stamp)


@lru_cache(maxsize=64)
def _load_file(path: str, _stamp: int) -> tuple[Rule, ...]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = found.group(1) if found else text.rstrip("\n").count("\n") + 1  # "at end of document"
        where = f"{path}:{line}"
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ConfigError(f"{where}: invalid TOML: {message}") from None
    pack = data.get("pack", {})
    if not isinstance(pack, dict):
        line = _line_of(text, r"pack\s*=") or 1
        raise ConfigError(f"{path}:{line}: 'pack' must be a table")
    unknown = set(data) - {"pack", "rule"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{path}:{_line_of(text, re.escape(key)) or 1}: unknown section '{key}' "
                          "(a rule file has [pack] and [[rule]] tables)")
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        line = _line_of(text, r"\[rule\]") or 1
        raise ConfigError(f"{path}:{line}: rules must be [[rule]] tables")
    pack_name = str(pack.get("name", Path(path).stem))
    rules = tuple(parse_rule(t, pack_name, path, text, i) for i, t in enumerate(tables))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:  # (across files, a later rule replaces an earlier one on purpose)
            headers = [m.start() for m in _HEADER.finditer(text)]
            again = [h for h, t in zip(headers, tables) if t.get("id") == rule.id][1:2]
            line = text.count("\n", 0, again[0]) + 1 if again else 1
            raise ConfigError(f"{path}:{line}: rule id '{rule.id}' is used twice in this file")
        seen.add(rule.id)
    return rules


@lru_cache(maxsize=256)
def parse_inline(blob: str) -> Rule:
    """One rule stored in the config as canonical JSON (see Config.inline_rules)."""
    table = json.loads(blob)
    source = table.pop("_source", "config")
    index = table.pop("_index", 0)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return parse_rule(table, "config", source, text, index)


def parse_rule(table: Any, pack: str, path: str, text: str, index: int) -> Rule:
    """Validate one [[rule]] table; errors name the file and line."""
    rule_id = table.get("id") if isinstance(table, dict) else None

    def fail(message: str, key: str | None = None) -> ConfigError:
        line = _rule_line(text, index, rule_id, key)
        where = f"{path}:{line}" if line else path
        name = f"rule '{rule_id}'" if isinstance(rule_id, str) else f"rule #{index + 1}"
        return ConfigError(f"{where}: {name}: {message}")

    if not isinstance(table, dict):
        raise fail("must be a table")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[\w.\-]+", rule_id):
        raise fail("needs an 'id' of letters, digits, '.', '-' or '_'", "id")
    match = table.get("match")
    if match not in KINDS:
        raise fail(f"'match' must be one of {', '.join(KINDS)}", "match")
    pattern_key = PATTERN_KEY[match]
    allowed = _OPTIONAL | {"id", "category", "match", pattern_key}
    for key in table:
        if key not in allowed:
            hint = f" (a '{match}' rule takes '{pattern_key}')" if key in PATTERN_KEY.values() else ""
            raise fail(f"unknown key '{key}'{hint}", key)
    category = table.get("category")
    if not isinstance(category, str) or not category:
        raise fail("needs a 'category' (e.g. comment-form, counter, related-list)", "category")

    def strings(key: str, required: bool = False) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"'{key}' must be a list of strings", key)
        if required and not value:
            raise fail(f"needs '{key}'", key)
        return tuple(value)

    def typed(key: str, kind: type, default: Any) -> Any:
        value = table.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise fail(f"'{key}' must be {'true or false' if kind is bool else kind.__name__}", key)
        return value

    examples = table.get("examples", {})
    if not isinstance(examples, dict) or set(examples) - {"positive", "negative"}:
        raise fail("'examples' must be a table with 'positive' and 'negative' lists", "examples")
    merged = {**table, **examples}
    scope = typed("scope", str, "document")
    if scope not in SCOPES:
        raise fail(f"'scope' must be one of {', '.join(SCOPES)}", "scope")
    if match == "block" and not table.get("end"):
        raise fail("a 'block' rule needs 'end' phrases", "id")
    positive = _strings_of(merged, "positive", fail)
    negative = _strings_of(merged, "negative", fail)
    patterns = strings(pattern_key, required=True)
    if not all(p.strip() for p in patterns):
        # ("" matches every line: only prose protection and the cap would stand)
        raise fail(f"'{pattern_key}' holds an empty pattern", pattern_key)
    if typed("max-length", int, 200) < 1:
        raise fail("'max-length' must be a positive number of characters", "max-length")
    rule = Rule(
        id=rule_id, category=category, match=match, patterns=patterns,
        description=typed("description", str, ""), end=strings("end"), fold=typed("fold", bool, True),
        scope=scope, sites=strings("sites"), protect_prose=typed("protect-prose", bool, True),
        numbers=typed("numbers", bool, False), max_length=typed("max-length", int, 200),
        positive=positive, negative=negative, pack=pack,
        origin=f"{path}:{_rule_line(text, index, rule_id, None) or 1}",
    )
    try:
        return compile_rule(rule)
    except (re.error, ValueError) as exc:
        raise fail(f"bad pattern: {exc}", pattern_key) from None


def _strings_of(table: dict, key: str, fail) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"'{key}' examples must be a list of strings", key)
    return tuple(value)


_HEADER = re.compile(r"^[ \t]*\[\[\s*(?:[^\]]*\.)?rule\s*\]\]", re.MULTILINE)


def _line_of(text: str, pattern: str) -> int | None:
    found = re.search(rf"^\s*{pattern}", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _rule_line(text: str, index: int, rule_id: Any, key: str | None) -> int | None:
    """Line of ``key`` in the rule's table (or of the table's header)."""
    if not text:
        return None
    headers = list(_HEADER.finditer(text))
    current = None
    if isinstance(rule_id, str):
        found = re.search(rf"^[ \t]*id\s*=\s*[\"']{re.escape(rule_id)}[\"']", text, re.MULTILINE)
        if found:
            before = [h for h in headers if h.end() <= found.start()]
            current = before[-1] if before else None
    if current is None:
        if index >= len(headers):
            return None
        current = headers[index]
    later = [h for h in headers if h.start() >= current.end()]
    end = later[0].start() if later else len(text)
    position = current.end() - 1
    if key:
        found = re.search(rf"^[ \t]*{re.escape(key)}\s*=", text[current.end():end], re.MULTILINE)
        if found:
            position = current.end() + found.start()
    return text.count("\n", 0, position) + 1
