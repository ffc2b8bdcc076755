"""Count, per site, in how many documents each line key occurs and where.

Where: a line is in the head when it comes before the first body paragraph
and in the tail when it comes after the last one. But a site's own
furniture may read like prose (a slogan, a copyright notice) and would
then pass for body. So for each occurrence the few body paragraphs before
and after the line are remembered (their key hashes, up to
``MAX_ANCHORS``); the proposal step counts a line as head (tail) when every
paragraph before (after) it turns out to be a frequent line itself.

Counting is done in batches (one batch per worker task) and merged into a
:class:`Tally`, whose memory is bounded: when it holds more than
``max_keys`` keys, the rarest ones (first those seen in one document) are
dropped. Chrome occurs in a large share of its site's pages, so it is seen
again long before it could be dropped; counts of rare lines are only lower
bounds, which is all the proposal step needs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..rules.text import is_body_paragraph, looks_like_prose
from .lines import key_hash, line_key, prefix_key

MAX_EXAMPLES = 3
MAX_NEXTS = 8  # distinct following lines remembered per key
MAX_ANCHORS = 3  # body paragraphs remembered on each side of a line
MAX_SIGNATURES = 8  # distinct anchor sets remembered per key and side
OTHER = -1  # bucket for what goes past the caps (also: "many anchors")


@dataclass(slots=True)  # hundreds of thousands of these may be alive at once
class LineStat:
    """What is known of one line key in one site."""

    docs: int = 0  # documents it occurs in
    prose: int = 0  # documents where it reads like running text
    followed: int = 0  # documents where a non-empty line follows it
    followed_by_prose: int = 0  # ... and that line reads like running text
    nexts: dict[int, int] | None = None  # following line's key hash -> documents
    preceded: int = 0  # documents where a non-empty line comes before it
    prevs: dict[int, int] | None = None  # preceding line's key hash -> documents
    before: dict | None = None  # body paragraphs before it (tuple of hashes) -> documents
    after: dict | None = None  # ... after it
    key: str | None = None  # kept once seen in two documents
    examples: list[str] | None = None

    def merge(self, other: "LineStat") -> None:
        self.docs += other.docs
        self.prose += other.prose
        self.followed += other.followed
        self.followed_by_prose += other.followed_by_prose
        self.preceded += other.preceded
        if other.key is None:
            return
        if self.key is None:
            self.key = other.key
        self.examples = self.examples or []
        for example in other.examples or ():
            if len(self.examples) < MAX_EXAMPLES and example not in self.examples:
                self.examples.append(example)
        for name in ("nexts", "prevs", "before", "after"):
            mine = getattr(self, name)
            if mine is None:
                mine = {}
                setattr(self, name, mine)
            for key, count in (getattr(other, name) or {}).items():
                _add_capped(mine, key, count, MAX_NEXTS if name in ("nexts", "prevs") else MAX_SIGNATURES)

    def without_text(self) -> "LineStat":
        return LineStat(self.docs, self.prose, self.followed, self.followed_by_prose,
                        preceded=self.preceded)


def _add_capped(counts: dict, key, count: int, cap: int) -> None:
    if key in counts or len(counts) < cap:
        counts[key] = counts.get(key, 0) + count
    else:
        counts[OTHER] = counts.get(OTHER, 0) + count


@dataclass
class SiteTally:
    docs: int = 0
    lines: dict[int, LineStat] = field(default_factory=dict)


def _signature(hashes: list[int]):
    return tuple(hashes) if len(hashes) <= MAX_ANCHORS else OTHER


def count_document(text: str, site: SiteTally) -> None:
    """Add one document's lines to ``site`` (each key once per document)."""
    keyed = []
    for line in text.split("\n"):
        key = line_key(line)
        if key:
            keyed.append((line.strip(), key, key_hash(key)))
    anchors = [n for n, (line, _, _) in enumerate(keyed) if is_body_paragraph(line)]
    anchor_hashes = [keyed[n][2] for n in anchors]
    prose_lines = [looks_like_prose(line) for line, _, _ in keyed]
    seen: dict[int, LineStat] = {}
    for n, (line, key, h) in enumerate(keyed):
        prose = prose_lines[n]
        before = _signature(anchor_hashes[:bisect_left(anchors, n)])
        after = _signature(anchor_hashes[bisect_right(anchors, n):])
        label = prefix_key(key)
        for k, kh in ((key, h), (label, key_hash(label) if label else 0)):
            if not k or kh in seen:
                continue
            stat = seen[kh] = LineStat(docs=1, prose=int(prose), key=k, examples=[line], nexts={},
                                       prevs={}, before={before: 1}, after={after: 1})
            if n + 1 < len(keyed) and k is key:
                stat.followed = 1
                stat.followed_by_prose = int(prose_lines[n + 1])
                stat.nexts[keyed[n + 1][2]] = 1
            if n > 0 and k is key:
                stat.preceded = 1
                stat.prevs[keyed[n - 1][2]] = 1
    site.docs += 1
    for h, stat in seen.items():
        existing = site.lines.get(h)
        if existing is None:
            site.lines[h] = stat
        else:
            existing.merge(stat)


class Tally:
    """Per-site line statistics over a whole corpus, in bounded memory."""

    def __init__(self, max_keys: int = 400_000) -> None:
        self.sites: dict[str, SiteTally] = {}
        self.max_keys = max_keys
        self.keys = 0
        self.pruned = 0  # keys dropped to stay within max_keys

    def add(self, batch: dict[str, SiteTally]) -> None:
        """Merge the counts of one batch. A key new to the tally and seen in
        one document of the batch is stored without its text and places:
        most such keys are body lines that never come back."""
        for name, part in batch.items():
            site = self.sites.setdefault(name, SiteTally())
            site.docs += part.docs
            for h, stat in part.lines.items():
                existing = site.lines.get(h)
                if existing is not None:
                    existing.merge(stat)
                else:
                    site.lines[h] = stat if stat.docs > 1 else stat.without_text()
                    self.keys += 1
        if self.keys > self.max_keys:
            self._prune()

    def _prune(self) -> None:
        threshold = 1
        while self.keys > self.max_keys // 2:
            for site in self.sites.values():
                rare = [h for h, stat in site.lines.items() if stat.docs <= threshold]
                for h in rare:
                    del site.lines[h]
                self.keys -= len(rare)
                self.pruned += len(rare)
            threshold += 1
