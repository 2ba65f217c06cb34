// Strided elementwise kernels: unary, binary, compare, where, copy, cast,
// fill, arange. One thread per output element (grid-stride loop); inputs are
// read through `Strided` views, so broadcasts (stride 0), transposes and
// slices need no copy. Outputs are contiguous except in `copy_into`.
//
// The op is a runtime argument (one module per dtype, not per op). The
// formulas are not written here: each is a row of the engine's pointwise
// tables (engine/src/ops/pointwise/), and the engine defines the TT_*_CASES
// macros below as one `case CODE: return (EXPR);` per row before compiling,
// so the codes and expressions the launcher knows are the ones compiled.
// Rows see `x` (binary: `a`, `b`) in acc_t, the parameters `p0 p1 p2` as
// doubles, and the constants and helpers below.
//
//   TT_UNARY_CASES        rows with an integer formula (every dtype)
//   TT_UNARY_FLOAT_CASES  float-only rows
//   TT_TEST_CASES         bool-valued rows (isnan, signbit, ...)
//   TT_BINARY_CASES       binary rows for every dtype
//   TT_BINARY_FLOAT_CASES / TT_BINARY_INT_CASES  float-only / integer-only
//   TT_COMPARE_CASES      comparisons and logical ops

// ---- helpers the rows call (one spelling for float and integer acc_t) ----
#if defined(TT_FLOAT)
__device__ __forceinline__ acc_t abs_acc(acc_t x) { return fabs(x); } // abs(-0.0) = +0.0
__device__ __forceinline__ bool signbit_acc(acc_t x) {
#if defined(TT_F64)
    return __double_as_longlong(x) < 0;
#else
    return __float_as_int(x) < 0;
#endif
}
__device__ __forceinline__ acc_t pow_scalar_acc(acc_t x, double e) { return pow(x, (acc_t)e); }
__device__ __forceinline__ acc_t pow_acc(acc_t a, acc_t b) { return pow(a, b); }
// clamp bounds arrive as doubles, +-inf where absent: NaN passes, and hi
// wins when lo > hi, as torch.clamp
__device__ __forceinline__ acc_t clamp_acc(acc_t x, double lo, double hi) {
    acc_t r = x < (acc_t)lo ? (acc_t)lo : x;
    return r > (acc_t)hi ? (acc_t)hi : r;
}
#else
__device__ __forceinline__ acc_t abs_acc(acc_t x) { return x < 0 ? -x : x; }
__device__ __forceinline__ bool signbit_acc(acc_t x) { return x < 0; }
__device__ __forceinline__ acc_t pow_scalar_acc(acc_t x, double p) {
    i64 e = (i64)p, r = 1, b = x;
    while (e > 0) { if (e & 1) r *= b; b *= b; e >>= 1; }
    return r;
}
__device__ __forceinline__ acc_t pow_acc(acc_t a, acc_t b) { return pow_scalar_acc(a, (double)b); }
// integer tensors see integral bounds; an infinite bound never applies
__device__ __forceinline__ acc_t clamp_acc(acc_t x, double lo, double hi) {
    acc_t r = (double)x < lo ? (acc_t)ceil(lo) : x;
    return (double)r > hi ? (acc_t)floor(hi) : r;
}
#endif
__device__ __forceinline__ acc_t sign_acc(acc_t x) { return (acc_t)((x > 0) - (x < 0)); } // NaN -> 0
__device__ __forceinline__ acc_t clip_acc(acc_t x, acc_t lo, acc_t hi) {
    acc_t r = x < lo ? lo : x;
    return r > hi ? hi : r;
}

#if defined(TT_FLOAT)
// Python's %: the result takes the divisor's sign.
__device__ __forceinline__ acc_t rem_acc(acc_t a, acc_t b) {
    acc_t r = fmod(a, b);
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
__device__ __forceinline__ acc_t fmod_acc(acc_t a, acc_t b) { return fmod(a, b); }
// Python's float a // b as PyTorch computes it (div_floor_floating): from
// fmod, so 2 // 0.1 is 19 and (a // b) * b + a % b == a.
__device__ __forceinline__ acc_t floor_div_acc(acc_t a, acc_t b) {
    if (b == (acc_t)0) return a / b;
    acc_t m = fmod(a, b);
    acc_t d = (a - m) / b;
    if (m != (acc_t)0 && ((b < (acc_t)0) != (m < (acc_t)0))) d -= (acc_t)1;
    if (d != (acc_t)0) {
        acc_t f = floor(d);
        return d - f > (acc_t)0.5 ? f + (acc_t)1 : f;
    }
    return copysign((acc_t)0, a / b);
}
__device__ __forceinline__ acc_t trunc_div_acc(acc_t a, acc_t b) { return trunc(a / b); }
__device__ __forceinline__ acc_t xlogy_acc(acc_t a, acc_t b) {
    if (b != b) return b;
    return a == 0 ? (acc_t)0 : a * log(b);
}
__device__ __forceinline__ acc_t erfinv_acc(acc_t x) {
#if defined(TT_F64)
    return erfinv(x);
#else
    return erfinvf(x);
#endif
}
// PyTorch passes eps = -1 for logit(eps=None): no clamp
__device__ __forceinline__ acc_t logit_acc(acc_t x, double eps) {
    acc_t z = eps < 0 ? x : clip_acc(x, (acc_t)eps, (acc_t)(1.0 - eps));
    return log(z / ((acc_t)1 - z));
}
__device__ __forceinline__ acc_t softplus_acc(acc_t x, double beta, double threshold) {
    acc_t bx = x * (acc_t)beta;
    return bx > (acc_t)threshold ? x : log1p(exp(bx)) / (acc_t)beta;
}
__device__ __forceinline__ acc_t elu_acc(acc_t x, double alpha, double scale, double input_scale) {
    return x <= 0 ? expm1(x * (acc_t)input_scale) * (acc_t)(alpha * scale) : x * (acc_t)scale;
}
__device__ __forceinline__ acc_t hardsigmoid_acc(acc_t x) {
    return clip_acc(x + (acc_t)3, (acc_t)0, (acc_t)6) / (acc_t)6;
}
__device__ __forceinline__ acc_t log_sigmoid_acc(acc_t x) {
    return (x < 0 ? x : (acc_t)0) - log1p(exp(-fabs(x)));
}
__device__ __forceinline__ acc_t nan_to_num_acc(acc_t x, double nan, double posinf, double neginf) {
    if (x != x) return (acc_t)nan;
    if (x == TT_INF) return (acc_t)posinf;
    if (x == -TT_INF) return (acc_t)neginf;
    return x;
}
// u = k (x + c x^3), t = tanh u: d/dx = 1/2 (1 + t) + x/2 (1 - t^2) k (1 + 3 c x^2)
__device__ __forceinline__ acc_t gelu_tanh_grad_acc(acc_t x) {
    const acc_t k = (acc_t)0.79788456080286535588, c = (acc_t)0.044715, half = (acc_t)0.5;
    acc_t t = tanh(k * (x + c * x * x * x));
    return half * ((acc_t)1 + t) + half * x * ((acc_t)1 - t * t) * k * ((acc_t)1 + (acc_t)3 * c * x * x);
}
#else
// Integer division by zero is an error the engine reports before launch;
// b == -1 separately: MIN / -1 wraps to MIN, as PyTorch's CPU kernel.
__device__ __forceinline__ acc_t rem_acc(acc_t a, acc_t b) {
    if (b == 0 || b == -1) return 0;
    i64 r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
__device__ __forceinline__ acc_t fmod_acc(acc_t a, acc_t b) { return b == 0 || b == -1 ? 0 : a % b; }
__device__ __forceinline__ acc_t floor_div_acc(acc_t a, acc_t b) {
    if (b == 0) return 0;
    if (b == -1) return (i64)(0ULL - (unsigned long long)a);
    i64 q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
__device__ __forceinline__ acc_t trunc_div_acc(acc_t a, acc_t b) {
    return b == 0 ? 0 : b == -1 ? (i64)(0ULL - (unsigned long long)a) : a / b;
}
#endif

// ---- the tables' rows ------------------------------------------------------
__device__ acc_t unary_apply(int op, acc_t x, double p0, double p1, double p2) {
    const acc_t zero = (acc_t)0, one = (acc_t)1, half = (acc_t)0.5;
    (void)zero, (void)one, (void)half; // not every dtype's rows use all three
    switch (op) {
    TT_UNARY_CASES
#if defined(TT_FLOAT)
    TT_UNARY_FLOAT_CASES
#endif
    default: return x;
    }
}

__device__ bool test_apply(int op, acc_t x) {
    const acc_t zero = (acc_t)0;
    (void)zero;
    switch (op) {
    TT_TEST_CASES
    default: return false;
    }
}

__device__ acc_t binary_apply(int op, acc_t a, acc_t b) {
    switch (op) {
    TT_BINARY_CASES
#if defined(TT_FLOAT)
    TT_BINARY_FLOAT_CASES
#else
    TT_BINARY_INT_CASES
#endif
    default: return a;
    }
}

__device__ bool compare_apply(int op, acc_t a, acc_t b) {
    switch (op) {
    TT_COMPARE_CASES
    default: return false;
    }
}

extern "C" __global__ void unary(const scalar_t *x, Strided xl, scalar_t *out, i64 n, int op,
                                 double p0, double p1, double p2) {
    GRID_STRIDE_LOOP(i, n) {
        out[i] = from_acc(unary_apply(op, to_acc(x[strided_offset(xl, i)]), p0, p1, p2));
    }
}

// Bool-valued unary functions: logical_not, isnan, isinf, signbit, ...
extern "C" __global__ void unary_bool(const scalar_t *x, Strided xl, u8 *out, i64 n, int op) {
    GRID_STRIDE_LOOP(i, n) { out[i] = (u8)test_apply(op, to_acc(x[strided_offset(xl, i)])); }
}

extern "C" __global__ void binary(const scalar_t *a, Strided al, const scalar_t *b, Strided bl,
                                  scalar_t *out, i64 n, int op) {
    GRID_STRIDE_LOOP(i, n) {
        acc_t x = to_acc(a[strided_offset(al, i)]);
        acc_t y = to_acc(b[strided_offset(bl, i)]);
        out[i] = from_acc(binary_apply(op, x, y));
    }
}

// Comparisons and logical ops: bool output.
extern "C" __global__ void compare(const scalar_t *a, Strided al, const scalar_t *b, Strided bl,
                                   u8 *out, i64 n, int op) {
    GRID_STRIDE_LOOP(i, n) {
        acc_t x = to_acc(a[strided_offset(al, i)]);
        acc_t y = to_acc(b[strided_offset(bl, i)]);
        out[i] = (u8)compare_apply(op, x, y);
    }
}

extern "C" __global__ void where_cond(const u8 *c, Strided cl, const scalar_t *a, Strided al,
                                      const scalar_t *b, Strided bl, scalar_t *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) {
        out[i] = c[strided_offset(cl, i)] ? a[strided_offset(al, i)] : b[strided_offset(bl, i)];
    }
}

// Contiguous copy of a strided view.
extern "C" __global__ void copy_strided(const scalar_t *x, Strided xl, scalar_t *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = x[strided_offset(xl, i)]; }
}

// Writes a strided source into a strided destination (both of one shape).
extern "C" __global__ void copy_into(const scalar_t *src, Strided sl, scalar_t *dst, Strided dl, i64 n) {
    GRID_STRIDE_LOOP(i, n) { dst[strided_offset(dl, i)] = src[strided_offset(sl, i)]; }
}

extern "C" __global__ void fill(scalar_t *out, i64 n, double v) {
    scalar_t x = from_f64(v);
    GRID_STRIDE_LOOP(i, n) { out[i] = x; }
}

// start + i * step, computed in double as PyTorch's CPU arange.
extern "C" __global__ void arange(scalar_t *out, i64 n, double start, double step) {
    GRID_STRIDE_LOOP(i, n) { out[i] = from_f64(start + (double)i * step); }
}

// Casts from this module's dtype to each destination type. Integer to
// integer stays in i64 (no rounding through double); float to integer
// truncates toward zero, as a C cast and PyTorch.
__device__ __forceinline__ i64 to_i64_exact(scalar_t v) { return (i64)to_acc(v); }
extern "C" __global__ void cast_f32(const scalar_t *x, Strided xl, float *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = (float)to_acc(x[strided_offset(xl, i)]); }
}
extern "C" __global__ void cast_f64(const scalar_t *x, Strided xl, double *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = to_f64(x[strided_offset(xl, i)]); }
}
extern "C" __global__ void cast_f16(const scalar_t *x, Strided xl, f16_t *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = f32_to_f16((float)to_acc(x[strided_offset(xl, i)])); }
}
extern "C" __global__ void cast_bf16(const scalar_t *x, Strided xl, bf16_t *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = f32_to_bf16((float)to_acc(x[strided_offset(xl, i)])); }
}
extern "C" __global__ void cast_i32(const scalar_t *x, Strided xl, i32 *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = (i32)to_i64_exact(x[strided_offset(xl, i)]); }
}
extern "C" __global__ void cast_i64(const scalar_t *x, Strided xl, i64 *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = to_i64_exact(x[strided_offset(xl, i)]); }
}
extern "C" __global__ void cast_bool(const scalar_t *x, Strided xl, u8 *out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = (u8)(to_acc(x[strided_offset(xl, i)]) != (acc_t)0); }
}
