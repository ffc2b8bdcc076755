"""Turn line counts into proposed chrome rules.

A line key becomes a rule for its site when it occurs in at least
``min_docs`` of the site's documents and in at least ``min_share`` of them
(``prose_share`` when the line reads like running text: a site's slogan may
be chrome, an article's sentence repeated on a few pages is not). A short
heading found after the body whose following line changes from page to
page (``Tin khác`` over a list of headlines) becomes a tail marker, so the
list under it goes too; inside the body, a document-wide marker. A label
over text that changes per page (``Từ khóa: …``) becomes a rule for the
label. Headlines that recur in such lists are left to the marker, as one
of them is also an article's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .count import OTHER, LineStat, Tally
from .lines import PREFIX_MARK, has_letters, has_placeholders, key_regex, readable

# Attribution and bylines: learned, but in the "source" category, which is
# off by default like the built-in source rules.
_SOURCE = re.compile(r"^(?:theo|nguồn|tác giả|source|via|by|ảnh|photo)\b", re.IGNORECASE)
# A byline: two to four capitalised words starting with a common Vietnamese
# family name (a prolific author's name repeats across a site's pages).
_SURNAMES = frozenset("""nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý
    lương đinh trịnh mai cao đào đoàn lâm tạ tô hà chu vương kiều quách thái triệu la""".split())
POSITIONS = ("head", "middle", "tail")


def looks_like_byline(line: str) -> bool:
    words = line.strip().rstrip(".").split()
    return (2 <= len(words) <= 4 and words[0].lower() in _SURNAMES
            and all(w.isalpha() and w[0].isupper() and w[1:].islower() for w in words))


@dataclass(frozen=True)
class Thresholds:
    min_docs: int = 5  # documents a line must occur in
    min_share: float = 0.3  # ... and share of its site's documents
    prose_share: float = 0.6  # share needed by lines that read like prose
    marker_tail: float = 0.7  # share of occurrences after the body for a tail marker
    marker_followed: float = 0.6  # share of occurrences with a line after it
    marker_repeat: float = 0.5  # most common following line: at most this share
    marker_words: int = 8  # a tail marker is a short heading
    item_words: int = 5  # a list item (headline) has at least this many words


@dataclass
class Proposal:
    site: str  # "" when documents were not grouped
    # "line"; "label" (a label and any text after it); "tail-marker" (a
    # heading after the body and the list under it); "list-marker" (the same
    # inside the body, up to the next paragraph)
    kind: str
    key: str  # the normalised line, placeholders as <date>, <num>, ...
    regex: str
    docs: int
    site_docs: int
    position: str  # where it mostly occurs: head, middle or tail
    category: str
    prose: bool
    examples: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.docs / self.site_docs if self.site_docs else 0.0


def _placed(signatures: dict | None, frequent: set[int]) -> int:
    """Documents where every body paragraph on that side is itself frequent."""
    return sum(count for sig, count in (signatures or {}).items()
               if sig != OTHER and all(h in frequent for h in sig))


def _position(stat: LineStat, frequent: set[int]) -> tuple[str, int]:
    """(head, middle or tail; documents in which it is after the body)."""
    head, tail = _placed(stat.before, frequent), _placed(stat.after, frequent)
    middle = stat.docs - max(head, tail)
    counts = (head, middle, tail)
    return POSITIONS[counts.index(max(counts))], tail


def _varies(counts: dict | None, total: int, limits: Thresholds) -> bool:
    """Whether the neighbouring line changes from page to page."""
    top = max((v for k, v in (counts or {}).items() if k != OTHER), default=0)
    return total > 0 and top <= limits.marker_repeat * total


def _is_list_item(stat: LineStat, frequent: set[int], limits: Thresholds) -> bool:
    """A headline that recurs in related-news lists (other pages link to
    the same article): between lines that change from page to page, or
    after the body on some pages and before it (as the article's own
    title) on another. The list's marker removes it where it is chrome; a
    rule of its own would also remove the title."""
    if has_placeholders(stat.key) or stat.prose * 2 >= stat.docs or len(stat.key.split()) < limits.item_words:
        return False
    if _varies(stat.prevs, stat.preceded, limits) and _varies(stat.nexts, stat.followed, limits):
        return True
    head, tail = _placed(stat.before, frequent), _placed(stat.after, frequent)
    return head >= 1 and tail >= 1 and head + tail <= stat.docs


def _marker_kind(stat: LineStat, position: str, tail: int, fixed: set[int],
                 limits: Thresholds) -> str | None:
    """"tail-marker" for a heading after the body over lines that change
    from page to page (related news), "list-marker" for such a heading
    inside the body over short lines (a "see also" box), else None."""
    # The engine matches markers as phrases: a key with numbers stays a line rule.
    if has_placeholders(stat.key) or stat.prose * 2 >= stat.docs or len(stat.key.split()) > limits.marker_words:
        return None
    if stat.followed < limits.marker_followed * stat.docs or any(map(looks_like_byline, stat.examples or ())):
        return None
    # What follows must change from page to page, or be lines that are not
    # fixed furniture (those are learned on their own).
    loose = sum(v for k, v in (stat.nexts or {}).items() if k == OTHER or k not in fixed)
    if not _varies(stat.nexts, stat.followed, limits) and loose < 0.8 * stat.followed:
        return None
    if tail >= limits.marker_tail * stat.docs:
        return "tail-marker"
    if position == "middle" and stat.followed_by_prose * 5 <= stat.followed:
        return "list-marker"
    return None


def propose_site(site: str, docs: int, lines: dict[int, LineStat], limits: Thresholds) -> list[Proposal]:
    # Lines repeated on many pages are not this article's body, prose or
    # not: the head and tail are found with all of them ...
    frequent = {h for h, stat in lines.items()
                if stat.key is not None and stat.docs >= limits.min_docs
                and stat.docs >= limits.min_share * docs}
    # ... but a prose line is proposed only when it is on most pages.
    prose_needed = max(limits.prose_share, limits.min_share) * docs
    items = {h for h in frequent if _is_list_item(lines[h], frequent, limits)}
    fixed = frequent - items
    proposals = []
    labels = []
    for h in frequent:
        stat = lines[h]
        if stat.prose * 2 >= stat.docs and stat.docs < prose_needed:
            continue
        position, tail = _position(stat, frequent)
        if not has_letters(stat.key) and position == "middle":
            continue  # a bare number or date inside articles is data, not chrome
        if stat.key.startswith(PREFIX_MARK):
            labels.append((stat, position))
            continue
        kind = _marker_kind(stat, position, tail, fixed, limits) or "line"
        if kind == "line" and h in items:
            continue
        proposals.append(_proposal(site, kind, stat, docs, position))
    for stat, position in labels:
        # A label over text that changes per page: only when its lines are
        # not already (mostly) proposed whole, and never over running text.
        label = readable(stat.key[1:])
        covered = sum(p.docs for p in proposals if p.key.startswith(label))
        if covered < 0.8 * stat.docs and stat.prose * 5 <= stat.docs:
            proposals.append(_proposal(site, "label", stat, docs, position))
    order = {p: i for i, p in enumerate(POSITIONS)}
    proposals.sort(key=lambda p: (order[p.position], -p.docs, p.key))
    return proposals


def _proposal(site: str, kind: str, stat: LineStat, docs: int, position: str) -> Proposal:
    label = stat.key.lstrip(PREFIX_MARK)
    if _SOURCE.match(label) or any(looks_like_byline(e) for e in stat.examples or ()):
        category = "source"  # attribution and bylines are kept unless asked
    elif kind in ("tail-marker", "list-marker"):
        category = "related-list"
    else:
        category = "meta" if position == "head" else "navigation"
    return Proposal(site, kind, readable(stat.key), key_regex(stat.key), stat.docs, docs, position,
                    category, stat.prose * 2 >= stat.docs, list(stat.examples or []))


def propose(tally: Tally, limits: Thresholds | None = None) -> list[Proposal]:
    """Proposals for every site with at least ``min_docs`` documents."""
    limits = limits or Thresholds()
    proposals = []
    for site in sorted(tally.sites):
        stats = tally.sites[site]
        if stats.docs >= limits.min_docs:
            proposals.extend(propose_site(site, stats.docs, stats.lines, limits))
    return proposals
