// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC'11). Element i draws from counter
// (offset + i / 4, 0) with key = seed, so any thread computes any element
// without shared state and a launch is reproducible from (seed, offset).

struct U4 { u32 x, y, z, w; };

__device__ __forceinline__ U4 philox4x32_10(U4 c, u32 k0, u32 k1) {
    const u32 M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    for (int r = 0; r < 10; ++r) {
        u32 hi0 = __umulhi(M0, c.x), lo0 = M0 * c.x;
        u32 hi1 = __umulhi(M1, c.z), lo1 = M1 * c.z;
        U4 n;
        n.x = hi1 ^ c.y ^ k0;
        n.y = lo1;
        n.z = hi0 ^ c.w ^ k1;
        n.w = lo0;
        c = n;
        k0 += W0;
        k1 += W1;
    }
    return c;
}

// Uniform in [0, 1) from the top 24 bits (exactly representable in f32).
__device__ __forceinline__ float u32_to_unit(u32 v) { return (float)(v >> 8) * (1.0f / 16777216.0f); }

__device__ __forceinline__ float philox_unit(u64 seed, u64 offset, i64 i) {
    u64 ctr = offset + (u64)i / 4;
    U4 c = {(u32)ctr, (u32)(ctr >> 32), 0u, 0u};
    U4 r = philox4x32_10(c, (u32)seed, (u32)(seed >> 32));
    u32 lane = (u32)(i & 3);
    u32 v = lane == 0 ? r.x : lane == 1 ? r.y : lane == 2 ? r.z : r.w;
    return u32_to_unit(v);
}

extern "C" __global__ void uniform(scalar_t *out, i64 n, u64 seed, u64 offset, double lo, double hi) {
    GRID_STRIDE_LOOP(i, n) {
        double u = (double)philox_unit(seed, offset, i);
        out[i] = from_f64(lo + (hi - lo) * u);
    }
}

// Box-Muller on the pair (2i, 2i+1) of the uniform stream.
extern "C" __global__ void normal(scalar_t *out, i64 n, u64 seed, u64 offset, double mean, double std) {
    GRID_STRIDE_LOOP(i, n) {
        float u1 = philox_unit(seed, offset, 2 * i), u2 = philox_unit(seed, offset, 2 * i + 1);
        float r = sqrtf(-2.0f * logf(1.0f - u1));
        out[i] = from_f64(mean + std * (double)(r * cosf(6.28318530717958647692f * u2)));
    }
}

// Dropout: keep with probability 1 - p and scale kept values by 1 / (1 - p);
// the mask (scale or 0, in the element type) is written for the backward.
extern "C" __global__ void dropout(const scalar_t *x, scalar_t *out, scalar_t *mask, i64 n, u64 seed,
                                   u64 offset, double p) {
    acc_t scale = p < 1.0 ? (acc_t)(1.0 / (1.0 - p)) : (acc_t)0;
    GRID_STRIDE_LOOP(i, n) {
        acc_t m = philox_unit(seed, offset, i) >= (float)p ? scale : (acc_t)0;
        mask[i] = from_acc(m);
        out[i] = from_acc(to_acc(x[i]) * m);
    }
}
