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
- ``vocab_alt``: each syllable in the other tone style.

Probabilities are interpolated Kneser-Ney, so a missing n-gram scores as
``bow(context) + score(shorter context)`` (ARPA-style backoff).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..vietnamese import set_tone_style
from .tokens import ID_BITS, Vocabulary

FORMAT = "cleaner-syllable-lm"
FORMAT_VERSION = 2
# log10 values are stored as uint8 steps of this size (0 .. -10.2).
QUANT_STEP = 0.04
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "syllable-lm.npz"


class ModelError(Exception):
    """A model file that is missing or not a cleaner model."""


def quantize(log10: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(-np.asarray(log10) / QUANT_STEP), 0, 255).astype(np.uint8)


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
    # the same per (previous id, id) pair, for pairs seen often enough

    def capital_share(self, previous: int, word: int, after_capital: bool) -> int:
        """How often (x 255) ``word`` is capitalized inside a sentence after
        ``previous``: the pair's own figure when known, else the word's."""
        if len(self.case_keys):
            key = np.uint64((previous << ID_BITS) | word)
            at = int(np.searchsorted(self.case_keys, key))
            if at < len(self.case_keys) and self.case_keys[at] == key:
                return int(self.case_share[at])
        if word >= self.capital.shape[1]:
            return 0
        return int(self.capital[int(after_capital), word])

    @classmethod
    def from_orders(cls, meta, vocab, logp1, bow1, keys, logp, bow, capital,
                    case_keys, case_share) -> "NgramModel":
        orders = sorted(keys)
        return cls(
            meta, vocab, logp1, bow1,
            np.concatenate([tagged(n, keys[n]) for n in orders]),
            quantize(np.concatenate([logp[n] for n in orders])),
            quantize(np.concatenate([bow.get(n, np.zeros(len(keys[n]))) for n in orders])),
            capital, case_keys, case_share,
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
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ModelError(f"{path}: not a readable model ({exc})") from None
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
            return cls(meta, vocab, dequantize(arrays["logp1"]), dequantize(arrays["bow1"]),
                       _keys(arrays["keys"]), arrays["logp"], arrays["bow"], arrays["capital"],
                       arrays.get("case_keys", np.zeros(0, np.uint64)),
                       arrays.get("case_share", np.zeros(0, np.uint8)))
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"{path}: damaged model ({exc})") from None

    # --- scoring -----------------------------------------------------------

    def score(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        """log10 P(word | history) for each row: ``history`` is (m, order-1)
        ids, oldest first, :data:`PAD` where there is none; ``words`` (m,).

        A missing n-gram backs off: ``bow(context) + score(shorter)``. All
        the n-grams and contexts needed are looked up in one search."""
        top = self.order
        hist = np.asarray(history, dtype=np.uint64)
        word = np.asarray(words, dtype=np.int64)
        bits = np.uint64(ID_BITS)
        m = len(word)
        # suffix[j]: key of the last j history ids (j = 1 .. top-1)
        suffix = [np.zeros(m, np.uint64)]
        for j in range(1, top):
            suffix.append(suffix[-1] | (hist[:, top - 1 - j] << (bits * np.uint64(j - 1))))
        w = word.astype(np.uint64)
        queries = []
        for n in range(2, top + 1):
            queries.append(((suffix[n - 1] << bits) | w) | (np.uint64(n) << TAG_SHIFT))
        for n in range(2, top):  # contexts that carry a backoff weight
            queries.append(suffix[n] | (np.uint64(n) << TAG_SHIFT))
        query = np.concatenate(queries)
        index = np.searchsorted(self.keys, query)
        np.minimum(index, len(self.keys) - 1, out=index)
        hit = (self.keys[index] == query).reshape(-1, m)
        index = index.reshape(-1, m)
        last = hist[:, top - 2].astype(np.int64)
        inside = last < len(self.bow1)
        total = self.logp1[word] + np.where(inside, self.bow1[np.where(inside, last, 0)], 0)
        for n in range(2, top + 1):
            row = n - 2
            p = _DEQUANT[self.logp[index[row]]]
            if n > 2:
                ctx_row = (top - 1) + (n - 1 - 2)
                backoff = np.where(hit[ctx_row], _DEQUANT[self.bow[index[ctx_row]]], 0)
                total = np.where(hit[row], p, backoff + total)
            else:
                total = np.where(hit[row], p, total)
        return total.astype(np.float32)

    def score_grid(self, history: np.ndarray, words: np.ndarray) -> np.ndarray:
        """log10 P(w | h) for every state history (s, order-1) and every word
        (c,): an (s, c) array. Contexts are looked up once per state."""
        top = self.order
        hist = np.asarray(history, dtype=np.uint64)
        w = np.asarray(words, dtype=np.uint64)
        bits = np.uint64(ID_BITS)
        s, c = len(hist), len(w)
        suffix = [np.zeros(s, np.uint64)]
        for j in range(1, top):
            suffix.append(suffix[-1] | (hist[:, top - 1 - j] << (bits * np.uint64(j - 1))))
        queries = [(((suffix[n - 1] << bits) | (np.uint64(n) << TAG_SHIFT))[:, None] | w[None, :]).ravel()
                   for n in range(2, top + 1)]
        queries += [suffix[n] | (np.uint64(n) << TAG_SHIFT) for n in range(2, top)]
        query = np.concatenate(queries)
        index = np.searchsorted(self.keys, query)
        np.minimum(index, len(self.keys) - 1, out=index)
        hit = self.keys[index] == query
        grid = (top - 1) * s * c
        ngram_hit = hit[:grid].reshape(top - 1, s, c)
        ngram_p = _DEQUANT[self.logp[index[:grid]]].reshape(top - 1, s, c)
        ctx_hit = hit[grid:].reshape(max(top - 2, 0), s)
        ctx_bow = np.where(ctx_hit, _DEQUANT[self.bow[index[grid:]]].reshape(max(top - 2, 0), s), 0)
        last = hist[:, top - 2].astype(np.int64)
        inside = last < len(self.bow1)
        bow1 = np.where(inside, self.bow1[np.where(inside, last, 0)], 0)
        total = self.logp1[w.astype(np.int64)][None, :] + bow1[:, None]
        for n in range(2, top + 1):
            backoff = total if n == 2 else ctx_bow[n - 3][:, None] + total
            total = np.where(ngram_hit[n - 2], ngram_p[n - 2], backoff)
        return total


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
