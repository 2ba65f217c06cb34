// Stable sort along the middle axis of a contiguous [outer, len, inner]
// buffer: values and int64 source indices. One thread per line, binary
// insertion sort into the output (O(len^2) moves: fine for the row lengths of
// topk/sort on logits; a block-wide merge sort is the upgrade). NaN sorts as
// the largest value, as in PyTorch.

__device__ __forceinline__ bool sort_less(acc_t a, acc_t b) {
    bool an = a != a, bn = b != b;
    if (an || bn) return !an && bn;
    return a < b;
}

extern "C" __global__ void sort_lines(const scalar_t *x, scalar_t *vals, i64 *idx, i64 outer, i64 len,
                                      i64 inner, int descending) {
    GRID_STRIDE_LOOP(t, outer * inner) {
        i64 o = t / inner, in = t % inner;
        i64 base = o * len * inner + in;
        for (i64 j = 0; j < len; ++j) {
            acc_t v = to_acc(x[base + j * inner]);
            // Upper bound: the first slot whose value comes strictly after v,
            // so equal keys keep their input order (stable).
            i64 lo = 0, hi = j;
            while (lo < hi) {
                i64 mid = (lo + hi) / 2;
                acc_t m = to_acc(vals[base + mid * inner]);
                bool after = descending ? sort_less(m, v) : sort_less(v, m);
                if (after) hi = mid; else lo = mid + 1;
            }
            for (i64 k = j; k > lo; --k) {
                vals[base + k * inner] = vals[base + (k - 1) * inner];
                idx[base + k * inner] = idx[base + (k - 1) * inner];
            }
            vals[base + lo * inner] = x[base + j * inner];
            idx[base + lo * inner] = j;
        }
    }
}
