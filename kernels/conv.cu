// Convolution and pooling primitives on contiguous NCHW buffers, with the
// window geometry of the engine's `Window2d` (kernel, stride, padding,
// dilation). im2col writes [n, c*kh*kw, oh*ow]; col2im is its adjoint,
// written as a gather (each input pixel sums the columns that read it) so it
// needs no atomics.

struct Window {
    i64 n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

extern "C" __global__ void im2col(const scalar_t *x, scalar_t *cols, Window g) {
    i64 total = g.n * g.c * g.kh * g.kw * g.oh * g.ow;
    GRID_STRIDE_LOOP(i, total) {
        i64 ox = i % g.ow, oy = (i / g.ow) % g.oh;
        i64 r = i / (g.ow * g.oh);
        i64 kx = r % g.kw, ky = (r / g.kw) % g.kh, ch = (r / (g.kw * g.kh)) % g.c, b = r / (g.kw * g.kh * g.c);
        i64 iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
        bool in = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
        cols[i] = in ? x[((b * g.c + ch) * g.h + iy) * g.w + ix] : from_acc((acc_t)0);
    }
}

extern "C" __global__ void col2im(const scalar_t *cols, scalar_t *x, Window g) {
    i64 total = g.n * g.c * g.h * g.w;
    GRID_STRIDE_LOOP(i, total) {
        i64 ix = i % g.w, iy = (i / g.w) % g.h, ch = (i / (g.w * g.h)) % g.c, b = i / (g.w * g.h * g.c);
        acc_t acc = 0;
        for (i64 ky = 0; ky < g.kh; ++ky) {
            i64 ty = iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0) continue;
            i64 oy = ty / g.sh;
            if (oy >= g.oh) continue;
            for (i64 kx = 0; kx < g.kw; ++kx) {
                i64 tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0) continue;
                i64 ox = tx / g.sw;
                if (ox >= g.ow) continue;
                i64 row = (ch * g.kh + ky) * g.kw + kx;
                acc += to_acc(cols[((b * g.c * g.kh * g.kw) + row) * (g.oh * g.ow) + oy * g.ow + ox]);
            }
        }
        x[i] = from_acc(acc);
    }
}

// Max over each window (padding never wins; NaN wins, first index on ties);
// indices into the h*w plane, as PyTorch's max_pool2d_with_indices.
extern "C" __global__ void max_pool2d(const scalar_t *x, scalar_t *out, i64 *idx, Window g) {
    i64 total = g.n * g.c * g.oh * g.ow;
    GRID_STRIDE_LOOP(i, total) {
        i64 ox = i % g.ow, oy = (i / g.ow) % g.oh, plane = i / (g.ow * g.oh);
        const scalar_t *p = x + plane * g.h * g.w;
        acc_t best = 0;
        i64 bi = -1;
        for (i64 ky = 0; ky < g.kh; ++ky) {
            i64 iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (i64 kx = 0; kx < g.kw; ++kx) {
                i64 ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.w) continue;
                acc_t v = to_acc(p[iy * g.w + ix]);
                if (bi < 0 || (best == best && (v > best || v != v))) { best = v; bi = iy * g.w + ix; }
            }
        }
        out[i] = from_acc(best);
        idx[i] = bi < 0 ? 0 : bi;
    }
}

// Gradient of max_pool2d: each output gradient goes to its argmax (windows
// overlap when stride < kernel, hence the atomic add). `gx` starts zeroed.
extern "C" __global__ void max_pool2d_backward(const scalar_t *gy, const i64 *idx, scalar_t *gx, Window g) {
    i64 total = g.n * g.c * g.oh * g.ow;
    GRID_STRIDE_LOOP(i, total) {
        i64 plane = i / (g.ow * g.oh);
        atomic_add_elem(gx + plane * g.h * g.w + idx[i], to_acc(gy[i]));
    }
}
