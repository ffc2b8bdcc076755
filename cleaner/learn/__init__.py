"""Learn a site's chrome from the corpus itself (``cleaner learn``).

Chrome repeats across the pages of a site while article text does not.
Documents are grouped by site (:mod:`.sources`), every line is reduced to
a page-independent key (:mod:`.lines`), keys are counted per site in
bounded memory, in worker processes (:mod:`.count`, :mod:`.analyse`),
frequent keys become proposed rules (:mod:`.propose`), written in the
rule engine's TOML format (:mod:`.emit`).
"""

from __future__ import annotations

from .analyse import analyse
from .count import Tally
from .emit import to_toml
from .propose import Proposal, Thresholds, propose
from .sources import Item, SiteRule, iter_files, iter_jsonl

__all__ = ["Item", "Proposal", "SiteRule", "Tally", "Thresholds", "analyse", "iter_files",
           "iter_jsonl", "propose", "to_toml"]
