/* Test helper: real JPEG, PNG and GIF images drawn with libgd, zipped with libzip, so
 * that the pictures tests and bench need neither image files nor a zip command.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   mkpictures OUT.zip NAME=SPEC ...    SPEC: KIND:WxH[:SEED] or text:CONTENT or zeros:N
 *       KIND: jpg, flatjpg (one colour: large sizes quickly), png, pngalpha
 *       (transparent corners), gif, giftrans (transparent
 *       index), corruptpng (a PNG whose data is damaged past its header); NAME may hold
 *       "../" or folders.  SPEC prefixed with "store:" is written with no compression
 *       (a flat picture would look like a zip bomb); SPEC file:PATH adds a file.
 *   mkpictures -s FILE                   prints "WxH TYPE" of an image (decoded)
 *   mkpictures -o OUT.jpg KIND:WxH[:SEED] writes one image to a file
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gd.h>
#include <zip.h>

static unsigned rnd(unsigned *s) { *s = *s * 1103515245u + 12345u; return *s >> 8; }

/* A picture: gradients with noise, so that JPEG sizes look like photographs'. */
static gdImagePtr draw(const char *kind, int w, int h, unsigned seed)
{
    if (strcmp(kind, "flatjpg") == 0) {        /* large and quick: one colour */
        gdImagePtr im = gdImageCreateTrueColor(w, h);
        if (im)
            gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, gdTrueColor(90, 120, 200));
        return im;
    }
    int palette = strncmp(kind, "gif", 3) == 0;
    gdImagePtr im = palette ? gdImageCreate(w, h) : gdImageCreateTrueColor(w, h);
    if (!im)
        return NULL;
    if (palette) {
        for (int c = 0; c < 255; c++)
            gdImageColorAllocate(im, c, (c * 7) & 255, 255 - c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                gdImageSetPixel(im, x, y, (x + y + (int)(rnd(&seed) % 16)) % 255);
        if (strcmp(kind, "giftrans") == 0)
            gdImageColorTransparent(im, 0);
        return im;
    }
    if (strcmp(kind, "pngalpha") == 0) {
        gdImageAlphaBlending(im, 0);
        gdImageSaveAlpha(im, 1);
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned n = rnd(&seed) % 64;
            int a = strcmp(kind, "pngalpha") == 0 && (x < w / 4 && y < h / 4) ? 127 : 0;
            /* Straight into the pixels: gdImageSetPixel would blend, and is slow. */
            im->tpixels[y][x] = gdTrueColorAlpha((x * 255 / w + n) & 255,
                                                 (y * 255 / h + n) & 255, (seed >> 4) & 255, a);
        }
    return im;
}

/* The encoded bytes of SPEC (malloc'd), or NULL. */
static void *encode(const char *spec, int *size)
{
    char kind[32];
    int w = 0, h = 0;
    unsigned seed = 1;
    if (strncmp(spec, "text:", 5) == 0) {
        *size = (int)strlen(spec + 5);
        return strdup(spec + 5);
    }
    if (strncmp(spec, "zeros:", 6) == 0) {
        *size = atoi(spec + 6);
        return calloc(1, (size_t)*size + 1);
    }
    if (sscanf(spec, "%31[a-z]:%dx%d:%u", kind, &w, &h, &seed) < 3 || w <= 0 || h <= 0)
        return NULL;
    gdImagePtr im = draw(kind, w, h, seed);
    if (!im)
        return NULL;
    void *gd = NULL;
    if (strcmp(kind, "jpg") == 0 || strcmp(kind, "flatjpg") == 0)
        gd = gdImageJpegPtr(im, size, 90);
    else if (strncmp(kind, "gif", 3) == 0)
        gd = gdImageGifPtr(im, size);
    else
        gd = gdImagePngPtr(im, size);
    gdImageDestroy(im);
    if (!gd)
        return NULL;
    void *out = malloc((size_t)*size);
    memcpy(out, gd, (size_t)*size);
    gdFree(gd);
    if (strcmp(kind, "corruptpng") == 0 && *size > 100)
        memset((char *)out + 60, 0x5a, (size_t)*size - 80);   /* keeps signature and IHDR */
    return out;
}

static int probe(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    unsigned char sig[8] = { 0 };
    size_t n = fread(sig, 1, 8, f);
    rewind(f);
    gdImagePtr im = NULL;
    const char *type = "unknown";
    if (n >= 4 && sig[0] == 0x89 && sig[1] == 'P') {
        im = gdImageCreateFromPng(f);
        type = "png";
    } else if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8) {
        im = gdImageCreateFromJpeg(f);
        type = "jpeg";
    } else if (n >= 3 && memcmp(sig, "GIF", 3) == 0) {
        im = gdImageCreateFromGif(f);
        type = "gif";
    }
    fclose(f);
    if (!im)
        return 1;
    printf("%dx%d %s\n", gdImageSX(im), gdImageSY(im), type);
    gdImageDestroy(im);
    return 0;
}

static int add(zip_t *z, char *arg)
{
    char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    const char *spec = eq + 1;
    int store = strncmp(spec, "store:", 6) == 0;
    spec += store ? 6 : 0;
    zip_source_t *src;
    if (strncmp(spec, "file:", 5) == 0) {
        src = zip_source_file(z, spec + 5, 0, -1);    /* read at close: no memory held */
    } else {
        int size = 0;
        void *data = encode(spec, &size);
        if (!data)
            return -1;
        src = zip_source_buffer(z, data, (zip_uint64_t)size, 1);
    }
    zip_int64_t i = src ? zip_file_add(z, arg, src, ZIP_FL_ENC_UTF_8) : -1;
    if (i < 0)
        return -1;
    if (store)
        zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-s") == 0)
        return probe(argv[2]);
    if (argc == 4 && strcmp(argv[1], "-o") == 0) {
        int size = 0;
        void *data = encode(argv[3], &size);
        FILE *f = data ? fopen(argv[2], "wb") : NULL;
        int ok = f && fwrite(data, 1, (size_t)size, f) == (size_t)size;
        if (f && fclose(f) != 0)
            ok = 0;
        free(data);
        return ok ? 0 : 1;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: mkpictures OUT.zip NAME=SPEC... | -s FILE | -o OUT SPEC\n");
        return 2;
    }
    int err = 0;
    zip_t *z = zip_open(argv[1], ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z)
        return 1;
    for (int i = 2; i < argc; i++)
        if (add(z, argv[i]) != 0) {
            fprintf(stderr, "mkpictures: bad entry %s\n", argv[i]);
            zip_discard(z);
            return 1;
        }
    return zip_close(z) == 0 ? 0 : 1;
}
