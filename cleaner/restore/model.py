"""The syllable n-gram language model: file format, loading and scoring.

A model is one ``.npz`` file (numpy's zip of arrays, compressed):

- ``meta``: JSON (order, vocabulary size, n-gram counts, training data,
  licence and attribution);
- ``vocab``: the syllables, newline-separated UTF-8 (ids follow the order,
  after the special tokens of :mod:`.tokens`);
- ``logp1``/``bow1``: unigram log10 probability and backoff weight, one per id;
- ``keys``/``logp``/``bow``: every n-gram of order 2 and up as one sorted
  64-bit key (the order in the top bits, then 14 bits per id, first id
  highest; stored as byte planes of the differences), with its quantized
  log10 probability and backoff weight;
- ``capital``: how often each syllable is capitalized inside a sentence;
- ``vocab_alt``: each syllable in the other tone style;
- ``topic``/``topic_ctx`` (optional): each syllable's vector as a word and
  as a context word (int8, scale in meta ``topic_scale``): their dot
  product approximates how much more often the two share a stretch of text
  than chance (positive PMI); the n-grams see 3 words back, these the topic
  of the whole line.

Probabilities are interpolated Kneser-Ney, so a missing n-gram scores as
``bow(context) + score(shorter context)`` (ARPA-style backoff).
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..vietnamese import set_tone_style
from .tokens import EOS, ID_BITS, PAD, Vocabulary

FORMAT = "cleaner-syllable-lm"
FORMAT_VERSION = 2
# log10 values are stored as uint8 steps of this size (0 .. -10.2).
QUANT_STEP = 0.04
CASE_PRIOR_USES = 2.0  # a case context's share is smoothed with this many uses of the habit
# Weight of each case context's log-odds ratio (previous word, next word):
# both are counted from the same uses as the word's habit and as each other,
# so adding them in full over-counts the evidence (tuned on --dev lines:
# ~8% fewer wrong hidden capitals than 1.0 and 1.0).
CASE_PREVIOUS_WEIGHT = 0.8
CASE_NEXT_WEIGHT = 0.6
BACKWARD_WEIGHT = 0.5  # share of the backward model in a combined score
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "syllable-lm.npz"


class ModelError(Exception):
    """A model file that is missing or not a cleaner model."""


def quantize(log10: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(-np.asarray(log10) / QUANT_STEP), 0, 255).astype(np.uint8)


_ABSENT = 255  # "no such bigram" in the dense bigram table
DENSE_AFTER = 200_000  # bigram scores looked up before the dense table is built
_DEQUANT = (-np.arange(256, dtype=np.float64) * QUANT_STEP).astype(np.float32)


def dequantize(q: np.ndarray) -> np.ndarray:
    return _DEQUANT[q]


def pack(ids: np.ndarray) -> np.ndarray:  # noqa: D103
    """Keys of n-grams given as an (m, n) array of ids."""
    ids = np.asarray(ids, dtype=np.uint64)
    key = np.zeros(ids.shape[0], dtype=np.uint64)
    for column in range(ids.shape[1]):
        key = (key << np.uint64(ID_BITS)) | ids[:, column]
    return key


TAG_SHIFT = np.uint64(56)  # the n-gram's order sits above its 4 x 14 id bits


def tagged(n: int, keys: np.ndarray) -> np.ndarray:
    return keys | (np.uint64(n) << TAG_SHIFT)


# Case context keys: kind (0: previous word, 1: next word) above the
# neighbour's capital flag, above two ids (previous + word, or word + next).
CASE_KIND_SHIFT = 2 * ID_BITS + 1


def case_context_key(kind: int, capital, first, second):
    capital = np.asarray(capital).astype(np.uint64)
    first = np.asarray(first).astype(np.uint64)
    second = np.asarray(second).astype(np.uint64)
    return ((np.uint64(kind) << np.uint64(CASE_KIND_SHIFT)) | (capital << np.uint64(2 * ID_BITS))
            | (first << np.uint64(ID_BITS)) | second)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


@dataclass
class NgramModel:
    meta: dict
    vocab: Vocabulary
    logp1: np.ndarray  # float32 per id
    bow1: np.ndarray
    keys: np.ndarray  # every n-gram of order >= 2, order-tagged, sorted
    logp: np.ndarray  # uint8 (quantized log10) per key
    bow: np.ndarray  # uint8 per key (0: log10 1, where the n-gram is never a context)
    capital: np.ndarray  # (2, ids) uint8: share x 255 of capitalized uses
    # inside a sentence after a lowercase word (row 0) or a capitalized one (row 1)
    case_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    case_share: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    # the same per (previous id, id) pair, for pairs seen often enough; with
    # meta "case_contexts", per case_context_key, with case_count the uses
    case_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    # The right-to-left model over the same n-grams (None: forward only):
    # logp_b[i] is log10 P(first id | the ids after it) of the n-gram keys[i],
    # bow_b[i] the backoff weight of keys[i] as a right context.
    logp1_b: np.ndarray | None = None
    bow1_b: np.ndarray | None = None
    logp_b: np.ndarray | None = None
    bow_b: np.ndarray | None = None
    # (ids, dims) float32 topic vectors as a word and as a context (or None)
    topic: np.ndarray | None = None
    topic_ctx: np.ndarray | None = None

    def capital_share(self, previous: int, word: int, after_capital: bool) -> int:
        """How often (x 255) ``word`` is capitalized inside a sentence after
        ``previous``: the pair's own figure when known, else the word's."""
        pairs = self.__dict__.get("_case_pairs")
        if pairs is None:
            pairs = self.__dict__["_case_pairs"] = dict(zip(self.case_keys.tolist(),
                                                            self.case_share.tolist()))
        share = pairs.get((previous << ID_BITS) | word)
        if share is not None:
            return share
        if word >= self.capital.shape[1]:
            return 0
        return int(self.capital[int(after_capital), word])

    @property
    def capital_lists(self) -> list[list[int]]:
        """:attr:`capital` as Python lists (fast single look-ups)."""
        lists = self.__dict__.get("_capital_lists")
        if lists is None:
            lists = self.__dict__["_capital_lists"] = self.capital.tolist()
        return lists

    def is_capital(self, previous: int, previous_capital: bool, word: int,
                   following: int | None, following_capital: bool | None) -> bool:
        """Whether ``word``, inside a sentence with its first letter hidden,
        is more likely capitalized: its own habit, corrected by what its
        neighbours say (each context's share, smoothed towards the habit,
        adds its log-odds ratio). ``following`` None: not known."""
        if not self.meta.get("case_contexts"):
            return self.capital_share(previous, word, previous_capital or bool(following_capital)) >= 128
        if word >= self.capital.shape[1]:
            return False
        prior = min(max(self.capital_lists[int(previous_capital)][word] / 255, 0.01), 0.99)
        contexts = self.__dict__.get("_case_contexts")
        if contexts is None:
            contexts = self.__dict__["_case_contexts"] = dict(zip(
                self.case_keys.tolist(), zip(self.case_share.tolist(), self.case_count.tolist())))
        odds = _logit(prior)
        keys = [((int(previous_capital) << 2 * ID_BITS) | (previous << ID_BITS) | word, CASE_PREVIOUS_WEIGHT)]
        if following is not None:
            keys.append(((1 << CASE_KIND_SHIFT) | (int(bool(following_capital)) << 2 * ID_BITS)
                         | (word << ID_BITS) | following, CASE_NEXT_WEIGHT))
        for key, weight in keys:
            found = contexts.get(key)
            if found is not None:
                share, uses = found
                p = (share / 255 * uses + prior * CASE_PRIOR_USES) / (uses + CASE_PRIOR_USES)
                p = min(max(p, 0.01), 0.99)
                odds += weight * (_logit(p) - _logit(prior))
        return odds > 0

    @classmethod
    def from_orders(cls, meta, vocab, logp1, bow1, keys, logp, bow, capital,
                    case_keys, case_share, case_count=None, backward=None, topic=None) -> "NgramModel":
        orders = sorted(keys)
        extra = {}
        if backward is not None:
            logp1_b, bow1_b, logp_b, bow_b = backward
            extra = {
                "logp1_b": dequantize(quantize(logp1_b)), "bow1_b": dequantize(quantize(bow1_b)),
                "logp_b": quantize(np.concatenate([logp_b[n] for n in orders])),
                "bow_b": quantize(np.concatenate([bow_b.get(n, np.zeros(len(keys[n]))) for n in orders])),
            }
        if topic is not None:
            # (all zero for a corpus without words: any scale keeps them zero)
            scale = float(max(np.abs(topic[0]).max(), np.abs(topic[1]).max())) / 127 or 1.0
            meta = {**meta, "topic_scale": scale}
            extra["topic"], extra["topic_ctx"] = (
                np.rint(t / scale).astype(np.int8).astype(np.float32) * np.float32(scale) for t in topic)
        return cls(
            meta, vocab, dequantize(quantize(logp1)), dequantize(quantize(bow1)),
            np.concatenate([tagged(n, keys[n]) for n in orders]),
            quantize(np.concatenate([logp[n] for n in orders])),
            quantize(np.concatenate([bow.get(n, np.zeros(len(keys[n]))) for n in orders])),
            capital, case_keys, case_share,
            np.zeros(len(case_keys), np.uint8) if case_count is None else case_count, **extra,
        )

    @property
    def order(self) -> int:
        return int(self.meta["order"])

    # --- persistence -------------------------------------------------------

    def save(self, path: str | Path) -> None:
        arrays = {
            "meta": np.frombuffer(json.dumps(self.meta, ensure_ascii=False).encode(), np.uint8),
            "vocab": np.frombuffer("\n".join(self.vocab.words).encode(), np.uint8),
            "logp1": quantize(self.logp1),
            "bow1": quantize(self.bow1),
            # differences of the sorted keys, split into 8 byte planes: the
            # wheel's zip compresses that a third smaller than plain words
            "keys": np.ascontiguousarray(
                np.diff(self.keys, prepend=np.uint64(0)).astype("<u8").view(np.uint8).reshape(-1, 8).T),
            "logp": self.logp,
            "bow": self.bow,
            "capital": self.capital.astype(np.uint8),
            "case_keys": self.case_keys,
            "case_share": self.case_share,
            "case_count": self.case_count,
            **({} if self.logp_b is None else {
                "logp1_b": quantize(self.logp1_b), "bow1_b": quantize(self.bow1_b),
                "logp_b": self.logp_b, "bow_b": self.bow_b}),
            **({} if self.topic is None else {
                name: np.rint(t / self.meta["topic_scale"]).astype(np.int8)
                for name, t in (("topic", self.topic), ("topic_ctx", self.topic_ctx))}),
            # the other tone style of each syllable, for candidate lookup
            "vocab_alt": np.frombuffer("\n".join(
                set_tone_style(w, "new" if self.meta.get("tone_style") == "old" else "old")
                for w in self.vocab.words).encode(), np.uint8),
        }
        # Stored uncompressed so that loading is a plain read (the wheel's zip
        # compresses it; differences of sorted keys compress well).
        with open(Path(path), "wb") as handle:  # savez would append ".npz" to other names
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "NgramModel":
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = _stored_keys(Path(path), data)
                arrays = {name: data[name] for name in data.files if not (name == "keys" and keys is not None)}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            # (numpy reads other files as pickles, and says so: not our business)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not an .npz model file"
            raise ModelError(f"{path}: not a readable model ({reason}; "
                             "models are written by 'cleaner model train')") from None
        try:
            meta = json.loads(arrays["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise ModelError(f"{path}: not a {FORMAT} model")
            if meta.get("format_version") != FORMAT_VERSION:
                raise ModelError(f"{path}: model format {meta.get('format_version')}, "
                                 f"this cleaner reads {FORMAT_VERSION}")
            words = arrays["vocab"].tobytes().decode().split("\n")
            vocab = Vocabulary()
            vocab.words = words
            vocab.ids = {w: i for i, w in enumerate(words)}
            if "vocab_alt" in arrays:
                vocab.alternates = arrays["vocab_alt"].tobytes().decode().split("\n")
            model = cls(meta, vocab, dequantize(arrays["logp1"]), dequantize(arrays["bow1"]),
                        _keys(arrays["keys"]) if keys is None else keys, arrays["logp"], arrays["bow"],
                        arrays["capital"],
                        arrays.get("case_keys", np.zeros(0, np.uint64)),
                        arrays.get("case_share", np.zeros(0, np.uint8)),
                        arrays.get("case_count", np.zeros(0, np.uint8)),
                        *((dequantize(arrays["logp1_b"]), dequantize(arrays["bow1_b"]),
                           arrays["logp_b"], arrays["bow_b"]) if "logp_b" in arrays else ()))
            if "topic" in arrays:
                scale = np.float32(meta["topic_scale"])
                model.topic = arrays["topic"].astype(np.float32) * scale
                model.topic_ctx = arrays["topic_ctx"].astype(np.float32) * scale
            return model
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"{path}: damaged model ({exc})") from None

    # --- scoring -----------------------------------------------------------

    def _order_keys(self, n: int) -> np.ndarray:
        """The (sorted, tagged) keys of order ``n``: a view into ``keys``."""
        bounds = self.__dict__.get("_bounds")
        if bounds is None:
            tags = np.arange(2, self.order + 2, dtype=np.uint64) << TAG_SHIFT
            edges = np.searchsorted(self.keys, tags)
            bounds = self.__dict__["_bounds"] = {
                n: (int(edges[n - 2]), int(edges[n - 1])) for n in range(2, self.order + 1)}
        start, end = bounds[n]
        return start, self.keys[start:end]

    def _bigram_table(self, rows: int) -> np.ndarray | None:
        """Every bigram's quantized log10 probability in a dense (previous
        id, id) table, :data:`_ABSENT` where there is none: the most
        frequent look-up becomes plain indexing. Built once ``rows`` scores
        in all have come (the table takes tens of MB: a corpus with a few
        damaged words does not need it)."""
        table = self.__dict__.get("_dense")
        if table is None:
            scored = self.__dict__["_scored"] = self.__dict__.get("_scored", 0) + rows
            if scored < DENSE_AFTER:
                return None
            size = len(self.vocab)
            if size > 12_000:
                self.__dict__["_dense"] = False
                return None
            start, keys = self._order_keys(2)
            mask = np.uint64((1 << ID_BITS) - 1)
            previous = ((keys >> np.uint64(ID_BITS)) & mask).astype(np.int64)
            word = (keys & mask).astype(np.int64)
            table = np.full((size, size), _ABSENT, np.uint8)
            table[previous, word] = np.minimum(self.logp[start:start + len(keys)], _ABSENT - 1)
            self.__dict__["_dense"] = table
        return table if table is not False else None

    def _find(self, n: int, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``keys`` of the order-``n`` ``query`` keys and which
        of them are there."""
        start, keys = self._order_keys(n)
        if not len(keys) or not len(query):
            return np.zeros(len(query), np.int64), np.zeros(len(query), bool)
        if len(query) > 64:
            # sorted, distinct queries walk the table in order: several
            # times faster (hypotheses share most of their n-grams)
            order = np.argsort(query)
            ordered = query[order]
            new = np.empty(len(ordered), bool)
            new[0] = True
            np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
            group = np.cumsum(new) - 1
            at = np.empty(len(query), np.int64)
            at[order] = np.searchsorted(keys, ordered[new])[group]
        else:
            at = np.searchsorted(keys, query)
        np.minimum(at, len(keys) - 1, out=at)
        return at + start, keys[at] == query

    def score(self, history: np.ndarray, words: np.ndarray, parent: np.ndarray | None = None) -> np.ndarray:
        """log10 P(word | history) for each row: ``history`` is (m, order-1)
        ids, oldest first, :data:`PAD` where there is none; ``words`` (m,).
        With ``parent``, ``history`` holds one row per state and row i is
        scored after ``history[parent[i]]`` (contexts are looked up once per
        state)."""
        return self._forward(history, words, parent)[0]

    def _forward(self, history, words, parent):
        """Forward scores, the state suffix keys and, per order n, the rows
        whose n-gram (last n-1 history ids + word) is in the model and where.

        A missing n-gram backs off: ``bow(context) + score(shorter)``. An
        n-gram is only looked up where its suffix is in the model (pruning
        keeps every suffix of a kept n-gram)."""
        top = self.order
        hist = np.asarray(history, dtype=np.int64)
        word = np.asarray(words, dtype=np.int64)
        if parent is None:
            parent = np.arange(len(word))
        bits = np.uint64(ID_BITS)
        # suffix[j]: key of the last j history ids (j = 1 .. top-1), per state
        h = hist.astype(np.uint64)
        suffix = [np.zeros(len(h), np.uint64)]
        for j in range(1, top):
            suffix.append(suffix[-1] | (h[:, top - 1 - j] << (bits * np.uint64(j - 1))))
        # backoff weights of the contexts, per state: bow[n] for the last n ids
        last = hist[:, top - 2]
        inside = last < len(self.bow1)
        bows = {1: np.where(inside, self.bow1[np.where(inside, last, 0)], 0)}
        found_ctx = {}
        for n in range(2, top):
            at, hit = self._find(n, suffix[n] | (np.uint64(n) << TAG_SHIFT))
            bows[n] = np.where(hit, _DEQUANT[self.bow[at]], 0).astype(np.float32)
            found_ctx[n] = (at, hit)
        total = self.logp1[word] + bows[1][parent]
        rows = np.arange(len(word))
        w = word.astype(np.uint64)
        found = {}
        dense = self._bigram_table(len(word)) if self.logp_b is None else None
        for n in range(2, top + 1):
            if n > 2:
                total += bows[n - 1][parent]  # backed off from order n unless found
            if n == 2 and dense is not None:
                previous = last[parent]
                inside = previous < len(dense)
                q = np.where(inside, dense[np.where(inside, previous, 0), word], _ABSENT)
                hit = q != _ABSENT
                rows = rows[hit]
                total[rows] = _DEQUANT[q[hit]]
                found[n] = (rows, None)
            elif len(rows):
                query = ((suffix[n - 1][parent[rows]] << bits) | w[rows]) | (np.uint64(n) << TAG_SHIFT)
                at, hit = self._find(n, query)
                rows, at = rows[hit], at[hit]
                total[rows] = _DEQUANT[self.logp[at]]
            else:
                at = rows
            found[n] = (rows, at)
        return total.astype(np.float32), hist, found, found_ctx

    def _backward_given(self, x: np.ndarray, right: np.ndarray) -> np.ndarray:
        """log10 P_backward(x | right): ``right`` (m, k) the ids after x,
        nearest first."""
        bits = np.uint64(ID_BITS)
        x = np.asarray(x, np.int64)
        right = np.asarray(right, np.int64)
        total = self.logp1_b[np.minimum(x, len(self.logp1_b) - 1)].astype(np.float64)
        ngram = x.astype(np.uint64)
        context = np.zeros(len(x), np.uint64)
        for j in range(right.shape[1]):
            nxt = right[:, j]
            ngram = (ngram << bits) | nxt.astype(np.uint64)
            context = (context << bits) | nxt.astype(np.uint64)
            if j == 0:
                inside = nxt < len(self.bow1_b)
                bow = np.where(inside, self.bow1_b[np.where(inside, nxt, 0)], 0)
            else:
                at, hit = self._find(j + 1, context | (np.uint64(j + 1) << TAG_SHIFT))
                bow = np.where(hit, _DEQUANT[self.bow_b[at]], 0)
            at, hit = self._find(j + 2, ngram | (np.uint64(j + 2) << TAG_SHIFT))
            total = np.where(hit, _DEQUANT[self.logp_b[at]], bow + total)
        return total

    def step_score(self, history: np.ndarray, words: np.ndarray, parent: np.ndarray | None = None
                   ) -> np.ndarray:
        """The share of a line's log10 probability that appending ``words``
        to the states ``history`` decides. Forward only, that is
        :meth:`score`; with the backward model, the average of the forward
        score and of the backward score of the oldest history id, whose
        right context the word completes (and, at ``</s>``, of the ids
        still missing theirs). Summed over a line, both directions average."""
        fwd, hist, found, _ = self._forward(history, words, parent)
        if self.logp_b is None:
            return fwd
        top = self.order
        word = np.asarray(words, dtype=np.int64)
        if parent is None:
            parent = np.arange(len(word))
        # per state: P_b(oldest | the rest of the history)
        oldest = hist[:, 0]
        real = oldest != PAD
        state_b = np.zeros(len(hist))
        if real.any():
            state_b[real] = self._backward_given(oldest[real], hist[real, 1:])
        # per row: the full n-gram (history + word) or back off from it
        if top > 2:
            ctx_rows, ctx_at = found[top - 1]  # the right context (history[1:], word)
            bwd = state_b[parent]
            bwd[ctx_rows] += _DEQUANT[self.bow_b[ctx_at]]
        else:
            bwd = state_b[parent] + self.bow1_b[np.minimum(word, len(self.bow1_b) - 1)]
        rows, at = found[top]
        bwd[rows] = _DEQUANT[self.logp_b[at]]
        bwd[~real[parent]] = 0
        # at the line end: the ids whose right context ends with </s>
        ends = np.flatnonzero(word == EOS)
        for i in range(1, top - 1):
            if not len(ends):
                break
            ids = hist[parent[ends], i]
            ok = ids != PAD
            rows_end = ends[ok]
            if len(rows_end):
                right = np.concatenate([hist[parent[rows_end], i + 1:], word[rows_end, None]], axis=1)
                bwd[rows_end] += self._backward_given(ids[ok], right)
        return ((1 - BACKWARD_WEIGHT) * fwd + BACKWARD_WEIGHT * bwd).astype(np.float32)

    def score_grid(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        """log10 P(w | h) for every state history (s, order-1) and every word
        (c,): an (s, c) array. Contexts are looked up once per state."""
        s, c = len(history), len(words)
        parent = np.repeat(np.arange(s), c)
        return self.score(history, np.tile(np.asarray(words, np.int64), s), parent).reshape(s, c)


_KEYS_BLOCK = 1 << 20  # keys decoded at a time


def _stored_keys(path: Path, data) -> np.ndarray | None:
    """The n-gram keys of a model whose ``keys`` member is stored
    uncompressed as byte planes, decoded from the file a block at a time:
    the whole planes, their transpose and the sums at once made the
    restorer's memory peak at about twice its size. None: another layout
    (then :func:`_keys` reads the member whole)."""
    try:
        info = data.zip.getinfo("keys.npy")
    except (AttributeError, KeyError):
        return None
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    try:
        return _decode_stored_keys(path, info.header_offset)
    except (OSError, ValueError):  # a layout this reader does not know: read it whole
        return None


def _decode_stored_keys(path: Path, header_offset: int) -> np.ndarray | None:
    with open(path, "rb") as raw:
        raw.seek(header_offset)
        local = raw.read(30)  # the member's local header: name and extra lengths at 26
        name_length, extra_length = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        raw.seek(header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(raw)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(raw)
        if dtype != np.uint8 or fortran or len(shape) != 2 or shape[0] != 8:
            return None
        start, count = raw.tell(), shape[1]
        keys = np.empty(count, np.uint64)
        carry = np.uint64(0)
        for first in range(0, count, _KEYS_BLOCK):
            last = min(first + _KEYS_BLOCK, count)
            block = np.empty((last - first, 8), np.uint8)
            for plane in range(8):
                raw.seek(start + plane * count + first)
                block[:, plane] = np.frombuffer(raw.read(last - first), np.uint8)
            np.cumsum(block.view("<u8").ravel(), dtype=np.uint64, out=keys[first:last])
            keys[first:last] += carry  # uint64 wraps as the whole sum would
            carry = keys[last - 1]
        return keys


def _keys(stored: np.ndarray) -> np.ndarray:
    if stored.dtype == np.uint8:  # byte planes
        stored = np.ascontiguousarray(stored.T).view("<u8").ravel()
    return np.cumsum(stored, dtype=np.uint64)


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> NgramModel:
    """The model at ``path`` (None: the shipped one), loaded once."""
    target = Path(path) if path else SHIPPED
    if not target.is_file():
        raise ModelError(f"{target}: no such model file")
    return NgramModel.load(target)
