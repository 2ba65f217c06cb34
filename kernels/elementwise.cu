// Strided elementwise kernels: unary, binary, compare, where, copy, cast,
// fill, arange. One thread per output element (grid-stride loop); inputs are
// read through `Strided` views, so broadcasts (stride 0), transposes and
// slices need no copy. Outputs are contiguous except in `copy_into`.
//
// The op is a runtime argument (one module per dtype, not per op): the
// engine prepends the UOP_*/BOP_* codes from its own table.

#if defined(TT_FLOAT)
__device__ __forceinline__ acc_t erf_acc(acc_t x) { return erf(x); }
__device__ acc_t unary_float(int op, acc_t x, double p0, double p1) {
    const acc_t half = (acc_t)0.5, one = (acc_t)1.0;
    switch (op) {
    case UOP_EXP: return exp(x);
    case UOP_LOG: return log(x);
    case UOP_LOG1P: return log1p(x);
    case UOP_SIN: return sin(x);
    case UOP_COS: return cos(x);
    case UOP_TANH: return tanh(x);
    case UOP_SIGMOID: return one / (one + exp(-x));
    case UOP_SQRT: return sqrt(x);
    case UOP_RSQRT: return one / sqrt(x);
    case UOP_RECIP: return one / x;
    case UOP_ERF: return erf_acc(x);
    case UOP_FLOOR: return floor(x);
    case UOP_CEIL: return ceil(x);
    case UOP_ROUND: return rint(x); // half to even, as torch.round
    case UOP_TRUNC: return trunc(x);
    // gelu(x) = x * Phi(x) = x/2 (1 + erf(x / sqrt 2))
    case UOP_GELU: return half * x * (one + erf_acc(x * (acc_t)0.70710678118654752440));
    // tanh form: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    case UOP_GELU_TANH: {
        acc_t k = (acc_t)0.79788456080286535588, c = (acc_t)0.044715;
        return half * x * (one + tanh(k * (x + c * x * x * x)));
    }
    case UOP_SILU: return x / (one + exp(-x));
    case UOP_LEAKY_RELU: return x > 0 ? x : x * (acc_t)p0;
    // d/dx x Phi(x) = Phi(x) + x phi(x)
    case UOP_GELU_GRAD: {
        acc_t cdf = half * (one + erf_acc(x * (acc_t)0.70710678118654752440));
        acc_t pdf = exp(-half * x * x) * (acc_t)0.39894228040143267794;
        return cdf + x * pdf;
    }
    // u = k (x + c x^3), t = tanh u: d/dx = 1/2 (1 + t) + x/2 (1 - t^2) k (1 + 3 c x^2)
    case UOP_GELU_TANH_GRAD: {
        acc_t k = (acc_t)0.79788456080286535588, c = (acc_t)0.044715;
        acc_t t = tanh(k * (x + c * x * x * x));
        return half * (one + t) + half * x * (one - t * t) * k * (one + (acc_t)3.0 * c * x * x);
    }
    // s = sigmoid x: d/dx x s = s (1 + x (1 - s))
    case UOP_SILU_GRAD: {
        acc_t s = one / (one + exp(-x));
        return s * (one + x * (one - s));
    }
    case UOP_STEP_GRAD: return x > 0 ? one : (acc_t)p0;
    case UOP_SCALAR_POW: return pow((acc_t)p0, x);
    default: return x;
    }
}
#endif

__device__ acc_t unary_apply(int op, acc_t x, double p0, double p1, int has_lo, int has_hi) {
    switch (op) {
    case UOP_NEG: return -x;
#if defined(TT_FLOAT)
    case UOP_ABS: return fabs(x); // abs(-0.0) = +0.0
#else
    case UOP_ABS: return x < 0 ? -x : x;
#endif
    case UOP_SIGN: return (acc_t)((x > 0) - (x < 0));
    case UOP_SQUARE: return x * x;
    case UOP_RELU: return (x > 0 || x != x) ? x : (acc_t)0; // NaN passes, as PyTorch
    case UOP_CLAMP: {
        // NaN stays NaN (comparisons are false), as torch.clamp.
        acc_t r = x;
        if (has_lo && r < (acc_t)p0) r = (acc_t)p0;
        if (has_hi && r > (acc_t)p1) r = (acc_t)p1;
        return r;
    }
    case UOP_POW_SCALAR: {
#if defined(TT_FLOAT)
        return pow(x, (acc_t)p0);
#else
        i64 e = (i64)p0, r = 1, b = x;
        while (e > 0) { if (e & 1) r *= b; b *= b; e >>= 1; }
        return r;
#endif
    }
    default:
#if defined(TT_FLOAT)
        return unary_float(op, x, p0, p1);
#else
        return x;
#endif
    }
}

extern "C" __global__ void unary(const scalar_t *x, Strided xl, scalar_t *out, i64 n, int op,
                                 double p0, double p1, int has_lo, int has_hi) {
    GRID_STRIDE_LOOP(i, n) {
        out[i] = from_acc(unary_apply(op, to_acc(x[strided_offset(xl, i)]), p0, p1, has_lo, has_hi));
    }
}

// Bool-valued unary functions: logical_not and isnan.
extern "C" __global__ void unary_bool(const scalar_t *x, Strided xl, u8 *out, i64 n, int op) {
    GRID_STRIDE_LOOP(i, n) {
        acc_t v = to_acc(x[strided_offset(xl, i)]);
        out[i] = op == UOP_LOGICAL_NOT ? (u8)(v == (acc_t)0) : (u8)(v != v);
    }
}

#if defined(TT_FLOAT)
// Python's float a // b as PyTorch computes it (div_floor_floating): from
// fmod, so 2 // 0.1 is 19 and (a // b) * b + a % b == a.
__device__ acc_t floor_div_float(acc_t a, acc_t b) {
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
#endif

__device__ acc_t binary_apply(int op, acc_t a, acc_t b) {
    switch (op) {
    case BOP_ADD: return a + b;
    case BOP_SUB: return a - b;
    case BOP_MUL: return a * b;
    case BOP_MAXIMUM: return (a != a || a > b) ? a : b; // NaN propagates
    case BOP_MINIMUM: return (a != a || a < b) ? a : b;
    case BOP_THRESHOLD_GRAD: return b <= (acc_t)0 ? (acc_t)0 : a; // ReLU backward
#if defined(TT_FLOAT)
    case BOP_DIV: return a / b;
    case BOP_POW: return pow(a, b);
    // Python's %: the result takes the divisor's sign.
    case BOP_REM: {
        acc_t r = fmod(a, b);
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
    case BOP_FLOOR_DIV: return floor_div_float(a, b);
    case BOP_TRUNC_DIV: return trunc(a / b);
#else
    // Integer division by zero is an error the engine reports before launch.
    case BOP_DIV: return b == 0 ? 0 : a / b;
    case BOP_POW: {
        i64 e = b, r = 1, x = a;
        while (e > 0) { if (e & 1) r *= x; x *= x; e >>= 1; }
        return e < 0 ? 0 : r;
    }
    // (b == -1 separately: MIN / -1 wraps to MIN, as PyTorch's CPU kernel)
    case BOP_REM: {
        if (b == 0 || b == -1) return 0;
        i64 r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
    case BOP_FLOOR_DIV: {
        if (b == 0) return 0;
        if (b == -1) return (i64)(0ULL - (unsigned long long)a);
        i64 q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }
    case BOP_TRUNC_DIV:
        return b == 0 ? 0 : b == -1 ? (i64)(0ULL - (unsigned long long)a) : a / b;
    case BOP_BIT_AND: return a & b;
    case BOP_BIT_OR: return a | b;
    case BOP_BIT_XOR: return a ^ b;
#endif
    default: return a;
    }
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
        bool r;
        switch (op) {
        case BOP_LT: r = x < y; break;
        case BOP_LE: r = x <= y; break;
        case BOP_GT: r = x > y; break;
        case BOP_GE: r = x >= y; break;
        case BOP_EQ: r = x == y; break;
        case BOP_NE: r = x != y; break;
        case BOP_LOGICAL_AND: r = (x != 0) && (y != 0); break;
        case BOP_LOGICAL_OR: r = (x != 0) || (y != 0); break;
        case BOP_LOGICAL_XOR: r = (x != 0) != (y != 0); break;
        default: r = false;
        }
        out[i] = (u8)r;
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
__device__ __forceinline__ i64 to_i64_exact(scalar_t v) {
#if defined(TT_FLOAT)
    return (i64)to_acc(v);
#else
    return (i64)to_acc(v);
#endif
}
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
