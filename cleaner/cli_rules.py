"""``cleaner rules``: list, show and test chrome rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .config import Config, load_config
from .errors import CleanerError
from .report import is_safety_cap_warning
from .rules import Rule, builtin_packs, load_named, load_rules
from .rules.loader import parse_inline

rules_app = typer.Typer(help="List, show and test the chrome-removal rules.", no_args_is_help=True)

RulesOption = typer.Option(None, "--rules", help="Packs or rule files (default: every built-in pack and the configured rules).")
ConfigOption = typer.Option(None, "--config", help="Config file (default: nearest cleaner.toml or pyproject.toml).")


def check_rules(config: Config) -> None:
    """Load every rule the config names (packs, files, inline, per site);
    raises ConfigError for a malformed one."""
    for language in ("vi", "en"):
        load_rules(tuple(config.rules), language, tuple(config.inline_rules))
    for blob in config.sites:
        site = json.loads(blob)
        load_rules(tuple(site.get("rules", config.rules)), "vi", tuple(site.get("rule", ())))


def _selected(names: Optional[list[str]], config_file: Optional[Path]) -> list[Rule]:
    config = load_config(config_file, start=Path.cwd())
    if names:
        return list(load_rules(tuple(names), "vi", tuple(config.inline_rules)))
    rules: dict[str, Rule] = {}
    for pack in builtin_packs():
        rules.update((r.id, r) for r in load_named(pack))
    for name in config.rules:
        if name not in ("default", "none", *builtin_packs()):
            rules.update((r.id, r) for r in load_named(name))
    for blob in config.inline_rules:
        rule = parse_inline(blob)
        rules[rule.id] = rule
    for blob in config.sites:
        for inline in json.loads(blob).get("rule", ()):
            rule = parse_inline(inline)
            rules[rule.id] = rule
    return list(rules.values())


def _fail(message: str) -> typer.Exit:
    sys.stderr.write(f"cleaner: error: {message}\n")
    return typer.Exit(2)


@rules_app.command("list")
def list_rules(rules: Optional[list[str]] = RulesOption, config_file: Optional[Path] = ConfigOption) -> None:
    """One line per rule: id, category, matcher, scope, pack."""
    try:
        selected = _selected(rules, config_file)
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    for rule in selected:
        sys.stdout.write(f"{rule.id}\t{rule.category}\t{rule.match}\t{rule.scope}\t{rule.pack}\n")


@rules_app.command("show")
def show(rule_id: str = typer.Argument(..., help="A rule id, e.g. vi.counter."),
         rules: Optional[list[str]] = RulesOption, config_file: Optional[Path] = ConfigOption) -> None:
    """Everything about one rule: where it is defined, its matcher and examples."""
    try:
        selected = {r.id: r for r in _selected(rules, config_file)}
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    rule = selected.get(rule_id)
    if rule is None:
        raise _fail(f"no rule '{rule_id}' (see: cleaner rules list)")
    out = sys.stdout
    out.write(f"id: {rule.id}\npack: {rule.pack}\ndefined at: {rule.origin}\n"
              f"category: {rule.category}\ndescription: {rule.description}\nmatch: {rule.match}\n"
              f"scope: {rule.scope}\nfold (ignore case and diacritics): {str(rule.fold).lower()}\n"
              f"protect prose: {str(rule.protect_prose).lower()}\nmax length: {rule.max_length}\n")
    if rule.sites:
        out.write(f"sites: {', '.join(rule.sites)}\n")
    out.write("patterns:\n" + "".join(f"  {p}\n" for p in rule.patterns))
    if rule.end:
        out.write("end:\n" + "".join(f"  {p}\n" for p in rule.end))
    out.write("positive examples:\n" + "".join(f"  {p}\n" for p in rule.positive))
    out.write("negative examples:\n" + "".join(f"  {p}\n" for p in rule.negative))


def example_failures(rules: list[Rule]) -> list[str]:
    """One message per example that its rule gets wrong."""
    failures = []
    for rule in rules:
        failures += [f"{rule.id} ({rule.origin}): should match: {e!r}" for e in rule.positive if not rule.matches(e)]
        failures += [f"{rule.id} ({rule.origin}): should not match: {e!r}" for e in rule.negative if rule.matches(e)]
    return failures


@rules_app.command("test")
def test(files: Optional[list[Path]] = typer.Argument(None, help="Pages to show the removals for."),
         rules: Optional[list[str]] = RulesOption, config_file: Optional[Path] = ConfigOption,
         force: bool = typer.Option(False, "--force", help="Ignore the safety cap.")) -> None:
    """Check every rule's own examples (exit 1 if one fails) and show which
    lines each rule removes from FILES."""
    from .pipeline import clean_bytes

    try:
        selected = _selected(rules, config_file)
    except CleanerError as exc:
        raise _fail(str(exc)) from None
    failures = example_failures(selected)
    for message in failures:
        sys.stderr.write(f"FAIL {message}\n")
    examples = sum(len(r.positive) + len(r.negative) for r in selected)
    sys.stderr.write(f"{len(selected)} rules, {examples} examples, {len(failures)} failing\n")
    config = load_config(config_file, start=Path(files[0]) if files else Path.cwd())
    config = config.replace(force=force or config.force, **({"rules": tuple(rules)} if rules else {}))
    for path in files or ():
        try:
            data = path.read_bytes()
            doc = clean_bytes(data, config, path=str(path))
            capped = not config.force and any(is_safety_cap_warning(w) for w in doc.warnings)
            if capped:
                # A run keeps such a page whole; what the rules match is
                # what a reviewer needs to see here all the same.
                doc = clean_bytes(data, config.replace(force=True), path=str(path))
        except (OSError, CleanerError) as exc:
            raise _fail(f"{path}: {exc}") from None
        for change in doc.changes:
            if change.stage != "chrome":
                continue
            where = f"{change.line}" + (f"-{change.end_line}" if change.end_line else "")
            for line in change.before.split("\n"):
                if line.strip():
                    sys.stdout.write(f"{path}:{where}\t{change.rule}\t{line.strip()}\n")
        if capped:
            sys.stderr.write(f"cleaner: warning: {path}: over the {config.safety_cap:.0%} safety cap: "
                             "a run keeps this page whole (--force removes the lines listed)\n")
        for warning in doc.warnings:
            sys.stderr.write(f"cleaner: warning: {path}: {warning}\n")
    if failures:
        raise typer.Exit(1)
