/* One picture as Moodle's process_new_icon() makes it: the type from the bytes, the
 * centred square crop, f1 100x100, f2 35x35, f3 512x512 (upscaled when smaller), JPEG
 * sources encoded as JPEG quality 90, PNG and GIF as PNG (compression 1) with alpha.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gd.h>
#include "pictures.h"

const int PIC_SIZES[PIC_VARIANTS] = { 100, 35, 512 };

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }

/* Width and height from a JPEG's frame header (SOFn), scanning the markers before it. */
static void jpeg_size(const unsigned char *d, size_t n, unsigned *w, unsigned *h)
{
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF)
            return;
        unsigned char m = d[i + 1];
        if (m == 0xFF) {               /* fill byte */
            i++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            i += 2;
            continue;
        }
        unsigned len = be16(d + i + 2);
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (i + 9 <= n) {
                *h = be16(d + i + 5);
                *w = be16(d + i + 7);
            }
            return;
        }
        if (len < 2)
            return;
        i += 2 + len;
    }
}

img_type img_sniff(const unsigned char *d, size_t n, unsigned *w, unsigned *h)
{
    *w = *h = 0;
    if (n >= 24 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
        if (memcmp(d + 12, "IHDR", 4) == 0) {
            *w = be32(d + 16);
            *h = be32(d + 20);
        }
        return IMG_PNG;
    }
    if (n >= 10 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) {
        *w = d[6] | (unsigned)d[7] << 8;
        *h = d[8] | (unsigned)d[9] << 8;
        return IMG_GIF;
    }
    if (n >= 4 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        jpeg_size(d, n, w, h);
        return IMG_JPEG;
    }
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return IMG_WEBP;
    return IMG_UNKNOWN;
}

const char *img_type_name(img_type t)
{
    static const char *const names[] = { "unknown", "JPEG", "PNG", "GIF", "WebP" };
    return names[t];
}

static void gd_silent(int priority, const char *fmt, va_list ap)
{
    (void)priority;
    (void)fmt;
    (void)ap;
}

void img_quiet(void) { gdSetErrorMethod(gd_silent); }

static void failf(pic_result *res, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failf(pic_result *res, const char *key, const char *fmt, ...)
{
    va_list ap;
    res->failed = 1;
    snprintf(res->key, sizeof res->key, "%s", key);
    va_start(ap, fmt);
    vsnprintf(res->text, sizeof res->text, fmt, ap);
    va_end(ap);
}

/* A destination square prepared as process_new_icon() prepares it: for a PNG output,
 * the GIF's transparent colour declared, then everything transparent, alpha saved. */
static gdImagePtr new_square(int size, gdImagePtr src, int png_out)
{
    gdImagePtr im = gdImageCreateTrueColor(size, size);
    if (!im || !png_out)
        return im;
    int t = gdImageGetTransparent(src);
    if (t != -1)
        gdImageColorTransparent(im, gdImageColorAllocate(im, gdImageRed(src, t),
                                                         gdImageGreen(src, t),
                                                         gdImageBlue(src, t)));
    gdImageAlphaBlending(im, 0);
    gdImageFill(im, 0, 0, gdImageColorAllocateAlpha(im, 0, 0, 0, 127));
    gdImageSaveAlpha(im, 1);
    return im;
}

static gdImagePtr decode(img_type t, const unsigned char *d, size_t n)
{
    if (n > (size_t)0x7fffffff)
        return NULL;
    switch (t) {
    case IMG_JPEG: return gdImageCreateFromJpegPtr((int)n, (void *)d);
    case IMG_PNG: return gdImageCreateFromPngPtr((int)n, (void *)d);
    case IMG_GIF: return gdImageCreateFromGifPtr((int)n, (void *)d);
    default: return NULL;
    }
}

/* Crops the centred square of src into the three variants and encodes them. */
static void variants(gdImagePtr src, int jpeg_out, pic_result *res)
{
    int w = gdImageSX(src), h = gdImageSY(src);
    int cx = w / 2, cy = h / 2, half = (w < h ? w : h) / 2;
    for (int v = 0; v < PIC_VARIANTS && !res->failed; v++) {
        gdImagePtr dst = new_square(PIC_SIZES[v], src, !jpeg_out);
        if (!dst) {
            failf(res, "uploadpicture_cannotsave", "out of memory");
            return;
        }
        gdImageCopyResampled(dst, src, 0, 0, cx - half, cy - half, PIC_SIZES[v],
                             PIC_SIZES[v], half * 2, half * 2);
        int size = 0;
        void *out = jpeg_out ? gdImageJpegPtr(dst, &size, 90) : gdImagePngPtrEx(dst, &size, 1);
        gdImageDestroy(dst);
        if (!out || size <= 0) {
            if (out)
                gdFree(out);
            failf(res, "uploadpicture_cannotsave", "the %dx%d variant cannot be encoded",
                  PIC_SIZES[v], PIC_SIZES[v]);
            return;
        }
        res->out[v] = out;
        res->outlen[v] = size;
    }
}

void img_process(const unsigned char *d, size_t n, long maxpixels, pic_result *res)
{
    unsigned w, h;
    res->done = 1;
    res->type = img_sniff(d, n, &w, &h);
    res->width = w;
    res->height = h;
    if (res->type == IMG_UNKNOWN) {
        failf(res, "notanimage", "not a JPEG, PNG or GIF image (%zu bytes)", n);
        return;
    }
    if (res->type == IMG_WEBP) {
        failf(res, "unsupportedimage", "WebP image: Moodle's picture upload (process_new_icon) "
              "accepts JPEG, PNG and GIF only on this site's version");
        return;
    }
    if (maxpixels > 0 && (unsigned long long)w * h > (unsigned long long)maxpixels) {
        failf(res, "imagetoolarge", "%s image of %ux%u = %.1f megapixels, more than the "
              "%.1f allowed (pictures.maxpixels)", img_type_name(res->type), w, h,
              (double)w * h / 1e6, (double)maxpixels / 1e6);
        return;
    }
    gdImagePtr src = decode(res->type, d, n);
    if (!src || gdImageSX(src) <= 0 || gdImageSY(src) <= 0) {
        if (src)
            gdImageDestroy(src);
        failf(res, "imagecorrupt", "the %s image cannot be decoded (damaged or truncated)",
              img_type_name(res->type));
        return;
    }
    res->width = (unsigned)gdImageSX(src);
    res->height = (unsigned)gdImageSY(src);
    if (maxpixels > 0 && (unsigned long long)res->width * res->height > (unsigned long long)maxpixels) {
        gdImageDestroy(src);       /* a header that hid its size: refused all the same */
        failf(res, "imagetoolarge", "%ux%u image, more than pictures.maxpixels = %ld",
              res->width, res->height, maxpixels);
        return;
    }
    int jpeg_out = res->type == IMG_JPEG;
    res->ext = jpeg_out ? "jpg" : "png";
    variants(src, jpeg_out, res);
    gdImageDestroy(src);
}

void img_result_free(pic_result *res)
{
    for (int v = 0; v < PIC_VARIANTS; v++)
        if (res->out[v])
            gdFree(res->out[v]);
    memset(res, 0, sizeof *res);
}
