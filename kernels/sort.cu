// Stable sort along the middle axis of a contiguous [outer, len, inner]
// buffer: values and int64 source indices. One thread per line, binary
// insertion sort into the output (O(len^2) moves: fine for the row lengths of
// short lines; `sort_block` below takes lines up to SORT_BLOCK_MAX). NaN
// sorts as the largest value, as in PyTorch.

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

// Block-wide bitonic sort: one block per line, keys and source indices in
// shared memory, padded to a power of two. Bitonic networks are not stable,
// so the order compares (key, source index): equal keys keep input order,
// exactly what `sort_lines` gives. Padding slots (index >= len) sort last.
// Lines longer than SORT_BLOCK_MAX go to `sort_lines` (the launcher chooses).
#define SORT_BLOCK_MAX 2048

__device__ __forceinline__ bool sort_before(acc_t ak, i64 ai, acc_t bk, i64 bi, i64 len, int descending) {
    bool ap = ai >= len, bp = bi >= len;
    if (ap != bp) return bp;
    if (ap) return ai < bi;
    bool first = descending ? sort_less(bk, ak) : sort_less(ak, bk);
    bool second = descending ? sort_less(ak, bk) : sort_less(bk, ak);
    if (first || second) return first;
    return ai < bi;
}

extern "C" __global__ void sort_block(const scalar_t *x, scalar_t *vals, i64 *idx, i64 outer, i64 len,
                                      i64 inner, int descending) {
    __shared__ acc_t keys[SORT_BLOCK_MAX];
    __shared__ i64 src[SORT_BLOCK_MAX];
    i64 p2 = 1;
    while (p2 < len) p2 <<= 1;
    for (i64 line = blockIdx.x; line < outer * inner; line += gridDim.x) {
        i64 o = line / inner, in = line % inner;
        i64 base = o * len * inner + in;
        for (i64 i = threadIdx.x; i < p2; i += blockDim.x) {
            keys[i] = i < len ? to_acc(x[base + i * inner]) : (acc_t)0;
            src[i] = i;
        }
        __syncthreads();
        for (i64 k = 2; k <= p2; k <<= 1) {
            for (i64 j = k >> 1; j > 0; j >>= 1) {
                for (i64 i = threadIdx.x; i < p2; i += blockDim.x) {
                    i64 l = i ^ j;
                    if (l > i) {
                        // ascending runs where bit k of i is clear, descending where set
                        bool up = (i & k) == 0;
                        bool swap = up ? sort_before(keys[l], src[l], keys[i], src[i], len, descending)
                                       : sort_before(keys[i], src[i], keys[l], src[l], len, descending);
                        if (swap) {
                            acc_t tk = keys[i];
                            keys[i] = keys[l];
                            keys[l] = tk;
                            i64 ts = src[i];
                            src[i] = src[l];
                            src[l] = ts;
                        }
                    }
                }
                __syncthreads();
            }
        }
        for (i64 i = threadIdx.x; i < len; i += blockDim.x) {
            // copy the stored element itself (keeps NaN payloads and -0.0)
            vals[base + i * inner] = x[base + src[i] * inner];
            idx[base + i * inner] = src[i];
        }
        __syncthreads();
    }
}
