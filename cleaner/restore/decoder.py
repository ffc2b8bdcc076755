"""Joint choice of candidates over lines: beam search (Viterbi with
recombination of equal histories) under the n-gram model, then a local
confidence for each choice.

Speed comes from two things:

- a line is cut into independent *segments*: once ``order - 1`` tokens in
  a row have a single reading, every hypothesis shares the same history,
  so what comes after cannot change what came before. A segment runs from
  its first ambiguous token to the ``order - 1`` fixed tokens after its
  last one (or the end of the line);
- all the segments of a document are searched together, step by step, so
  each step is a handful of numpy calls over every hypothesis of every
  segment instead of a few calls per token.
"""

from __future__ import annotations

import numpy as np

from .model import NgramModel
from .tokens import BOS, END, EOS, ID_BITS, PAD

# An option: (surface text, model ids it stands for: one, or a word and
# ``<e>`` when a final "?" may be a question mark; never more than two).
Option = tuple[str, tuple[int, ...]]

BEAM = 16  # hypotheses kept per segment and step
PRUNE = 5.0  # log10 below the segment's best at which a hypothesis is dropped
# log10 below the best option given the left context at which an option is
# left out of the confidence (its share is negligible)
CONFIDENCE_PRUNE = 4.0
# a segment this long is cut at its next sentence end: the search steps
# through all segments together, so the longest one sets the time
SPLIT_AFTER = 12

_EOS_OPTIONS: list[Option] = [("", (EOS,))]


_OPTION_IDS: dict[int, tuple[list[Option], np.ndarray, np.ndarray]] = {}


def _option_ids(options: list[Option]) -> tuple[np.ndarray, np.ndarray]:
    """The first id of each option and the second (-1: none), as arrays;
    remembered for the lists of options that are shared (damaged tokens')."""
    if len(options) == 1:
        ids = options[0][1]
        return np.array([ids[0]]), np.array([ids[1] if len(ids) > 1 else -1])
    found = _OPTION_IDS.get(id(options))
    if found is not None and found[0] is options:
        return found[1], found[2]
    first = np.array([ids[0] for _, ids in options], np.int64)
    second = np.array([ids[1] if len(ids) > 1 else -1 for _, ids in options], np.int64)
    if len(_OPTION_IDS) > 100_000:
        _OPTION_IDS.clear()
    _OPTION_IDS[id(options)] = (options, first, second)
    return first, second


_ZEROS = [np.zeros(n) for n in range(64)]


def _zeros(n: int) -> np.ndarray:
    return _ZEROS[n] if n < len(_ZEROS) else np.zeros(n)


def _segments(positions: list[list[Option]], width: int):
    """``(start history, [(position, options), ...])`` for each run of the
    line that holds a choice; the position of the implied ``</s>`` is
    ``len(positions)``."""
    history = [PAD] * (width - 1) + [BOS]
    current = None
    fixed_run = 0
    for p, options in enumerate([*positions, _EOS_OPTIONS]):
        if len(options) > 1:
            if current is None:
                current = (history[-width:], [])
            current[1].append((p, options))
            fixed_run = 0
            continue
        ids = options[0][1]
        if current is not None:
            current[1].append((p, options))
            fixed_run += len(ids)
            if fixed_run >= width:
                yield current
                current = None
            elif ids == (END,) and len(current[1]) >= SPLIT_AFTER:
                # a long run cut at a sentence end: the next sentence starts
                # from "<e>" alone (its last words matter little across it)
                yield current
                current = None
                history = [PAD] * width
        history.extend(ids)
        del history[:-width]
    if current is not None:
        yield current


def best_paths(model: NgramModel, lines: list[list[list[Option]]], beam: int = BEAM,
               bonuses: list[dict[int, np.ndarray]] | None = None,
               focus: list[set[int]] | None = None,
               previous: list[list[int]] | None = None) -> list[list[int]]:
    """For each line (a list of positions, each a list of options), the
    index of the chosen option at every position (``<s>``/``</s>`` are
    implied around each line). ``bonuses``: per line, log10 weights to add
    to the options of some positions. ``focus`` and ``previous``: search
    only the segments holding one of these positions; elsewhere keep the
    previous path."""
    width = model.order - 1
    if previous is not None:
        paths = [list(path) for path in previous]
    else:
        paths = [[0] * len(positions) for positions in lines]
    segments = [(line, start, steps) for line, positions in enumerate(lines)
                for start, steps in _segments(positions, width)]
    if focus is not None:
        segments = [(line, start, steps) for line, start, steps in segments
                    if any(p in focus[line] for p, _ in steps)]
    bonuses = bonuses or [{} for _ in lines]
    if not segments:
        return paths
    count = len(segments)
    lengths = np.array([len(steps) for _, _, steps in segments])
    longest = int(lengths.max())
    # every option of every step of every segment, flattened once
    all_steps = [options for _, _, steps in segments for _, options in steps]
    per_step = np.array([len(options) for options in all_steps], np.int64)
    tables = [_option_ids(options) for options in all_steps]
    first_ids = np.concatenate([t[0] for t in tables])
    second_ids = np.concatenate([t[1] for t in tables])
    extra = [bonuses[line].get(p) for line, _, steps in segments for p, _ in steps]
    if any(e is not None for e in extra):
        option_bonus = np.concatenate([_zeros(len(options)) if e is None else e
                                       for e, options in zip(extra, all_steps)])
    else:
        option_bonus = None
    step_seg = np.repeat(np.arange(count), lengths)
    step_t = np.arange(len(all_steps)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    step_start = np.zeros((count, longest), np.int64)
    step_count = np.zeros((count, longest), np.int64)
    step_start[step_seg, step_t] = np.cumsum(per_step) - per_step
    step_count[step_seg, step_t] = per_step
    state_seg = np.arange(count)
    state_hist = np.array([start for _, start, _ in segments], dtype=np.int64)
    state_score = np.zeros(count)
    alive_index = np.arange(count)  # state -> its index in the previous step's arrays
    backs: list[tuple[np.ndarray, np.ndarray]] = []
    finals: dict[int, tuple[int, int]] = {}
    seg_shift = width * ID_BITS
    for t in range(longest):
        per_state = step_count[state_seg, t]
        parent = np.repeat(np.arange(len(state_seg)), per_state)
        starts = np.cumsum(per_state) - per_state
        chosen = np.arange(len(parent)) - np.repeat(starts, per_state)
        option = step_start[state_seg, t][parent] + chosen
        words = first_ids[option]
        score = state_score[parent] + model.step_score(state_hist, words, parent)
        if option_bonus is not None:
            score += option_bonus[option]
        # drop what is already PRUNE below its segment's best (expansions
        # come grouped by segment, as the states do)
        seg = state_seg[parent]
        heads = np.flatnonzero(np.concatenate([[True], seg[1:] != seg[:-1]]))
        best = np.maximum.reduceat(score, heads)
        near = score >= np.repeat(best, np.diff(np.append(heads, len(seg)))) - PRUNE
        if not near.all():
            parent, chosen, option, words, score = (parent[near], chosen[near], option[near],
                                                    words[near], score[near])
        hist = np.concatenate([state_hist[parent, 1:], words[:, None]], axis=1)
        more = second_ids[option]
        rows = np.flatnonzero(more >= 0)
        if len(rows):
            score[rows] += model.step_score(hist[rows], more[rows])
            hist[rows] = np.concatenate([hist[rows, 1:], more[rows, None]], axis=1)
        seg = state_seg[parent]
        # recombine equal histories within a segment (keep the best) ...
        key = seg << seg_shift
        for column in range(width):
            key |= hist[:, column] << (ID_BITS * (width - 1 - column))
        order = np.lexsort((-score, key))
        unique = np.ones(len(order), bool)
        unique[1:] = key[order[1:]] != key[order[:-1]]
        keep = order[unique]
        # ... then the best ``beam`` of each segment, within PRUNE of its best
        keep = keep[np.lexsort((-score[keep], seg[keep]))]
        kept_seg = seg[keep]
        kept_score = score[keep]
        group_start = np.ones(len(keep), bool)
        group_start[1:] = kept_seg[1:] != kept_seg[:-1]
        starts_at = np.flatnonzero(group_start)
        group = np.cumsum(group_start) - 1
        rank = np.arange(len(keep)) - starts_at[group]
        good = (rank < beam) & (kept_score >= kept_score[starts_at][group] - PRUNE)
        keep = keep[good]
        kept_seg = kept_seg[good]
        backs.append((alive_index[parent[keep]], chosen[keep]))
        # segments that end here: their best state (the first of each group)
        ending = lengths[kept_seg] == t + 1
        if ending.any():
            done = np.flatnonzero(ending)
            head = np.ones(len(done), bool)
            head[1:] = kept_seg[done[1:]] != kept_seg[done[:-1]]
            for index in done[head].tolist():
                finals[int(kept_seg[index])] = (t, index)
            alive = np.flatnonzero(~ending)
            alive_index = alive
            keep = keep[alive]
            state_seg = kept_seg[alive]
        else:
            alive_index = np.arange(len(keep))
            state_seg = kept_seg
        state_hist = hist[keep]
        state_score = score[keep]
    for g, (line, _, steps) in enumerate(segments):
        t, index = finals[g]
        path = paths[line]
        size = len(path)
        while t >= 0:
            parents, choices = backs[t]
            p = steps[t][0]
            if p < size:
                path[p] = int(choices[index])
            index = int(parents[index])
            t -= 1
    return paths


def best_path(model: NgramModel, positions: list[list[Option]], beam: int = BEAM) -> list[int]:
    """Index of the chosen option at every position of one line."""
    return best_paths(model, [positions], beam)[0]


def confidences_many(model: NgramModel, items: list[tuple[list[list[Option]], list[int], list[int]]],
                     bonuses: list[dict[int, np.ndarray]] | None = None) -> list[list[np.ndarray]]:
    """:func:`confidences` for several lines ``(positions, path, targets)``
    at once (a few model calls in all)."""
    width = model.order - 1
    flat: list[int] = []
    target_start: list[int] = []  # where each target's ids go in ``flat``
    target_end: list[int] = []  # where the ids after them start
    target_options: list[list[Option]] = []
    target_choice: list[int] = []
    row_bonus: list[np.ndarray] = []
    sizes: list[list[int]] = []
    bonuses = bonuses or [{} for _ in items]
    for (positions, path, targets), extra in zip(items, bonuses):
        flat.extend([PAD] * (width - 1) + [BOS])
        spans = []
        for options, choice in zip(positions, path):
            start = len(flat)
            flat.extend(options[choice][1])
            spans.append((start, len(flat)))
        flat.append(EOS)
        flat.extend([-1] * width)  # nothing after the line
        line_sizes = []
        for target in targets:
            start, end = spans[target]
            options = positions[target]
            target_start.append(start)
            target_end.append(end)
            target_options.append(options)
            target_choice.append(path[target])
            line_sizes.append(len(options))
            bonus = extra.get(target)
            row_bonus.append(_zeros(len(options)) if bonus is None else bonus)
        sizes.append(line_sizes)
    if not target_options:
        return [[] for _ in items]
    ids_flat = np.array(flat, np.int64)
    per_target = np.array([len(options) for options in target_options], np.int64)
    heads = np.cumsum(per_target) - per_target
    starts = np.repeat(np.array(target_start, np.int64), per_target)
    ends = np.repeat(np.array(target_end, np.int64), per_target)
    tables = [_option_ids(options) for options in target_options]
    first_ids = np.concatenate([t[0] for t in tables])
    second_ids = np.concatenate([t[1] for t in tables])
    count = len(first_ids)
    span = np.arange(width)
    bonus = np.concatenate(row_bonus)
    chosen = np.zeros(count, bool)
    chosen[heads + np.array(target_choice, np.int64)] = True
    # first the option given what comes before; options already far below
    # the best there are left out of the rest (their share is ~0)
    first_score = model.step_score(ids_flat[starts[:, None] - width + span], first_ids) + bonus
    best = np.maximum.reduceat(first_score, heads)
    selected = chosen | (first_score >= np.repeat(best, per_target) - CONFIDENCE_PRUNE)
    totals = np.where(selected, first_score, -np.inf)
    two = second_ids >= 0
    for pair in (False, True):
        rows = np.flatnonzero((two == pair) & selected)
        if not len(rows):
            continue
        middle = first_ids[rows, None] if not pair else np.stack([first_ids[rows], second_ids[rows]], axis=1)
        # the option between its fixed neighbours: width before, width after
        seq = np.concatenate([ids_flat[starts[rows, None] - width + span], middle,
                              ids_flat[ends[rows, None] + span]], axis=1)
        columns = range(width + 1, seq.shape[1])
        histories = np.concatenate([seq[:, j - width:j] for j in columns])
        words = np.concatenate([seq[:, j] for j in columns])
        group = np.tile(rows, len(columns))
        live = words >= 0
        scores = model.step_score(histories[live], words[live])
        totals += np.bincount(group[live], weights=scores, minlength=count)
    totals *= np.log(10)
    result = []
    offset = 0
    for line_sizes in sizes:
        shares = []
        for size in line_sizes:
            local = totals[offset:offset + size]
            local = np.exp(local - local.max())
            shares.append(local / local.sum())
            offset += size
        result.append(shares)
    return result


def confidences(model: NgramModel, positions: list[list[Option]], path: list[int],
                targets: list[int]) -> list[np.ndarray]:
    """For each position in ``targets``, the share of probability of each of
    its options with the rest of the line fixed to ``path`` (the n-grams
    that touch the position, rescored)."""
    return confidences_many(model, [(positions, path, targets)])[0]
