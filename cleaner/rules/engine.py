"""Apply chrome rules to a document: find the main body, match lines and
blocks, enforce the safety cap, record one change per removed run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..config import Config
from ..document import Document
from ..fastpath import BY_TABLE_AFTER, holds, is_nfc
from .index import RuleIndex, index_for
from .scan import _SEGMENT_SEPARATORS, SEGMENTED_MAX, finder_for
from .loader import load_named, pack_names_for, parse_inline
from .model import LINE_KINDS, Line, Rule, _TrustedPattern, site_matches
from .text import COMBINING, detect_language, fold_table, is_body_paragraph, normalize_joined, normalize_lines

STAGE = "chrome"
# A line such as "04:12 PM 17/03/2022 | Lượt xem: 1447 | In bài viết |" is
# chrome when every part between these separators is.
# Spaces, then "|", "•", "·", or " - " or " – ", then spaces (written so
# that the engine skips to a space or separator to try it).
_SEGMENT_SPLIT = re.compile(r"(?:\s+(?:[|•·]|[-–]\s)|[|•·])\s*")
_LINE_END = re.compile(r"(\r\n|\r|\n)")
# A tail marker fires once this share of the body's prose lies before it.
TAIL_SHARE = 2 / 3


@dataclass
class Plan:
    """Which lines the rules remove (index → rules) and the body bounds."""

    lines: list[str]
    separators: list[str] = field(default_factory=list)  # line ends: "\n", "\r\n" or "\r"
    removed: dict[int, tuple[Rule, ...]] = field(default_factory=dict)
    body: tuple[int, int] | None = None  # first and last anchor paragraph
    norms: list[str] = field(default_factory=list)  # the lines normalized
    # No tail marker or block start matched: each line was judged on its
    # own and the body's bounds are paragraphs no rule claims, so the same
    # rules over the lines left remove nothing more.
    settled: bool = True

    @property
    def removed_share(self) -> float:
        total = sum(map(len, self.norms))
        gone = sum(len(self.norms[i]) for i in self.removed)
        return gone / total if total else 0.0


def remove_chrome(doc: Document, config: Config) -> None:
    rules = rules_for(config, doc.text, doc.path)
    if not rules:
        return
    # (each round takes the rules for what is left: without a page's links
    # and counters, its language may show)
    plan = plan_removal(doc.text, rules, lambda text: rules_for(config, text, doc.path))
    if not plan.removed:
        return
    share = plan.removed_share
    if share > config.safety_cap and not config.force:
        names = sorted({r.id for rs in plan.removed.values() for r in rs})
        doc.warnings.append(
            f"chrome rules would remove {share:.0%} of the text (over the {config.safety_cap:.0%} "
            f"safety cap); document kept whole (use --force). Rules: {', '.join(names)}"
        )
        return
    apply_plan(doc, plan)


def apply_plan(doc: Document, plan: Plan) -> None:
    kept = _kept_text(plan)
    for start, end, rules in _runs(plan.removed):
        rule = rules[0]
        others = [r.id for r in rules[1:]]
        reason = rule.reason + (f" (with {', '.join(others)})" if others else "")
        doc.record(STAGE, "chrome", start + 1, "\n".join(plan.lines[start:end + 1]), "", reason,
                   rule=rule.id, end_line=end + 1 if end > start else None)
    doc.text = kept


def _kept_text(plan: Plan) -> str:
    ends = plan.separators + [""]
    kept = "".join(line + ends[i] for i, line in enumerate(plan.lines) if i not in plan.removed)
    if len(plan.lines) - 1 in plan.removed:  # the last line went: drop the line end before it
        kept = re.sub(r"(\r\n|\r|\n)$", "", kept)
    return kept


def _runs(removed: dict[int, tuple[Rule, ...]]):
    """(first, last, rules) for each run of consecutive lines removed by the same rules."""
    run: list[int] = []
    for index in sorted(removed):
        if run and (index != run[-1] + 1 or removed[index] != removed[run[0]]):
            yield run[0], run[-1], removed[run[0]]
            run = []
        run.append(index)
    if run:
        yield run[0], run[-1], removed[run[0]]


MAX_ROUNDS = 4  # plans made over what the previous ones left


def plan_removal(text: str, rules: tuple[Rule, ...] | list[Rule], rules_for_text=None) -> Plan:
    """The lines ``rules`` remove from ``text``. What one round removes can
    expose more: a tail marker takes the last paragraphs, and the footer
    line above them ("©2023 Báo Mẫu") is now past the body's end. Rounds
    over the text left go on until one removes nothing (at most
    :data:`MAX_ROUNDS`), so that cleaning the output again removes nothing
    more; ``rules_for_text(text)``, if given, chooses each later round's
    rules. Lines are numbered as in ``text``."""
    plan = _plan_once(text, rules)
    current, origin = plan, range(len(plan.lines))
    for _ in range(MAX_ROUNDS - 1):
        if not current.removed:
            break
        left = _kept_text(current)
        chosen = rules_for_text(left) if rules_for_text is not None else rules
        if current.settled and _same_rules(chosen, rules):
            break
        rules = chosen
        origin = [origin[i] for i in range(len(current.lines)) if i not in current.removed]
        current = _plan_once(left, rules)
        for i, found in current.removed.items():
            plan.removed[origin[i]] = found
    return plan


def _same_rules(one, other) -> bool:
    return one is other or (len(one) == len(other) and all(a is b for a, b in zip(one, other)))


def _plan_once(text: str, rules: tuple[Rule, ...] | list[Rule]) -> Plan:
    if "\r" in text:
        parts = _LINE_END.split(text)
        lines, separators = parts[0::2], parts[1::2]
        norms = normalize_lines(lines)
    else:  # the usual case: str.split, and the text is already the lines joined
        lines = text.split("\n")
        separators = ["\n"] * (len(lines) - 1)
        norms = normalize_joined(text)
    marks = _may_hold_marks(text)
    plan = Plan(lines, separators, norms=norms)
    prepared = _prepared(tuple(rules))
    line_rules, markers, blocks, block_index = (prepared.line_rules, prepared.markers, prepared.blocks,
                                                prepared.block_index)
    finder = prepared.finder
    longest = finder.longest

    # 1. Every line's own matches (scope decided once the body is known),
    # for the lines the whole-text scans point at (cleaner.rules.scan).
    # Whether a line is prose is worked out only for lines some rule may
    # match: it is the costly part of a line's test.
    found_lines = finder.lines(norms, marks)
    if found_lines is None:
        whole = segmented = set(range(len(norms)))
    else:
        whole, segmented = found_lines
    views = {i: Line(norms[i]) for i in sorted(whole)
             if 0 <= i < len(norms) and norms[i] and len(norms[i]) <= longest}
    if found_lines is not None:
        _note_words(views.items(), finder.word_lines)
    hits: dict[int, tuple[Rule, ...]] = {}
    marker_at: dict[int, list[Rule]] = {}
    starts: dict[int, list[Rule]] = {}
    for i in whole:
        view = views.get(i)
        if view is None:
            continue
        rule = line_rules.first(view, protect=True)
        if rule is not None:
            hits[i] = (rule,)
        if markers.rules:
            found = markers.all(view, protect=True)
            if found:
                marker_at[i] = found
        if blocks:
            found = block_index.all(view, protect=True)
            if found:
                starts[i] = found
    # (Rows of parts are many in some texts, "1502 – Người Bồ Đào Nha…": a
    # view of the line is made only for the few whose parts rules may match.)
    rows = [(i, norms[i]) for i in sorted(segmented)
            if 0 <= i < len(norms) and norms[i] and len(norms[i]) <= longest and i not in hits]
    hits.update(_segment_hits(rows, line_rules, finder, marks, views))
    plan.settled = not marker_at and not starts
    if not hits and not marker_at and not starts:
        return plan
    # 2. The main body: strong paragraphs no rule claims. Tail markers need
    # them all; otherwise the first and the last are enough.
    def anchor(i: int) -> bool:
        return bool(norms[i]) and i not in hits and i not in marker_at and is_body_paragraph(norms[i])

    if marker_at:
        anchors = [i for i in range(len(norms)) if anchor(i)]
        if anchors:
            plan.body = (anchors[0], anchors[-1])
    else:
        anchors = []
        start = next((i for i in range(len(norms)) if anchor(i)), None)
        if start is not None:
            plan.body = (start, next(i for i in range(len(norms) - 1, start - 1, -1) if anchor(i)))
    first, last = plan.body if plan.body else (len(lines), -1)

    def in_scope(rule: Rule, i: int) -> bool:
        if rule.scope == "head":
            return i < first
        if rule.scope == "tail":
            return i > last
        if rule.scope == "edges":
            return i < first or i > last
        return True

    for i, found in hits.items():
        if all(in_scope(r, i) for r in found):
            plan.removed[i] = found
    # 3. Tail markers: the marker and everything after it up to the next
    # body paragraph (a long one, or two in a row).
    if marker_at:
        _fire_markers(plan, marker_at, first, last, norms, anchors)
    # 4. Start/end blocks.
    for rule in blocks:
        i = 0
        while i < len(lines):
            if rule in starts.get(i, ()) and in_scope(rule, i):
                end = next((j for j in range(i + 1, len(lines)) if norms[j] and rule.matches_end(norms[j])), None)
                if end is not None:
                    for j in range(i, end + 1):
                        if norms[j]:
                            plan.removed.setdefault(j, (rule,))
                    i = end
            i += 1
    return plan


def _may_hold_marks(text: str) -> bool | None:
    """Whether the normalized lines of a long ``text`` may hold a combining
    mark, from the text's code points (looked up by the stages before):
    not when the text has none and is NFC (NFC of another text may make
    one); None for a short text (the scans look for themselves)."""
    if len(text) < BY_TABLE_AFTER:
        return None
    if holds(COMBINING, text):
        return True  # (an NFD text: the NFC check is not asked twice)
    return False if is_nfc(text) else None


def _note_words(views, word_lines: set[int]) -> None:
    """Tell each line whether it holds a word of some rule (the scan
    looked for them in the whole text)."""
    for i, view in views:
        view.words = i in word_lines


@dataclass
class _Prepared:
    """What :func:`plan_removal` uses of one rule set: its indexes and scans."""

    line_rules: RuleIndex
    markers: RuleIndex
    blocks: list[Rule]
    block_index: RuleIndex
    finder: object  # scan.LineFinder


def _by_identity(cache: dict, key, keep, build, limit: int = 64):
    """``build()``, remembered in ``cache`` under ``key``, a key made of
    object ids: hashing a tuple of rules per document cost more than a
    small file's scans. ``keep`` (the objects of those ids) stays alive in
    the cache, so no other object can take their ids meanwhile."""
    found = cache.get(key)
    if found is None:
        if len(cache) > limit:
            cache.clear()
        found = cache[key] = (keep, build())
    return found[1]


_PREPARED: dict[int, tuple] = {}  # id of a rule set -> (the set, _Prepared)


def _prepared(rules: tuple[Rule, ...]) -> _Prepared:
    def build() -> _Prepared:
        blocks = [r for r in rules if r.match == "block"]
        return _Prepared(
            index_for(tuple(r for r in rules if r.match in LINE_KINDS)),
            index_for(tuple(r for r in rules if r.match == "tail-marker")), blocks, index_for(tuple(blocks)),
            finder_for(rules))

    return _by_identity(_PREPARED, id(rules), rules, build)


def prepare(rules: tuple[Rule, ...]) -> None:
    """Build now what :func:`plan_removal` would build on first use for
    ``rules`` (the rules' clues and scans, the indexes, the folding table):
    done once before worker processes fork, they inherit it."""
    finder = _prepared(rules).finder
    finder.prepare()
    for rule in rules:  # the rules' own patterns, compiled on first use otherwise
        for pattern in rule._compiled[0].values():
            if isinstance(pattern, _TrustedPattern):
                pattern._compiled()
    if finder.folded_words:
        fold_table()  # a big run: numpy folds the text for the rules' words


def _fire_markers(plan: Plan, marker_at: dict[int, list[Rule]], first: int, last: int, norms: list[str],
                  anchors: list[int]) -> None:
    anchor_set = set(anchors)
    prose_chars = []  # body-paragraph characters before each line
    total = 0
    for i, norm in enumerate(norms):
        prose_chars.append(total)
        total += len(norm) if i in anchor_set else 0
    # A marker inside a block another one removed would remove the same
    # lines again (the same body paragraphs end both): skipped, which keeps
    # a page of thousands of markers linear.
    covered = -1
    for i in sorted(marker_at):
        if i <= covered or any(r.match == "tail-marker" for r in plan.removed.get(i, ())):
            continue  # already inside a block
        for rule in marker_at[i]:
            end = _fire_marker(plan, rule, i, first, last, norms, anchor_set, prose_chars, total)
            if end is not None:
                covered = end
                break


def _fire_marker(plan: Plan, rule: Rule, i: int, first: int, last: int, norms: list[str],
                 anchor_set: set[int], prose_chars: list[int], total: int) -> int | None:
    """Remove the block a tail marker at line ``i`` starts, if it fires
    there; the block's last line."""
    in_tail = i > last or (total and prose_chars[i] >= TAIL_SHARE * total)
    if rule.scope == "head":
        fires, in_tail = i < first, False
    elif in_tail:
        fires = True
    else:
        # Inside the body only a "document" marker fires, and only over
        # a short list of headlines up to the next paragraph.
        fires = rule.scope == "document" and _short_list_follows(i, norms, anchor_set)
    if not fires:
        return None
    plan.removed.setdefault(i, (rule,))
    for j in range(i + 1, len(norms)):
        if j in anchor_set and (not in_tail or _ends_block(j, norms, anchor_set)):
            return j - 1
        if norms[j]:
            plan.removed.setdefault(j, (rule,))
    return len(norms) - 1


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")


def _short_list_follows(i: int, norms: list[str], anchors: set[int]) -> bool:
    """Between line ``i`` and the next body paragraph: 1-6 short lines, none
    of them a sentence (headline links, not body text)."""
    items = []
    for j in range(i + 1, len(norms)):
        if j in anchors:
            break
        if norms[j]:
            items.append(norms[j])
            if len(items) > 6:
                return False  # stop early: a marker per line must not cost O(n) each
    return 0 < len(items) <= 6 and all(len(t) <= 150 and not _SENTENCE_END.search(t) for t in items)


def _ends_block(j: int, norms: list[str], anchors: set[int]) -> bool:
    if len(norms[j]) >= 200:
        return True
    following = next((k for k in range(j + 1, len(norms)) if norms[k]), None)
    return following in anchors


def row_pieces(norm: str) -> list[str]:
    """``_SEGMENT_SPLIT.split(norm)`` up to the spaces around the pieces,
    for a normalized line (single spaces only): with one kind of separator
    (most rows: "1502 – Người Bồ Đào Nha..."), ``str.split``, several
    times faster than the regex, which tries every position."""
    kinds = [separator for separator in _SEGMENT_SEPARATORS if separator in norm]
    if not kinds:
        return [norm]
    if len(kinds) == 1:
        return norm.split(kinds[0])
    return _SEGMENT_SPLIT.split(norm)


def _segment_hits(rows: list[tuple[int, str]], rules: RuleIndex, finder,
                  marks: bool | None = None, views: dict[int, Line] | None = None) -> dict[int, tuple[Rule, ...]]:
    """For short lines (index, normalized) that are not prose, split into
    parts ("Lượt xem: 12 | In bài"): one rule per part when every part is
    matched by some rule. The parts of all rows are scanned together first
    (cleaner.rules.scan). ``marks``: whether the rows hold a combining
    mark, when known; ``views``: the lines' views made already."""
    split: list[tuple[int, str, list[str]]] = []
    for i, norm in rows:
        if len(norm) <= SEGMENTED_MAX:
            pieces = row_pieces(norm)
            parts = [part for part in pieces if part.strip()] if len(pieces) > 1 else None
            if parts:
                split.append((i, norm, parts))
    if not split:
        return {}
    # The last part first, all of them in one scan: in most rows of text
    # ("1502 – Người Bồ Đào Nha...") it is a sentence no rule matches.
    found = finder.lines(normalize_lines([parts[-1] for _i, _norm, parts in split]), marks)
    if found is not None:
        split = [row for index, row in enumerate(split) if index in found[0]]
        if not split:
            return {}
    norms = normalize_lines([part for _i, _norm, parts in split for part in parts])
    found = finder.lines(norms, marks)
    maybe = set(range(len(norms))) if found is None else found[0]
    views = {k: Line(norm) for k, norm in enumerate(norms) if k in maybe and norm}
    if found is not None:
        _note_words(views.items(), finder.word_lines)
    result: dict[int, tuple[Rule, ...]] = {}
    start = 0
    for i, norm, parts in split:
        indexes = range(start, start + len(parts))
        start += len(parts)
        if not all(k in maybe for k in indexes) or ((views or {}).get(i) or Line(norm)).prose:
            continue
        matched: list[Rule] = []
        for k in indexes:
            rule = rules.first(views[k], protect=False) if norms[k] else None
            if rule is None:
                break
            if rule not in matched:
                matched.append(rule)
        else:
            result[i] = tuple(matched)
    return result


# --- which rules apply to a document --------------------------------------


def rules_for(config: Config, text: str, path: str | None) -> tuple[Rule, ...]:
    """The enabled rules for one document: its site's section (if any) or the
    configured packs, plus inline rules, minus disabled categories."""
    names, categories_off, inline = config.rules, config.categories_off, list(config.inline_rules)
    for blob in config.sites:
        site = json.loads(blob)
        if path is not None and site_matches(site["site"], path):
            names = tuple(site.get("rules", names))
            categories_off = tuple(site.get("categories-off", site.get("categories_off", categories_off)))
            inline.extend(site.get("rule", ()))
    if names == ("none",) or not names:
        language = None
    else:
        language = detect_language(text) if "default" in names else None
    return _applicable(load_rules(tuple(names), language, tuple(inline)), tuple(categories_off), path)


# (id of a rule set, categories off, path or None) -> (the set, its rules
# that apply): the same tuple for every document it fits, so that the
# caches keyed by it find it by id.
_APPLICABLE: dict[tuple, tuple] = {}


def _applicable(rules: tuple[Rule, ...], categories_off: tuple[str, ...], path: str | None) -> tuple[Rule, ...]:
    key = (id(rules), categories_off, path if any(rule.sites for rule in rules) else None)
    return _by_identity(_APPLICABLE, key, rules, lambda: tuple(
        r for r in rules if r.category not in categories_off and r.applies_to(path)), limit=256)


def load_rules(names: tuple[str, ...], language: str | None = None,
               inline: tuple[str, ...] = ()) -> tuple[Rule, ...]:
    """Packs and rule files by name (``default`` expanded for ``language``)
    and inline rules; a later rule with the same id replaces an earlier one.
    Files are parsed once per modification time (loader), so this is cheap."""
    loaded = tuple(load_named(name) for name in pack_names_for(names, language))
    # Every document asks: the same packs (the same tuples) give the same rules.
    return _by_identity(_COMBINED, (tuple(map(id, loaded)), inline), loaded, lambda: _combine(loaded, inline))


_COMBINED: dict[tuple, tuple] = {}  # (ids of the packs, inline rules) -> (the packs, their rules)


def _combine(loaded: tuple[tuple[Rule, ...], ...], inline: tuple[str, ...]) -> tuple[Rule, ...]:
    by_id: dict[str, Rule] = {}
    for rules in loaded:
        for rule in rules:
            by_id[rule.id] = rule
    for blob in inline:
        rule = parse_inline(blob)
        by_id[rule.id] = rule
    # The first matching rule names a removal: inline rules, then the files
    # named last, take precedence over the packs before them.
    groups: dict[str, list[Rule]] = {}
    for rule in by_id.values():
        groups.setdefault(rule.pack, []).append(rule)
    return tuple(rule for pack in reversed(groups) for rule in groups[pack])
