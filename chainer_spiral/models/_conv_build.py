"""cffi API-mode builder of ``chainer_spiral.models._conv_cffi``: the CPU kernel of conv.py.

Used by ``setup.py`` (``cffi_modules``); ``bash scripts/install.sh`` rebuilds it.

One function, ``spiral_igemm``, an "implicit GEMM": a matrix product whose left matrix is never
built, each of its entries being read from an image at (row base + column offset):

    out[out_row[r] + o] (+)= sum_k x[row_base[r] + red_off[k]] * B[k * ldb + o]

for r < R, k < K, o < O. With rows = output pixels and k = (tap, channel),
it is a convolution without im2col; with rows = (tap, channel) and k = pixels, the gradient of
its weights; on a zero-padded output gradient, per output parity, the gradient of its input.
Optional epilogue: + bias[bias_row[r] + o], then max(., 0).

Compiled for float32 and float64 (``_f32``, ``_f64``). The float32 register tile is 6 rows x
16 columns (12 AVX accumulators, FMA). The reduction runs in tiles of `kt` (the images and B of
one tile stay in cache while all rows use them). On x86-64 each function is compiled twice, for
x86-64-v3 (AVX2 + FMA) and for the baseline, and the loader picks the one the CPU supports.
"""
from string import Template

from cffi import FFI

CDEF = """
void spiral_igemm_f32(const float *x, const int64_t *row_base, int64_t R,
                      const int64_t *red_off, int64_t K, int64_t kt,
                      const float *B, int64_t ldb, int64_t O,
                      float *out, const int64_t *out_row, int accumulate,
                      const float *bias, const int64_t *bias_row, int relu);
void spiral_igemm_f64(const double *x, const int64_t *row_base, int64_t R,
                      const int64_t *red_off, int64_t K, int64_t kt,
                      const double *B, int64_t ldb, int64_t O,
                      double *out, const int64_t *out_row, int accumulate,
                      const double *bias, const int64_t *bias_row, int relu);
"""

HEADER = r"""
#include <stdint.h>
#include <string.h>

#ifndef SPIRAL_CLONES /* -DSPIRAL_CLONES= builds the baseline only (tests) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SPIRAL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SPIRAL_CLONES
#endif
#endif

#define MR 6
"""

# One instance per element type: $T the C type, $V its 32-byte vector, $L the lanes, $I the
# integer type of its width (comparison masks), $S the name's suffix. A register tile is MR rows x 2 vectors, then 1 vector, then single columns.
KERNEL = Template(r"""
typedef $T $V __attribute__((vector_size(32)));
typedef $I ${V}_mask __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) $V load_$S(const $T *p)
{
    $V v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Write one accumulator row of nv vectors at the end of a reduction tile. */
static inline __attribute__((always_inline)) void finish_$S($T *o, const $V *acc, int nv,
                                                            int add, const $T *bias, int relu)
{
    for (int h = 0; h < nv; h++) {
        $V v = acc[h];
        if (add) v += load_$S(o + $L * h);
        if (bias) v += load_$S(bias + $L * h);
        if (relu) /* keep the bits where v > 0 (all-ones lanes), zero elsewhere */
            v = ($V)((${V}_mask)v & (v > 0));
        memcpy(o + $L * h, &v, sizeof v);
    }
}

#define TILE_$S(NV)                                                                          \
    do {                                                                                     \
        $V acc[MR][NV];                                                                      \
        memset(acc, 0, sizeof acc);                                                          \
        for (int64_t k = k0; k < k1; k++) {                                                  \
            const $T *b = B + k * ldb + o0;                                                  \
            const int64_t off = red_off[k];                                                  \
            $V bv[NV];                                                                       \
            for (int h = 0; h < NV; h++) bv[h] = load_$S(b + $L * h);                        \
            for (int i = 0; i < MR; i++) {                                                   \
                const $T a = p[i][off];                                                      \
                for (int h = 0; h < NV; h++) acc[i][h] += a * bv[h];                         \
            }                                                                                \
        }                                                                                    \
        for (int i = 0; i < nr; i++)                                                         \
            finish_$S(out + out_row[r0 + i] + o0, acc[i], NV, add,                           \
                      last && bias ? bias + bias_row[r0 + i] + o0 : NULL, last && relu);     \
        o0 += NV * $L;                                                                       \
    } while (0)

SPIRAL_CLONES
static void spiral_igemm_$S(const $T *x, const int64_t *row_base, int64_t R,
                            const int64_t *red_off, int64_t K, int64_t kt,
                            const $T *B, int64_t ldb, int64_t O,
                            $T *out, const int64_t *out_row, int accumulate,
                            const $T *bias, const int64_t *bias_row, int relu)
{
    for (int64_t k0 = 0; k0 < K; k0 += kt) {
        const int64_t k1 = k0 + kt < K ? k0 + kt : K;
        const int add = accumulate || k0 > 0, last = k1 == K;
        for (int64_t r0 = 0; r0 < R; r0 += MR) {
            const int nr = R - r0 < MR ? (int)(R - r0) : MR;
            const $T *p[MR];
            /* Missing rows of the last tile repeat its last row; their results are dropped. */
            for (int i = 0; i < MR; i++) p[i] = x + row_base[r0 + (i < nr ? i : nr - 1)];
            int64_t o0 = 0;
            while (o0 + 2 * $L <= O) TILE_$S(2);
            if (o0 + $L <= O) TILE_$S(1);
            for (; o0 < O; o0++) /* the last O % $L columns */
                for (int i = 0; i < nr; i++) {
                    $T v = 0;
                    for (int64_t k = k0; k < k1; k++) v += p[i][red_off[k]] * B[k * ldb + o0];
                    $T *o = out + out_row[r0 + i] + o0;
                    if (add) v += *o;
                    if (last && bias) v += bias[bias_row[r0 + i] + o0];
                    *o = last && relu && v < 0 ? 0 : v;
                }
        }
    }
}
""")

SOURCE = HEADER + ''.join(
    KERNEL.substitute(T=t, V=v, L=lanes, I=i, S=suffix) for t, v, lanes, i, suffix
    in (('float', 'v8f', 8, 'int32_t', 'f32'), ('double', 'v4d', 4, 'int64_t', 'f64')))

COMPILE_ARGS = ['-O3', '-Wno-psabi']

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source('chainer_spiral.models._conv_cffi', SOURCE, extra_compile_args=COMPILE_ARGS)

if __name__ == '__main__':
    ffibuilder.compile(verbose=True)
