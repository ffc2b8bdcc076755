"""Write proposals as a rule file in the chrome engine's own TOML format
(see cleaner/rules/packs/*.toml), ready for ``cleaner clean --rules FILE``
and ``cleaner rules test``.

Each learned line is a ``regex`` rule matching the whole line (dates,
times, numbers as patterns); a related-list heading is a ``tail-marker``
rule. Rules learned for one site carry ``sites = [...]`` so they apply to
that site's documents only. The learned figures (documents, share,
position) are in the description and a comment; the examples are the
rule's positive examples, which ``cleaner rules test`` checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from ..rules.text import looks_like_prose
from .propose import Proposal

_SLUG = re.compile(r"[^\w.\-]+")


def site_scope(site: str, how: str) -> str:
    """How a rule names its site: a domain or folder name as is (the engine
    matches it against a path component or a host name), anything else as
    a glob on the document path."""
    if not site:
        return ""
    if how == "pattern" or any(c in site for c in "/*?[]"):
        escaped = re.sub(r"([*?\[])", r"[\1]", site)
        return f"*{escaped}*"
    return site


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def rule_table(proposal: Proposal, rule_id: str, scope_site: str) -> str:
    share = f"{proposal.docs}/{proposal.site_docs} documents ({proposal.share:.0%}), {proposal.position}"
    lines = [f"# {proposal.site or 'all documents'}: {proposal.key!r}: {share}", "[[rule]]",
             f"id = {_string(rule_id)}", f"category = {_string(proposal.category)}",
             f"description = {_string('learned: ' + share)}"]
    if proposal.kind in ("tail-marker", "list-marker"):
        # A list-marker fires anywhere: the box runs to the next body paragraph.
        scope = "tail" if proposal.kind == "tail-marker" else "document"
        lines += ['match = "tail-marker"', f'scope = "{scope}"',
                  f"phrases = {_strings(dict.fromkeys(proposal.examples))}"]
    else:
        lines += ['match = "regex"', f"regex = [{_string(proposal.regex)}]"]
        longest = max((len(e) for e in proposal.examples), default=0)
        if longest > 150:
            lines.append(f"max-length = {max(200, longest * 2)}")
        if proposal.kind == "line" and (proposal.prose or any(looks_like_prose(e) for e in proposal.examples)):
            lines.append("protect-prose = false  # learned whole line: repeated site text, not body")
    if scope_site:
        lines.append(f"sites = [{_string(scope_site)}]")
    lines.append(f"positive = {_strings(proposal.examples)}")
    return "\n".join(lines)


def to_toml(proposals: list[Proposal], site_how: str = "folder", header: str = "",
            scoped: bool = True) -> str:
    """The rule file for ``proposals`` (``site_how``: folder, pattern or
    field, how sites were found). ``scoped=False`` writes rules for every
    document, once per distinct matcher, for inputs that carry no path."""
    out = [
        "# Chrome rules learned by `cleaner learn` from the corpus itself.",
        "# Review them (`cleaner rules test FILE`) before cleaning with",
        "# `cleaner clean --rules FILE`.",
    ]
    if header:
        out += [f"# {line}" for line in header.splitlines()]
    out += ["", "[pack]", 'name = "learned"',
            'description = "Site chrome learned from line frequencies across each site\'s pages"']
    numbers: dict[str, int] = {}
    written: set[tuple] = set()
    for proposal in proposals:
        if not scoped:
            matcher = (proposal.kind, proposal.regex)
            if matcher in written:
                continue
            written.add(matcher)
        slug = _SLUG.sub("-", proposal.site).strip("-.") or "all"
        numbers[slug] = numbers.get(slug, 0) + 1
        rule_id = f"learned.{slug}.{numbers[slug]}"
        scope = site_scope(proposal.site, site_how) if scoped else ""
        out += ["", rule_table(proposal, rule_id, scope)]
    return "\n".join(out) + "\n"
