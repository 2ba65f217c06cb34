// Indexing kernels on contiguous buffers viewed as [outer, dim, inner]:
// index_select (and embedding), gather, scatter / scatter_add, cumsum.
// An index outside [0, size) (negative ones included, as PyTorch) sets *err
// and is skipped; the engine reads the flag back and raises the error.

extern "C" __global__ void index_select(const scalar_t *src, const i64 *idx, scalar_t *out, i64 outer,
                                        i64 dim, i64 inner, i64 nidx, int *err) {
    i64 n = outer * nidx * inner;
    GRID_STRIDE_LOOP(i, n) {
        i64 in = i % inner, k = (i / inner) % nidx, o = i / (inner * nidx);
        i64 j = idx[k];
        if (j < 0 || j >= dim) { *err = 1; continue; }
        out[i] = src[(o * dim + j) * inner + in];
    }
}

// out[p] = src[p with coordinate `dim` replaced by idx[p]]; p runs over
// idx's shape (ishape, contiguous); src is contiguous with shape sshape.
extern "C" __global__ void gather(const scalar_t *src, Strided sshape, const i64 *idx, Strided ishape,
                                  scalar_t *out, i64 n, int dim, int *err) {
    GRID_STRIDE_LOOP(i, n) {
        i64 rem = i, off = 0, stride = 1;
        for (int d = (int)ishape.ndim - 1; d >= 0; --d) {
            i64 c = rem % ishape.shape[d];
            rem /= ishape.shape[d];
            if (d == dim) {
                c = idx[i];
                if (c < 0 || c >= sshape.shape[d]) { *err = 1; c = 0; }
            }
            off += c * stride;
            stride *= sshape.shape[d];
        }
        out[i] = src[off];
    }
}

// dst (contiguous, shape dshape)[p with dim replaced by idx[p]] = (or +=)
// src[p], p over idx's shape; src read through its own strides (`sl`,
// whose shape is idx's).
extern "C" __global__ void scatter(scalar_t *dst, Strided dshape, const i64 *idx, Strided ishape,
                                   const scalar_t *src, Strided sl, i64 n, int dim, int accumulate, int *err) {
    GRID_STRIDE_LOOP(i, n) {
        i64 rem = i, off = 0, stride = 1;
        bool bad = false;
        for (int d = (int)ishape.ndim - 1; d >= 0; --d) {
            i64 c = rem % ishape.shape[d];
            rem /= ishape.shape[d];
            if (d == dim) {
                c = idx[i];
                if (c < 0 || c >= dshape.shape[d]) bad = true;
            }
            off += c * stride;
            stride *= dshape.shape[d];
        }
        if (bad) { *err = 1; continue; }
        scalar_t v = src[strided_offset(sl, i)];
        if (accumulate) atomic_add_elem(dst + off, to_acc(v));
        else dst[off] = v;
    }
}

// Inclusive prefix sum along the middle axis; one thread per (outer, inner)
// line, accumulating in acc_t.
extern "C" __global__ void cumsum(const scalar_t *x, scalar_t *out, i64 outer, i64 len, i64 inner) {
    GRID_STRIDE_LOOP(t, outer * inner) {
        i64 o = t / inner, in = t % inner;
        acc_t acc = 0;
        for (i64 j = 0; j < len; ++j) {
            i64 p = (o * len + j) * inner + in;
            acc += to_acc(x[p]);
            out[p] = from_acc(acc);
        }
    }
}
