"""cffi API-mode builder of ``chainer_spiral.envs._mypaint_cffi`` (the libmypaint binding).

Used by ``setup.py`` (``cffi_modules``); ``bash scripts/install.sh`` rebuilds it. The extension
links against libmypaint-1.5.so.1 (Debian ``libmypaint-1.5-1``) using the compile and link flags
of ``pkg-config libmypaint`` (Debian ``libmypaint-dev``).

Besides the few libmypaint functions used directly from Python, a small C layer keeps the hot
path of an environment step to one or two foreign calls:

- ``SpiralCanvas`` wraps a fixed tiled surface and caches its tile pointers (they point into the
  surface's own memory and stay valid for its lifetime), so filling and reading the canvas never
  goes through tile requests again.
- ``spiral_read_rgb`` converts the premultiplied 15-bit RGBA tiles to an RGB uint8 (H, W, 3) image.
- ``spiral_move_to``, ``spiral_stroke_to``, ``spiral_stroke_path`` and ``spiral_stroke_bezier``
  do a pen-up move, a straight stroke, a polyline stroke and a flattened quadratic Bezier stroke,
  each inside one atomic surface operation.
"""
import shlex
import subprocess

from cffi import FFI

CDEF = """
typedef struct MyPaintBrush MyPaintBrush;
typedef struct SpiralCanvas SpiralCanvas;

MyPaintBrush *mypaint_brush_new(void);
void mypaint_brush_unref(MyPaintBrush *self);
void mypaint_brush_from_defaults(MyPaintBrush *self);
int mypaint_brush_from_string(MyPaintBrush *self, const char *string);
void mypaint_brush_set_base_value(MyPaintBrush *self, int id, float value);
float mypaint_brush_get_base_value(MyPaintBrush *self, int id);
int mypaint_brush_setting_from_cname(const char *cname);

SpiralCanvas *spiral_canvas_new(int width, int height);
void spiral_canvas_free(SpiralCanvas *canvas);
void spiral_canvas_fill(SpiralCanvas *canvas, float r, float g, float b);
void spiral_read_rgb(const SpiralCanvas *canvas, uint8_t *out);
void spiral_set_color(MyPaintBrush *brush, float r, float g, float b);
void spiral_move_to(MyPaintBrush *brush, SpiralCanvas *canvas, float x, float y);
void spiral_stroke_path(MyPaintBrush *brush, SpiralCanvas *canvas,
                        const float *xy, int n, float pressure);
void spiral_stroke_to(MyPaintBrush *brush, SpiralCanvas *canvas, float x, float y, float pressure);
int spiral_stroke_bezier(MyPaintBrush *brush, SpiralCanvas *canvas, float cx, float cy,
                         float ex, float ey, float pressure, float tolerance);
"""

SOURCE = r"""
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <mypaint-brush.h>
#include <mypaint-fixed-tiled-surface.h>

#define SPIRAL_TILE MYPAINT_TILE_SIZE
/* Stroke duration per call: dtime must stay <= 0.1 s or libmypaint's tablet workaround
   swallows the first segment after a pen-up move. */
#define SPIRAL_DTIME 0.1

typedef struct SpiralCanvas {
    MyPaintFixedTiledSurface *fixed;
    MyPaintSurface *surface;
    int width, height, tiles_x, tiles_y;
    uint16_t **tiles;  /* tiles_y * tiles_x pointers to (64, 64, 4) premultiplied RGBA */
} SpiralCanvas;

static SpiralCanvas *spiral_canvas_new(int width, int height)
{
    SpiralCanvas *c = calloc(1, sizeof(SpiralCanvas));
    if (!c) return NULL;
    c->fixed = mypaint_fixed_tiled_surface_new(width, height);
    if (!c->fixed) { free(c); return NULL; }
    c->surface = mypaint_fixed_tiled_surface_interface(c->fixed);
    c->width = width;
    c->height = height;
    c->tiles_x = (width + SPIRAL_TILE - 1) / SPIRAL_TILE;
    c->tiles_y = (height + SPIRAL_TILE - 1) / SPIRAL_TILE;
    c->tiles = calloc((size_t)c->tiles_x * c->tiles_y, sizeof(uint16_t *));
    if (!c->tiles) { mypaint_surface_unref(c->surface); free(c); return NULL; }
    for (int ty = 0; ty < c->tiles_y; ty++) {
        for (int tx = 0; tx < c->tiles_x; tx++) {
            MyPaintTileRequest request;
            mypaint_tile_request_init(&request, 0, tx, ty, FALSE);
            mypaint_tiled_surface_tile_request_start((MyPaintTiledSurface *)c->fixed, &request);
            c->tiles[ty * c->tiles_x + tx] = request.buffer;
            mypaint_tiled_surface_tile_request_end((MyPaintTiledSurface *)c->fixed, &request);
        }
    }
    return c;
}

static void spiral_canvas_free(SpiralCanvas *c)
{
    if (!c) return;
    mypaint_surface_unref(c->surface);
    free(c->tiles);
    free(c);
}

/* Opaque fill; colour channels in [0, 1]. 1.0 is 1 << 15 in libmypaint's fixed point. */
static void spiral_canvas_fill(SpiralCanvas *c, float r, float g, float b)
{
    const uint16_t px[4] = {(uint16_t)(r * 32768.0f + 0.5f), (uint16_t)(g * 32768.0f + 0.5f),
                            (uint16_t)(b * 32768.0f + 0.5f), 32768};
    const int n = c->tiles_x * c->tiles_y;
    for (int i = 0; i < n; i++) {
        uint16_t *p = c->tiles[i];
        for (int k = 0; k < SPIRAL_TILE * SPIRAL_TILE; k++, p += 4) {
            p[0] = px[0]; p[1] = px[1]; p[2] = px[2]; p[3] = px[3];
        }
    }
}

/* out: (height, width, 3) uint8, C order. The canvas is opaque, so the premultiplied colour
   is the colour; round half up from 15-bit fixed point. */
static void spiral_read_rgb(const SpiralCanvas *c, uint8_t *out)
{
    for (int y = 0; y < c->height; y++) {
        const int ty = y / SPIRAL_TILE, row = y % SPIRAL_TILE;
        uint8_t *o = out + (size_t)y * c->width * 3;
        for (int tx = 0; tx < c->tiles_x; tx++) {
            const uint16_t *p = c->tiles[ty * c->tiles_x + tx] + row * SPIRAL_TILE * 4;
            int n = c->width - tx * SPIRAL_TILE;
            if (n > SPIRAL_TILE) n = SPIRAL_TILE;
            for (int i = 0; i < n; i++, p += 4, o += 3) {
                o[0] = (uint8_t)(((uint32_t)p[0] * 255u + 16384u) >> 15);
                o[1] = (uint8_t)(((uint32_t)p[1] * 255u + 16384u) >> 15);
                o[2] = (uint8_t)(((uint32_t)p[2] * 255u + 16384u) >> 15);
            }
        }
    }
}

/* RGB in [0, 1] -> the brush's colour_h/s/v base values (all in [0, 1]). */
static void spiral_set_color(MyPaintBrush *brush, float r, float g, float b)
{
    float mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    float mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
    float d = mx - mn, h = 0.0f, s = mx > 0.0f ? d / mx : 0.0f;
    if (d > 0.0f) {
        if (mx == r) h = (g - b) / d;
        else if (mx == g) h = 2.0f + (b - r) / d;
        else h = 4.0f + (r - g) / d;
        h /= 6.0f;
        if (h < 0.0f) h += 1.0f;
    }
    mypaint_brush_set_base_value(brush, MYPAINT_BRUSH_SETTING_COLOR_H, h);
    mypaint_brush_set_base_value(brush, MYPAINT_BRUSH_SETTING_COLOR_S, s);
    mypaint_brush_set_base_value(brush, MYPAINT_BRUSH_SETTING_COLOR_V, mx);
}

/* Pen up: a reset brush jumps to the next stroke_to point without painting. */
static void spiral_move_to(MyPaintBrush *brush, SpiralCanvas *c, float x, float y)
{
    mypaint_brush_reset(brush);
    mypaint_brush_new_stroke(brush);
    mypaint_surface_begin_atomic(c->surface);
    mypaint_brush_stroke_to(brush, c->surface, x, y, 0.0f, 0.0f, 0.0f, SPIRAL_DTIME);
    mypaint_surface_end_atomic(c->surface, NULL);
}

/* One dab at the pen: a zero-length stroke_to with a temporary time-based dab rate of 1.5 dabs
   per call. Needed because libmypaint puts the first dab of a segment one spacing after its
   start, may stop up to one spacing short of its end, and draws nothing for a zero-length one. */
static void spiral_stamp(MyPaintBrush *brush, SpiralCanvas *c, float pressure)
{
    const float x = mypaint_brush_get_state(brush, MYPAINT_BRUSH_STATE_X);
    const float y = mypaint_brush_get_state(brush, MYPAINT_BRUSH_STATE_Y);
    const float dps = mypaint_brush_get_base_value(brush, MYPAINT_BRUSH_SETTING_DABS_PER_SECOND);
    mypaint_brush_set_base_value(brush, MYPAINT_BRUSH_SETTING_DABS_PER_SECOND,
                                 dps + 1.5f / SPIRAL_DTIME);
    mypaint_brush_stroke_to(brush, c->surface, x, y, pressure, 0.0f, 0.0f, SPIRAL_DTIME);
    mypaint_brush_set_base_value(brush, MYPAINT_BRUSH_SETTING_DABS_PER_SECOND, dps);
}

/* Pen down along xy (n points, (n, 2) floats) at constant pressure, in one atomic update, with
   a dab at both ends. The pressure state is set first because libmypaint interpolates pressure
   from the previous call. */
static void spiral_stroke_path(MyPaintBrush *brush, SpiralCanvas *c,
                               const float *xy, int n, float pressure)
{
    mypaint_brush_set_state(brush, MYPAINT_BRUSH_STATE_PRESSURE, pressure);
    mypaint_surface_begin_atomic(c->surface);
    spiral_stamp(brush, c, pressure);
    for (int i = 0; i < n; i++) {
        mypaint_brush_stroke_to(brush, c->surface, xy[2 * i], xy[2 * i + 1], pressure,
                                0.0f, 0.0f, SPIRAL_DTIME);
    }
    spiral_stamp(brush, c, pressure);
    mypaint_surface_end_atomic(c->surface, NULL);
}

/* A straight pen-down stroke from the pen to (x, y). */
static void spiral_stroke_to(MyPaintBrush *brush, SpiralCanvas *c, float x, float y, float pressure)
{
    const float xy[2] = {x, y};
    spiral_stroke_path(brush, c, xy, 1, pressure);
}

#define SPIRAL_MAX_SEGMENTS 64

/* Quadratic Bezier from the pen through the control point (cx, cy) to (ex, ey), drawn as the
   fewest equal-parameter chords that stay within `tolerance` pixels of the curve: with n chords
   the largest gap is |P0 - 2 P1 + P2| / (4 n^2). Returns n. */
static int spiral_stroke_bezier(MyPaintBrush *brush, SpiralCanvas *c, float cx, float cy,
                                float ex, float ey, float pressure, float tolerance)
{
    const float x0 = mypaint_brush_get_state(brush, MYPAINT_BRUSH_STATE_X);
    const float y0 = mypaint_brush_get_state(brush, MYPAINT_BRUSH_STATE_Y);
    const float dx = x0 - 2.0f * cx + ex, dy = y0 - 2.0f * cy + ey;
    int n = (int)ceilf(sqrtf(sqrtf(dx * dx + dy * dy) / (4.0f * tolerance)));
    if (n < 1) n = 1;
    if (n > SPIRAL_MAX_SEGMENTS) n = SPIRAL_MAX_SEGMENTS;
    float xy[2 * SPIRAL_MAX_SEGMENTS];
    for (int i = 1; i <= n; i++) {
        const float t = (float)i / n, u = 1.0f - t;
        xy[2 * i - 2] = u * u * x0 + 2.0f * u * t * cx + t * t * ex;
        xy[2 * i - 1] = u * u * y0 + 2.0f * u * t * cy + t * t * ey;
    }
    spiral_stroke_path(brush, c, xy, n, pressure);
    return n;
}
"""


def _pkg_config(package):
    """Compile/link keyword arguments of ``package`` from pkg-config.

    Raises:
        RuntimeError: pkg-config or the package's .pc file is missing.
    """
    try:
        out = subprocess.run(['pkg-config', '--cflags', '--libs', package], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise RuntimeError(f'pkg-config {package}: expected the Debian packages libmypaint-dev '
                           f'and pkg-config (bash scripts/install.sh), got: {err}') from err
    kwargs = {'include_dirs': [], 'library_dirs': [], 'libraries': [], 'extra_link_args': []}
    for flag in shlex.split(out):
        for prefix, key in (('-I', 'include_dirs'), ('-L', 'library_dirs'), ('-l', 'libraries')):
            if flag.startswith(prefix):
                kwargs[key].append(flag[2:])
                break
        else:
            kwargs['extra_link_args'].append(flag)
    return kwargs


ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source('chainer_spiral.envs._mypaint_cffi', SOURCE,
                      extra_compile_args=['-O2'], **_pkg_config('libmypaint'))

if __name__ == '__main__':
    ffibuilder.compile(verbose=True)
