"""cffi API-mode builder of ``chainer_spiral.models._conv_cffi``: the CPU kernel of conv.py.

Used by ``setup.py`` (``cffi_modules``); ``bash scripts/install.sh`` rebuilds it.

One function, ``spiral_igemm``, an "implicit GEMM": a matrix product whose left matrix is never
built, each of its entries being read from an image at (row base + column offset):

    out[out_row[r] + o] (+)= sum_k x[row_base[r] + red_off[k]] * B[k * ldb + o]

for r < R, k < K, o < O. With rows = output pixels and k = (tap, channel),
it is a convolution without im2col; with rows = (tap, channel) and k = pixels, the gradient of
its weights; on a zero-padded output gradient, per output parity, the gradient of its input.
Optional epilogue: + bias[bias_row[r] + o], then max(., 0).

The register tile is 6 rows x 16 columns (12 AVX accumulators, FMA): about 20 multiply-adds
per byte loaded. The reduction runs in tiles of `kt` (the images and B of one tile stay in
cache while all rows use them). On x86-64 the function is compiled twice, for x86-64-v3
(AVX2 + FMA) and for the baseline, and the loader picks the one the CPU supports.
"""
from cffi import FFI

CDEF = """
void spiral_igemm(const float *x, const int64_t *row_base, int64_t R,
                  const int64_t *red_off, int64_t K, int64_t kt,
                  const float *B, int64_t ldb, int64_t O,
                  float *out, const int64_t *out_row, int accumulate,
                  const float *bias, const int64_t *bias_row, int relu);
"""

SOURCE = r"""
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SPIRAL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SPIRAL_CLONES
#endif

#define MR 6

typedef float v8 __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) v8 load8(const float *p)
{
    v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store8(float *p, v8 v)
{
    memcpy(p, &v, sizeof v);
}

/* Write one accumulator row of W floats (W = 8 or 16) at the end of a reduction tile. */
static inline __attribute__((always_inline)) void finish(float *o, const v8 *acc, int w,
                                                         int add, const float *bias, int relu)
{
    for (int h = 0; h < w / 8; h++) {
        v8 v = acc[h];
        if (add) v += load8(o + 8 * h);
        if (bias) v += load8(bias + 8 * h);
        if (relu)
            for (int e = 0; e < 8; e++) v[e] = v[e] > 0.0f ? v[e] : 0.0f;
        store8(o + 8 * h, v);
    }
}

#define TILE(W)                                                                              \
    do {                                                                                     \
        v8 acc[MR][W / 8];                                                                   \
        memset(acc, 0, sizeof acc);                                                          \
        for (int64_t k = k0; k < k1; k++) {                                                  \
            const float *b = B + k * ldb + o0;                                               \
            const int64_t off = red_off[k];                                                  \
            v8 bv[W / 8];                                                                    \
            for (int h = 0; h < W / 8; h++) bv[h] = load8(b + 8 * h);                        \
            for (int i = 0; i < MR; i++) {                                                   \
                const float a = p[i][off];                                                   \
                for (int h = 0; h < W / 8; h++) acc[i][h] += a * bv[h];                      \
            }                                                                                \
        }                                                                                    \
        for (int i = 0; i < nr; i++)                                                         \
            finish(out + out_row[r0 + i] + o0, acc[i], W, add,                               \
                   last && bias ? bias + bias_row[r0 + i] + o0 : NULL, last && relu);        \
    } while (0)

SPIRAL_CLONES
static void spiral_igemm(const float *x, const int64_t *row_base, int64_t R,
                         const int64_t *red_off, int64_t K, int64_t kt,
                         const float *B, int64_t ldb, int64_t O,
                         float *out, const int64_t *out_row, int accumulate,
                         const float *bias, const int64_t *bias_row, int relu)
{
    for (int64_t k0 = 0; k0 < K; k0 += kt) {
        const int64_t k1 = k0 + kt < K ? k0 + kt : K;
        const int add = accumulate || k0 > 0, last = k1 == K;
        for (int64_t r0 = 0; r0 < R; r0 += MR) {
            const int nr = R - r0 < MR ? (int)(R - r0) : MR;
            const float *p[MR];
            /* Missing rows of the last tile repeat its last row; their results are dropped. */
            for (int i = 0; i < MR; i++) p[i] = x + row_base[r0 + (i < nr ? i : nr - 1)];
            int64_t o0 = 0;
            for (; o0 + 16 <= O; o0 += 16) TILE(16);
            if (o0 + 8 <= O) {
                TILE(8);
                o0 += 8;
            }
            for (; o0 < O; o0++) /* the last O % 8 columns */
                for (int i = 0; i < nr; i++) {
                    float v = 0.0f;
                    for (int64_t k = k0; k < k1; k++) v += p[i][red_off[k]] * B[k * ldb + o0];
                    float *o = out + out_row[r0 + i] + o0;
                    if (add) v += *o;
                    if (last && bias) v += bias[bias_row[r0 + i] + o0];
                    *o = last && relu && v < 0.0f ? 0.0f : v;
                }
        }
    }
}
"""

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source('chainer_spiral.models._conv_cffi', SOURCE, extra_compile_args=['-O3', '-Wno-psabi'])

if __name__ == '__main__':
    ffibuilder.compile(verbose=True)
