/*
 * mandelbrot.c: renders the Mandelbrot set as ASCII art into linear memory.
 *
 * The host calls render(width, height, max_iter); the picture is written to a
 * static buffer as `height` lines of `width` characters, each ending in '\n',
 * and render returns its address (0 if the size is too large). The host reads
 * height * (width + 1) bytes from memory at that address and prints them.
 *
 * Shows: f64 arithmetic, nested loops, a static buffer in linear memory, and
 * a result handed back to the host as a pointer.
 *
 * Freestanding wasm32, no libc: see ../build.sh.
 */

#define EXPORT(name) __attribute__((export_name(name)))

#define MAX_WIDTH 256
#define MAX_HEIGHT 128

/* The picture: up to MAX_HEIGHT lines of MAX_WIDTH characters plus '\n'. */
static char picture[MAX_HEIGHT * (MAX_WIDTH + 1)];

/* Shades indexed by escape time: points that escape within 3 steps stay
 * blank, later ones get denser; points inside the set are '#'. */
static const char shades[] = "    .,:;=+*%";
#define NSHADES ((int)sizeof(shades) - 1)

/* Escape-time iteration for c = cr + ci*i: how many steps of z = z^2 + c
 * until |z| > 2, or max_iter if it never escapes. */
static int escape_time(double cr, double ci, int max_iter) {
  double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
  int n = 0;
  while (n < max_iter && zr2 + zi2 <= 4.0) {
    zi = 2.0 * zr * zi + ci;
    zr = zr2 - zi2 + cr;
    zr2 = zr * zr;
    zi2 = zi * zi;
    n++;
  }
  return n;
}

/* Renders the region [-2.2, 0.8] x [-1.2, 1.2] of the complex plane. */
EXPORT("render")
char *render(int width, int height, int max_iter) {
  if (width < 1 || width > MAX_WIDTH || height < 1 || height > MAX_HEIGHT || max_iter < 1) return 0;
  char *out = picture;
  for (int y = 0; y < height; y++) {
    double ci = 1.2 - 2.4 * (y + 0.5) / height;
    for (int x = 0; x < width; x++) {
      double cr = -2.2 + 3.0 * (x + 0.5) / width;
      int n = escape_time(cr, ci, max_iter);
      /* Most points escape within a few steps: spread the shades over
       * small counts and saturate at the last one. */
      *out++ = n == max_iter ? '#' : shades[n < NSHADES ? n : NSHADES - 1];
    }
    *out++ = '\n';
  }
  return picture;
}
