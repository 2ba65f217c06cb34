// Shared prelude of every tinytorch kernel. NVRTC has no standard headers,
// so this file defines its own integer types, the f16/bf16 storage types and
// their conversions, and the strided index math.
//
// The engine prepends one `#define TT_<DTYPE>` (F32 F64 F16 BF16 I32 I64
// BOOL) and the op-code table, then compiles the program once per device and
// dtype. `scalar_t` is the stored element, `acc_t` the type arithmetic runs
// in: f32 for the half types (PyTorch's "compute in float"), f64 for f64,
// i64 for the integer types and bool.

typedef signed char i8;
typedef unsigned char u8;
typedef short i16;
typedef unsigned short u16;
typedef int i32;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

struct f16_t { u16 bits; };
struct bf16_t { u16 bits; };

// IEEE half <-> float through the hardware conversion instructions
// (round to nearest even), exact as __half2float / __float2half_rn.
__device__ __forceinline__ float f16_to_f32(f16_t h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h.bits));
    return f;
}
__device__ __forceinline__ f16_t f32_to_f16(float f) {
    f16_t h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h.bits) : "f"(f));
    return h;
}
// bfloat16 is the top half of a float: widening is a shift; narrowing
// rounds to nearest even on the dropped 16 bits and keeps NaN a quiet NaN.
__device__ __forceinline__ float bf16_to_f32(bf16_t b) {
    return __uint_as_float(((u32)b.bits) << 16);
}
__device__ __forceinline__ bf16_t f32_to_bf16(float f) {
    u32 u = __float_as_uint(f);
    bf16_t b;
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        b.bits = (u16)((u >> 16) | 0x0040u);
        return b;
    }
    u32 lsb = (u >> 16) & 1u;
    u += 0x7fffu + lsb;
    b.bits = (u16)(u >> 16);
    return b;
}

#if defined(TT_F32)
typedef float scalar_t;
typedef float acc_t;
#define TT_FLOAT 1
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return v; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return v; }
#elif defined(TT_F64)
typedef double scalar_t;
typedef double acc_t;
#define TT_FLOAT 1
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return v; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return v; }
#elif defined(TT_F16)
typedef f16_t scalar_t;
typedef float acc_t;
#define TT_FLOAT 1
#define TT_HALF 1
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return f16_to_f32(v); }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return f32_to_f16(v); }
#elif defined(TT_BF16)
typedef bf16_t scalar_t;
typedef float acc_t;
#define TT_FLOAT 1
#define TT_HALF 1
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return bf16_to_f32(v); }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return f32_to_bf16(v); }
#elif defined(TT_I32)
typedef i32 scalar_t;
typedef i64 acc_t;
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return (acc_t)v; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return (scalar_t)v; }
#elif defined(TT_I64)
typedef i64 scalar_t;
typedef i64 acc_t;
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return v; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return v; }
#elif defined(TT_BOOL)
typedef u8 scalar_t;
typedef i64 acc_t;
#define TT_IS_BOOL 1
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return v != 0; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return v != 0; }
#else
#error "define one of TT_F32 TT_F64 TT_F16 TT_BF16 TT_I32 TT_I64 TT_BOOL"
#endif

// +infinity in acc_t (no math.h, so no INFINITY macro).
#if defined(TT_F64)
#define TT_INF __longlong_as_double(0x7ff0000000000000LL)
#else
#define TT_INF __int_as_float(0x7f800000)
#endif

// Every element as a double, and back (used by cast, fill, arange).
__device__ __forceinline__ double to_f64(scalar_t v) { return (double)to_acc(v); }
__device__ __forceinline__ scalar_t from_f64(double v) {
#if defined(TT_IS_BOOL)
    return v != 0.0;
#elif defined(TT_FLOAT)
    return from_acc((acc_t)v);
#else
    return (scalar_t)(i64)v;
#endif
}

// A strided view: element i of the row-major iteration over `shape` lives
// at offset + sum(coord[d] * stride[d]). Eight dims after the engine merges
// contiguous runs; mirrors the Rust `Strided` struct (repr(C)).
#define TT_MAX_DIMS 8
struct Strided {
    i64 ndim;
    i64 offset;
    i64 shape[TT_MAX_DIMS];
    i64 stride[TT_MAX_DIMS];
};

__device__ __forceinline__ i64 strided_offset(const Strided &l, i64 i) {
    i64 off = l.offset;
    for (int d = (int)l.ndim - 1; d >= 0; --d) {
        i64 s = l.shape[d];
        off += (i % s) * l.stride[d];
        i /= s;
    }
    return off;
}

#define GRID_STRIDE_LOOP(i, n) \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)

// Atomic add on any dtype: the native atomics where they exist, a
// compare-and-swap on the aligned 32-bit word for the 16-bit types.
__device__ __forceinline__ void atomic_add_elem(scalar_t *p, acc_t v) {
#if defined(TT_F32)
    atomicAdd(p, v);
#elif defined(TT_F64)
    atomicAdd(p, v);
#elif defined(TT_HALF)
    u32 *word = (u32 *)((u64)p & ~(u64)3);
    u32 shift = ((u64)p & 2) ? 16 : 0;
    u32 old = *word, assumed;
    do {
        assumed = old;
        scalar_t cur;
        cur.bits = (u16)((assumed >> shift) & 0xffffu);
        scalar_t next = from_acc(to_acc(cur) + v);
        u32 repl = (assumed & ~(0xffffu << shift)) | ((u32)next.bits << shift);
        old = atomicCAS(word, assumed, repl);
    } while (assumed != old);
#elif defined(TT_I32)
    atomicAdd(p, (i32)v);
#elif defined(TT_I64)
    atomicAdd((u64 *)p, (u64)v);
#else
    if (v != 0) *p = 1;
#endif
}
