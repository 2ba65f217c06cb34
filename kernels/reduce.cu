// Reductions over the last axis of a contiguous [rows, len] buffer (the
// engine first permutes the reduced dims to the end and copies). One block
// of REDUCE_THREADS threads per row: each thread folds a strided share of the
// row, then a shared-memory tree combines the partials. Sums of the half
// types accumulate in f32.

#define REDUCE_THREADS 256

__device__ __forceinline__ acc_t reduce_identity(int op) {
    switch (op) {
    case ROP_PROD: return (acc_t)1;
#if defined(TT_FLOAT)
    case ROP_MAX: return -(acc_t)TT_INF;
    case ROP_MIN: return (acc_t)TT_INF;
#else
    case ROP_MAX: return (acc_t)(-9223372036854775807LL - 1);
    case ROP_MIN: return (acc_t)9223372036854775807LL;
#endif
    default: return (acc_t)0;
    }
}

// NaN wins max and min, as in PyTorch.
__device__ __forceinline__ acc_t reduce_combine(int op, acc_t a, acc_t b) {
    switch (op) {
    case ROP_PROD: return a * b;
    case ROP_MAX: return (a != a || a > b) ? a : b;
    case ROP_MIN: return (a != a || a < b) ? a : b;
    case ROP_ANY: return (acc_t)((a != 0) || (b != 0));
    case ROP_ALL: return (acc_t)((a != 0) && (b != 0));
    default: return a + b;
    }
}

extern "C" __global__ void reduce_rows(const scalar_t *x, scalar_t *out, i64 len, int op) {
    __shared__ acc_t part[REDUCE_THREADS];
    const scalar_t *row = x + (i64)blockIdx.x * len;
    acc_t acc = op == ROP_ALL ? (acc_t)1 : reduce_identity(op);
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) acc = reduce_combine(op, acc, to_acc(row[j]));
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) part[threadIdx.x] = reduce_combine(op, part[threadIdx.x], part[threadIdx.x + s]);
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = from_acc(part[0]);
}

// any / all with a bool output.
extern "C" __global__ void reduce_rows_bool(const scalar_t *x, u8 *out, i64 len, int op) {
    __shared__ int part[REDUCE_THREADS];
    const scalar_t *row = x + (i64)blockIdx.x * len;
    int acc = op == ROP_ALL ? 1 : 0;
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
        int nz = to_acc(row[j]) != (acc_t)0;
        acc = op == ROP_ALL ? (acc && nz) : (acc || nz);
    }
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            int a = part[threadIdx.x], b = part[threadIdx.x + s];
            part[threadIdx.x] = op == ROP_ALL ? (a && b) : (a || b);
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = (u8)part[0];
}

// argmax / argmin: the first index of the extreme value; NaN counts as the
// extreme (the first NaN wins). Ties between partials keep the lower index.
__device__ __forceinline__ bool arg_better(int op, acc_t v, i64 i, acc_t bv, i64 bi) {
    if (bi < 0) return true;
    bool vn = v != v, bn = bv != bv;
    if (bn) return vn && i < bi;
    if (vn) return true;
    if (v == bv) return i < bi;
    return op == ROP_ARGMAX ? v > bv : v < bv;
}

extern "C" __global__ void reduce_rows_arg(const scalar_t *x, i64 *out, i64 len, int op) {
    __shared__ acc_t pv[REDUCE_THREADS];
    __shared__ i64 pi[REDUCE_THREADS];
    const scalar_t *row = x + (i64)blockIdx.x * len;
    acc_t bv = (acc_t)0;
    i64 bi = -1;
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
        acc_t v = to_acc(row[j]);
        if (arg_better(op, v, j, bv, bi)) { bv = v; bi = j; }
    }
    pv[threadIdx.x] = bv;
    pi[threadIdx.x] = bi;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s && pi[threadIdx.x + s] >= 0 &&
            arg_better(op, pv[threadIdx.x + s], pi[threadIdx.x + s], pv[threadIdx.x], pi[threadIdx.x])) {
            pv[threadIdx.x] = pv[threadIdx.x + s];
            pi[threadIdx.x] = pi[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = pi[0] < 0 ? 0 : pi[0];
}

#if defined(TT_FLOAT)
// Row-wise softmax / log_softmax of a contiguous [rows, len] buffer, in acc_t:
// m = max, s = sum exp(x - m); softmax = exp(x - m) / s, log_softmax = x - m - log s.
extern "C" __global__ void softmax_rows(const scalar_t *x, scalar_t *out, i64 len, int log_out) {
    __shared__ acc_t part[REDUCE_THREADS];
    const scalar_t *row = x + (i64)blockIdx.x * len;
    scalar_t *orow = out + (i64)blockIdx.x * len;
    acc_t m = reduce_identity(ROP_MAX);
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) m = reduce_combine(ROP_MAX, m, to_acc(row[j]));
    part[threadIdx.x] = m;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) part[threadIdx.x] = reduce_combine(ROP_MAX, part[threadIdx.x], part[threadIdx.x + s]);
        __syncthreads();
    }
    m = part[0];
    // An infinite max (a row of -inf, or +inf present) shifts by 0, as the
    // engine's composite softmax does.
    if (m == TT_INF || m == -TT_INF) m = 0;
    __syncthreads();
    acc_t sum = 0;
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) sum += exp(to_acc(row[j]) - m);
    part[threadIdx.x] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    sum = part[0];
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
        acc_t v = to_acc(row[j]) - m;
        orow[j] = from_acc(log_out ? v - log(sum) : exp(v) / sum);
    }
}

// Row-wise layer norm (rms = 0: (x - mean) / sqrt(var + eps), biased var) or
// RMS norm (rms = 1: x / sqrt(mean(x^2) + eps)), no affine; writes the
// per-row mean (0 for RMS) and rstd for the backward.
extern "C" __global__ void norm_rows(const scalar_t *x, scalar_t *out, float *mean_out, float *rstd_out,
                                     i64 len, double eps, int rms) {
    __shared__ acc_t part[REDUCE_THREADS];
    const scalar_t *row = x + (i64)blockIdx.x * len;
    scalar_t *orow = out + (i64)blockIdx.x * len;
    acc_t mean = 0;
    if (!rms) {
        acc_t s = 0;
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) s += to_acc(row[j]);
        part[threadIdx.x] = s;
        __syncthreads();
        for (int k = blockDim.x / 2; k > 0; k >>= 1) {
            if (threadIdx.x < k) part[threadIdx.x] += part[threadIdx.x + k];
            __syncthreads();
        }
        mean = part[0] / (acc_t)len;
        __syncthreads();
    }
    acc_t q = 0;
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
        acc_t d = to_acc(row[j]) - mean;
        q += d * d;
    }
    part[threadIdx.x] = q;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) part[threadIdx.x] += part[threadIdx.x + k];
        __syncthreads();
    }
    acc_t rstd = (acc_t)1 / sqrt(part[0] / (acc_t)len + (acc_t)eps);
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) orow[j] = from_acc((to_acc(row[j]) - mean) * rstd);
    if (threadIdx.x == 0) {
        mean_out[blockIdx.x] = (float)mean;
        rstd_out[blockIdx.x] = (float)rstd;
    }
}
#endif
