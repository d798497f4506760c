"""Numba kernels: item-item top-k similarity and top-n recommendation.

Both kernels follow the same pattern: rows (items or users) are spread over
``n_chunks`` interleaved chunks run in parallel; each chunk owns a dense
accumulator of length ``n_items`` plus the list of the columns it touched, so
a row costs time proportional to the co-occurrences it really has and the
accumulator is reset by walking that list, never the whole array. Memory is
``O(n_chunks * n_items)`` for the accumulators plus the ``O(n_rows * k)``
output, never ``O(n_items ** 2)``.

Interleaving (chunk ``c`` takes rows ``c, c + n_chunks, ...``) balances the
load when popular items or heavy users are clustered in the index order.
"""

import numba
import numpy as np
from numba import njit, prange

# How the item kernel turns a dot product and a co-support count into a
# similarity.
DOT = 0  # dot product of already weighted / centred / normalised vectors
JACCARD = 1  # |U_i & U_j| / |U_i | U_j|, from co-support counts only


def n_chunks_for(n_rows: int) -> int:
    """Number of interleaved chunks: a few per thread, at most one per row."""
    return max(1, min(n_rows, 32 * numba.get_num_threads()))


@njit(cache=True, nogil=True, inline="always")
def _worse(value_a, rank_a, value_b, rank_b):
    """Whether candidate a ranks below candidate b (lower value, then rank)."""
    return value_a < value_b or (value_a == value_b and rank_a > rank_b)


@njit(cache=True, nogil=True)
def _sift_down(heap_idx, heap_val, heap_rank, size):
    """Restore the min-heap (worst candidate at the root) after a replace."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            return
        right = child + 1
        if right < size and _worse(
            heap_val[right], heap_rank[right], heap_val[child], heap_rank[child]
        ):
            child = right
        if not _worse(heap_val[child], heap_rank[child], heap_val[pos], heap_rank[pos]):
            return
        heap_idx[pos], heap_idx[child] = heap_idx[child], heap_idx[pos]
        heap_val[pos], heap_val[child] = heap_val[child], heap_val[pos]
        heap_rank[pos], heap_rank[child] = heap_rank[child], heap_rank[pos]
        pos = child


@njit(cache=True, nogil=True)
def _sift_up(heap_idx, heap_val, heap_rank, pos):
    """Restore the min-heap after appending at ``pos``."""
    while pos > 0:
        parent = (pos - 1) // 2
        if not _worse(
            heap_val[pos], heap_rank[pos], heap_val[parent], heap_rank[parent]
        ):
            return
        heap_idx[pos], heap_idx[parent] = heap_idx[parent], heap_idx[pos]
        heap_val[pos], heap_val[parent] = heap_val[parent], heap_val[pos]
        heap_rank[pos], heap_rank[parent] = heap_rank[parent], heap_rank[pos]
        pos = parent


@njit(cache=True, nogil=True)
def _heap_offer(heap_idx, heap_val, heap_rank, size, k, c, v, r):
    """Offer candidate ``c`` (value ``v``, rank ``r``) to a size-``k`` heap.

    The heap keeps the ``k`` best candidates seen so far with the worst at
    the root, so most candidates are rejected by one comparison. Best means
    highest value, ties broken by smaller rank (unique per column), so the
    result never depends on visiting order. Returns the new size.
    """
    if size < k:
        heap_idx[size] = c
        heap_val[size] = v
        heap_rank[size] = r
        _sift_up(heap_idx, heap_val, heap_rank, size)
        return size + 1
    if _worse(heap_val[0], heap_rank[0], v, r):
        heap_idx[0] = c
        heap_val[0] = v
        heap_rank[0] = r
        _sift_down(heap_idx, heap_val, heap_rank, size)
    return size


@njit(cache=True, nogil=True)
def _heap_drain(heap_idx, heap_val, heap_rank, size, out_idx, out_val):
    """Empty the heap into ``out_idx``/``out_val``, best first."""
    for last in range(size - 1, -1, -1):
        out_idx[last] = heap_idx[0]
        out_val[last] = heap_val[0]
        heap_idx[0] = heap_idx[last]
        heap_val[0] = heap_val[last]
        heap_rank[0] = heap_rank[last]
        _sift_down(heap_idx, heap_val, heap_rank, last)
    return size


@njit(cache=True, nogil=True)
def _select_top(cand, n_cand, values, rank, k, out_idx, out_val):
    """Write the ``k`` best of ``cand[:n_cand]`` (by ``values``, then ``rank``)
    into ``out_idx``/``out_val``, best first; return how many."""
    heap_idx = np.empty(k, dtype=np.int64)
    heap_val = np.empty(k)
    heap_rank = np.empty(k, dtype=np.int64)
    size = 0
    for t in range(n_cand):
        c = cand[t]
        v = values[c]
        r = rank[c]
        if size < k or _worse(heap_val[0], heap_rank[0], v, r):
            size = _heap_offer(heap_idx, heap_val, heap_rank, size, k, c, v, r)
    return _heap_drain(heap_idx, heap_val, heap_rank, size, out_idx, out_val)


@njit(cache=True, nogil=True)
def _kth_largest(values, size, k):
    """The ``k``-th largest (1-based) of ``values[:size]``, reordering them.

    Quickselect with a median-of-three pivot and a three-way partition, so
    the many exactly tied similarities of binary data cost no extra rounds.
    """
    lo = 0
    hi = size  # exclusive
    target = k - 1  # position in decreasing order
    while hi - lo > 1:
        a, b, c = values[lo], values[lo + (hi - lo) // 2], values[hi - 1]
        if a < b:
            a, b = b, a
        if b < c:
            b = c
            if a < b:
                b = a
        pivot = b
        # [lo, above) > pivot, [above, t) == pivot, (below, hi) < pivot
        above = lo
        t = lo
        below = hi - 1
        while t <= below:
            v = values[t]
            if v > pivot:
                values[t] = values[above]
                values[above] = v
                above += 1
                t += 1
            elif v < pivot:
                values[t] = values[below]
                values[below] = v
                below -= 1
            else:
                t += 1
        if target < above:
            hi = above
        elif target <= below:
            return pivot
        else:
            lo = below + 1
    return values[lo]


# Similarity histogram of a row, to find where its top k start in one cheap
# pass: buckets of relative width 2**-5 (the top 5 mantissa bits of the float)
# from 2**-24 up to 4; smaller values share the lowest bucket and larger ones
# the highest. Bucketing only has to be monotone for the selection to be
# exact, so the clamping costs nothing but speed on unusual data.
_MANTISSA_BITS = 5
_SHIFT = 52 - _MANTISSA_BITS
_LOWEST = int(np.float64(2.0**-24).view(np.int64)) >> _SHIFT
N_BUCKETS = (int(np.float64(4.0).view(np.int64)) >> _SHIFT) - _LOWEST + 1


@njit(cache=True, nogil=True, inline="always")
def _bucket(bits):
    """Histogram bucket of a positive float64 given by its bit pattern."""
    return min(max((bits >> _SHIFT) - _LOWEST, 0), N_BUCKETS - 1)


@njit(cache=True, nogil=True)
def _bucket_floor(bucket):
    """The smallest value that falls into ``bucket``."""
    if bucket == 0:
        return 0.0
    if bucket == N_BUCKETS:
        return np.inf
    bits = np.empty(1, dtype=np.int64)
    bits[0] = (bucket + _LOWEST) << _SHIFT
    return bits.view(np.float64)[0]


@njit(parallel=True, cache=True, nogil=True)
def item_knn(
    item_indptr,
    item_users,
    item_values,
    user_indptr,
    user_items,
    user_values,
    inv_norms,
    support,
    original,
    k,
    kind,
    unit_values,
    shrinkage,
    min_support,
    n_chunks,
):
    """Top-``k`` positive neighbours of every item.

    ``item_*`` is the item-major CSR (items x users) and ``user_*`` the
    user-major CSR (users x items) of the same (weighted, centred) matrix,
    with the items relabelled: internal item ``i`` is column ``original[i]``
    of the caller's matrix, and ``inv_norms`` and ``support`` (the number of
    users of each item) follow the internal labels. Numbering items by
    decreasing popularity packs the accumulator entries that nearly every
    row touches into a few cache lines.

    A ``DOT`` similarity is ``x_i . x_j * inv_norms[i] * inv_norms[j]``.
    With ``unit_values`` every stored value is taken as 1 and the value
    arrays are not read: the dot product is then the co-support count, which
    is all Jaccard needs and makes binary data cheaper. An item is never its
    own neighbour. Among equal similarities the smaller original column
    wins, so the result does not depend on the labelling or the threads.

    Returns ``(neighbours, similarities, counts)`` indexed by original
    column: ``neighbours[c, :counts[c]]`` holds column ``c``'s neighbours
    (original columns) in increasing order.
    """
    n_items = item_indptr.shape[0] - 1
    neighbours = np.empty((n_items, k), dtype=np.int32)
    similarities = np.empty((n_items, k), dtype=np.float64)
    counts = np.zeros(n_items, dtype=np.int32)
    for chunk in prange(n_chunks):
        # co-support counts: also tell whether j is already a candidate
        # (graded values can cancel to a dot product of exactly 0)
        co_support = np.zeros(n_items, dtype=np.int32)
        dot = np.zeros(0 if unit_values else n_items)
        cand = np.empty(n_items, dtype=np.int32)
        sims = np.empty(n_items)
        sim_bits = sims.view(np.int64)
        histogram = np.zeros(N_BUCKETS, dtype=np.int32)
        edge = np.empty(n_items, dtype=np.int32)
        scratch = np.empty(n_items)
        ties = np.empty(n_items, dtype=np.int32)
        row_idx = np.empty(k, dtype=np.int32)
        row_val = np.empty(k)
        for i in range(chunk, n_items, n_chunks):
            n_cand = 0
            # the hot loops, one per case so none carries unused bookkeeping
            for p in range(item_indptr[i], item_indptr[i + 1]):
                u = item_users[p]
                if unit_values:
                    for q in range(user_indptr[u], user_indptr[u + 1]):
                        j = user_items[q]
                        if co_support[j] == 0:
                            cand[n_cand] = j
                            n_cand += 1
                        co_support[j] += 1
                else:
                    x_ui = item_values[p]
                    for q in range(user_indptr[u], user_indptr[u + 1]):
                        j = user_items[q]
                        if co_support[j] == 0:
                            cand[n_cand] = j
                            n_cand += 1
                        co_support[j] += 1
                        dot[j] += x_ui * user_values[q]
            # one pass: finish each similarity, reset the accumulators, keep
            # the positive ones (compacted in place at the head of cand)
            n_pos = 0
            inv_i = inv_norms[i]
            for t in range(n_cand):
                j = cand[t]
                n_ij = co_support[j]
                co_support[j] = 0
                if unit_values:
                    raw = float(n_ij)
                else:
                    raw = dot[j]
                    dot[j] = 0.0
                if j == i or n_ij < min_support:
                    continue
                if kind == JACCARD:
                    sim = n_ij / (support[i] + support[j] - n_ij)
                else:
                    sim = raw * inv_i * inv_norms[j]
                if shrinkage > 0.0:
                    sim *= n_ij / (n_ij + shrinkage)
                if sim > 0.0:
                    cand[n_pos] = j
                    sims[n_pos] = sim
                    histogram[_bucket(sim_bits[n_pos])] += 1
                    n_pos += 1
            # the k best: all of them, or all those in the buckets above the
            # one holding the k-th largest, plus the best of that edge bucket
            size = 0
            if n_pos <= k:
                for t in range(n_pos):
                    row_idx[size] = original[cand[t]]
                    row_val[size] = sims[t]
                    size += 1
            else:
                above = 0
                bucket = N_BUCKETS - 1
                while above + histogram[bucket] < k:
                    above += histogram[bucket]
                    bucket -= 1
                floor = _bucket_floor(bucket)
                ceiling = _bucket_floor(bucket + 1)
                n_edge = 0
                for t in range(n_pos):
                    if sims[t] >= floor:  # rarely true: predictable
                        if sims[t] >= ceiling:
                            row_idx[size] = original[cand[t]]
                            row_val[size] = sims[t]
                            size += 1
                        else:
                            edge[n_edge] = t
                            scratch[n_edge] = sims[t]
                            n_edge += 1
                # exactly the k - above best of the edge bucket: those above
                # its k-th largest value, then the ties at it with the
                # smallest original columns
                threshold = _kth_largest(scratch, n_edge, k - size)
                n_ties = 0
                for e in range(n_edge):
                    t = edge[e]
                    if sims[t] > threshold:
                        row_idx[size] = original[cand[t]]
                        row_val[size] = sims[t]
                        size += 1
                    elif sims[t] == threshold:
                        ties[n_ties] = original[cand[t]]
                        n_ties += 1
                if n_ties > k - size:
                    ties[:n_ties].sort()
                for t in range(k - size):
                    row_idx[size] = ties[t]
                    row_val[size] = threshold
                    size += 1
            histogram[:] = 0  # a few hundred counters: cheaper than tracking
            # stored in original column order, as canonical CSR wants
            row = original[i]
            order = np.argsort(row_idx[:size])
            for t in range(size):
                neighbours[row, t] = row_idx[order[t]]
                similarities[row, t] = row_val[order[t]]
            counts[row] = size
    return neighbours, similarities, counts


@njit(cache=True, nogil=True)
def compact_rows(neighbours, similarities, counts):
    """Move the used head of every row to follow the previous row's, in place.

    Afterwards the first ``counts.sum()`` entries of the flattened arrays are
    the CSR ``indices`` and ``data``. Each row moves to an offset no larger
    than its own, so rows are copied front to back without overlap issues.
    """
    flat_idx = neighbours.reshape(-1)
    flat_val = similarities.reshape(-1)
    k = neighbours.shape[1]
    offset = 0
    for i in range(neighbours.shape[0]):
        start = i * k
        for t in range(counts[i]):
            flat_idx[offset + t] = flat_idx[start + t]
            flat_val[offset + t] = flat_val[start + t]
        offset += counts[i]


@njit(parallel=True, cache=True, nogil=True)
def recommend_top_n(
    user_indptr,
    user_items,
    user_values,
    sim_indptr,
    sim_indices,
    sim_values,
    n,
    exclude_seen,
    allowed,
    popularity_rank,
    popularity_order,
    n_chunks,
):
    """Top-``n`` items for every user row, scores ``x_u @ S``.

    Only ``allowed`` items are returned and, when ``exclude_seen``, never an
    item of the user's row. Ranking is by decreasing score, ties (notably the
    zero scores of items no neighbour reaches) by popularity rank; so a row
    gets ``min(n, n_eligible)`` items and an empty row gets the most popular
    eligible items with score 0. Unused slots hold item -1 and score NaN.
    """
    n_users = user_indptr.shape[0] - 1
    n_items = allowed.shape[0]
    items = np.full((n_users, n), -1, dtype=np.int64)
    scores = np.full((n_users, n), np.nan)
    counts = np.zeros(n_users, dtype=np.int64)
    for chunk in prange(n_chunks):
        acc = np.zeros(n_items)
        touched = np.zeros(n_items, dtype=np.bool_)
        seen_by = np.full(n_items, -1, dtype=np.int64)
        cand = np.empty(n_items, dtype=np.int64)
        pick = np.empty(n_items, dtype=np.int64)
        for u in range(chunk, n_users, n_chunks):
            n_cand = 0
            for p in range(user_indptr[u], user_indptr[u + 1]):
                i = user_items[p]
                x_ui = user_values[p]
                seen_by[i] = u
                for q in range(sim_indptr[i], sim_indptr[i + 1]):
                    j = sim_indices[q]
                    if not touched[j]:
                        touched[j] = True
                        cand[n_cand] = j
                        n_cand += 1
                    acc[j] += x_ui * sim_values[q]
            # positive scores first
            n_pick = 0
            for t in range(n_cand):
                j = cand[t]
                if (
                    acc[j] > 0.0
                    and allowed[j]
                    and not (exclude_seen and seen_by[j] == u)
                ):
                    pick[n_pick] = j
                    n_pick += 1
            filled = _select_top(
                pick, n_pick, acc, popularity_rank, n, items[u], scores[u]
            )
            # then zero scores by popularity
            for t in range(n_items):
                if filled == n:
                    break
                j = popularity_order[t]
                if (
                    acc[j] == 0.0
                    and allowed[j]
                    and not (exclude_seen and seen_by[j] == u)
                ):
                    items[u, filled] = j
                    scores[u, filled] = 0.0
                    filled += 1
            # negative scores (possible only with negative input values) last
            if filled < n:
                n_pick = 0
                for t in range(n_cand):
                    j = cand[t]
                    if (
                        acc[j] < 0.0
                        and allowed[j]
                        and not (exclude_seen and seen_by[j] == u)
                    ):
                        pick[n_pick] = j
                        n_pick += 1
                filled += _select_top(
                    pick,
                    n_pick,
                    acc,
                    popularity_rank,
                    n - filled,
                    items[u, filled:],
                    scores[u, filled:],
                )
            counts[u] = filled
            for t in range(n_cand):
                j = cand[t]
                touched[j] = False
                acc[j] = 0.0
    return items, scores, counts
