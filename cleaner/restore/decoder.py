"""Joint choice of candidates over a line: beam search (Viterbi with
recombination of equal histories) under the n-gram model, then a local
confidence for each choice."""

from __future__ import annotations

import numpy as np

from .model import NgramModel
from .tokens import BOS, EOS, ID_BITS, PAD

# An option: (surface text, model ids it stands for).
Option = tuple[str, tuple[int, ...]]

BEAM = 8  # hypotheses kept per position
PRUNE = 5.0  # log10 below the best at which a hypothesis is dropped


def _expand(model: NgramModel, hist: np.ndarray, score: np.ndarray, options: list[Option]):
    """Every (state, option) extension: states, options, scores, histories."""
    count = len(options)
    if all(len(ids) == 1 for _, ids in options):
        words = np.fromiter((ids[0] for _, ids in options), np.int64, count)
        grid = model.score_grid(hist, words) + score[:, None]
        states = np.repeat(np.arange(len(hist)), count)
        chosen = np.tile(np.arange(count), len(hist))
        new_hist = np.concatenate([hist[states, 1:], words[chosen, None]], axis=1)
        return states, chosen, grid.ravel(), new_hist
    states = np.repeat(np.arange(len(hist)), count)
    chosen = np.tile(np.arange(count), len(hist))
    new_score = score[states].copy()
    new_hist = hist[states].copy()
    longest = max(len(o[1]) for o in options)
    table = np.full((count, longest), -1, dtype=np.int64)
    for i, (_, ids) in enumerate(options):
        table[i, :len(ids)] = ids
    for k in range(longest):
        words = table[chosen, k]
        rows = np.flatnonzero(words >= 0)
        new_score[rows] += model.score(new_hist[rows], words[rows])
        new_hist[rows] = np.concatenate([new_hist[rows, 1:], words[rows, None]], axis=1)
    return states, chosen, new_score, new_hist


def best_path(model: NgramModel, positions: list[list[Option]], beam: int = BEAM) -> list[int]:
    """Index of the chosen option at every position (``<s>``/``</s>`` are
    implied around the line)."""
    width = model.order - 1
    hist = np.full((1, width), PAD, dtype=np.int64)
    hist[0, -1] = BOS
    score = np.zeros(1)
    backs: list[tuple[np.ndarray, np.ndarray] | None] = []
    for options in positions + [[("", (EOS,))]]:
        if len(options) == 1 and len(hist) == 1:
            # nothing to choose: the same score is added to every path
            ids = options[0][1]
            hist = np.concatenate([hist, np.array([ids])], axis=1)[:, -width:]
            backs.append(None)
            continue
        states, chosen, new_score, new_hist = _expand(model, hist, score, options)
        # recombine equal histories (keep the best), then keep the top ``beam``
        keys = np.zeros(len(new_hist), np.int64)
        for column in range(width):
            keys = (keys << ID_BITS) | new_hist[:, column]
        order = np.lexsort((-new_score, keys))
        first = np.ones(len(order), bool)
        first[1:] = keys[order[1:]] != keys[order[:-1]]
        keep = order[first]
        keep = keep[np.argsort(-new_score[keep], kind="stable")[:beam]]
        keep = keep[new_score[keep] >= new_score[keep[0]] - PRUNE]
        hist, score = new_hist[keep], new_score[keep]
        backs.append((states[keep], chosen[keep]))
    # follow the back pointers from the single final state
    path = []
    state = 0
    for back in reversed(backs):
        if back is None:
            path.append(0)
            continue
        states, chosen = back
        path.append(int(chosen[state]))
        state = int(states[state])
    path.reverse()
    return path[:-1]


def confidences(model: NgramModel, positions: list[list[Option]], path: list[int],
                targets: list[int]) -> list[np.ndarray]:
    """For each position in ``targets``, the share of probability of each of
    its options with the rest of the line fixed to ``path`` (the n-grams
    that touch the position, rescored)."""
    width = model.order - 1
    flat = [PAD] * (width - 1) + [BOS]
    spans = []
    for options, choice in zip(positions, path):
        start = len(flat)
        flat.extend(options[choice][1])
        spans.append((start, len(flat)))
    flat.append(EOS)
    flat.extend([-1] * width)  # nothing after the line
    # One row per (target, option): the option's ids between the fixed
    # neighbours, padded with -1 to a common length.
    rows = []
    for target in targets:
        start, end = spans[target]
        before, after = flat[start - width:start], flat[end:end + width]
        for _, ids in positions[target]:
            rows.append(before + list(ids) + after)
    if not rows:
        return []
    longest = max(map(len, rows))
    seq = np.array([row + [-1] * (longest - len(row)) for row in rows], dtype=np.int64)
    histories = np.concatenate([seq[:, j - width:j] for j in range(width, longest)])
    words = np.concatenate([seq[:, j] for j in range(width, longest)])
    groups = np.tile(np.arange(len(rows)), longest - width)
    live = words >= 0
    scores = model.score(histories[live], words[live])
    totals = np.bincount(groups[live], weights=scores, minlength=len(rows))
    result = []
    offset = 0
    for target in targets:
        count = len(positions[target])
        local = totals[offset:offset + count] * np.log(10)
        local = np.exp(local - local.max())
        result.append(local / local.sum())
        offset += count
    return result
