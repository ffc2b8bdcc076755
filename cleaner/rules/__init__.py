"""Site-chrome removal by rules: TOML rule packs (built-in ``generic``,
``vi-news``, ``en-news``; ``none``), per-site sections, inline rules, body
protection and a safety cap. The chrome stage calls :func:`remove_chrome`."""

from .engine import Plan, load_rules, plan_removal, remove_chrome, rules_for
from .loader import builtin_packs, load_file, load_named
from .model import Rule

__all__ = ["Plan", "Rule", "builtin_packs", "load_file", "load_named", "load_rules",
           "plan_removal", "remove_chrome", "rules_for"]
