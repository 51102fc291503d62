/* Unit test of the zip input reader and the tryback archive (core/archive), on archives
 * that the test builds itself with libzip in a temporary directory.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include "archive/zipin.h"
#include "tap.h"

static char dir[] = "/tmp/test_zipin.XXXXXX";
static const zipin_limits LIM = { 10u << 20, 100u << 20, 1000, 100 };

/* dir/name, in one of a few rotating buffers: keep a path that must live long with keep() */
static const char *at(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Bytes that do not compress: an honest ratio of about 1, as images have. */
static unsigned char *noise(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n);
    if (!p) abort();
    for (size_t i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; p[i] = (unsigned char)(seed >> 16); }
    return p;
}

static const char *keep(const char *path)
{
    static char kept[4][512];
    static int k;
    k = (k + 1) % 4;
    return strcpy(kept[k], path);
}

static zip_t *new_zip(const char *path)
{
    int code;
    unlink(path);
    return zip_open(path, ZIP_CREATE | ZIP_EXCL, &code);
}

static zip_int64_t add(zip_t *za, const char *name, const void *data, size_t len)
{
    zip_source_t *s = zip_source_buffer(za, data, len, 0);
    zip_int64_t i = zip_file_add(za, name, s, ZIP_FL_ENC_GUESS);
    if (i < 0) { zip_source_free(s); printf("# cannot add %s: %s\n", name, zip_strerror(za)); }
    return i;
}

/* Sets a Unix mode on an entry, as Info-ZIP stores it: in the upper 16 bits. */
static void set_mode(zip_t *za, zip_int64_t i, unsigned mode)
{
    zip_file_set_external_attributes(za, (zip_uint64_t)i, 0, ZIP_OPSYS_UNIX, (zip_uint32_t)mode << 16);
}

static int close_zip(zip_t *za)
{
    if (zip_close(za) == 0) return 0;
    printf("# zip_close: %s\n", zip_strerror(za));
    zip_discard(za);
    return -1;
}

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int same(const unsigned char *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

static void test_normal(void)
{
    const char *p = at("normal.zip");
    unsigned char *jpg = noise(5000, 1);
    char csv[10000];
    for (size_t i = 0; i < sizeof csv; i++) csv[i] = "idnumber;U000\n"[i % 14];
    zip_t *za = new_zip(p);
    add(za, "a.txt", "hello", 5);
    zip_dir_add(za, "sub", ZIP_FL_ENC_GUESS);
    add(za, "sub/b.jpg", jpg, 5000);
    add(za, "c.csv", csv, sizeof csv);
    TAP_OK(close_zip(za) == 0, "normal: test archive written");

    zipin_error err;
    zipin *z = zipin_open(p, &LIM, &err);
    TAP_OK(z != NULL, "normal: opened");
    if (!z) { free(jpg); return; }
    zipin_entry e;
    unsigned char *d;
    size_t n;
    TAP_OK(zipin_next(z, &e, &err) == 1 && e.number == 1 && !e.refused, "normal: entry 1");
    TAP_STREQ(e.name, "a.txt", "normal: entry 1 name");
    TAP_OK(e.size == 5 && zipin_read_all(z, &d, &n, &err) == 0 && same(d, n, "hello", 5), "normal: entry 1 content");
    free(d);
    TAP_OK(zipin_next(z, &e, &err) == 1 && e.number == 3 && !e.refused && e.size == 5000,
           "normal: the directory is skipped, entry 3 keeps its number");
    TAP_STREQ(e.name, "sub/b.jpg", "normal: entry 3 name");
    /* read it in small pieces: the streaming path */
    unsigned char buf[5100];
    long r, got = 0;
    while ((r = zipin_read(z, buf + got, 333, &err)) > 0) got += r;
    TAP_OK(r == 0 && same(buf, (size_t)got, jpg, 5000), "normal: entry 3 read in pieces equals the original");
    TAP_OK(zipin_next(z, &e, &err) == 1 && e.number == 4 && e.size == sizeof csv, "normal: entry 4");
    TAP_OK(zipin_read_all(z, &d, &n, &err) == 0 && same(d, n, csv, sizeof csv) && d[n] == '\0',
           "normal: entry 4 content, NUL-terminated");
    free(d);
    TAP_OK(zipin_next(z, &e, &err) == 0, "normal: end after 3 entries");
    TAP_OK(zipin_read(z, buf, 10, &err) == -1 && strcmp(err.key, "noentry") == 0, "normal: no read after the end");
    zipin_close(z);
    free(jpg);
}

/* Reads every entry of path; keys[i] gets the refusal key of the i-th entry ("" when
 * accepted and its content read back). */
static int scan(const char *path, const zipin_limits *lim, char keys[][48], int max)
{
    zipin_error err;
    zipin *z = zipin_open(path, lim, &err);
    if (!z) { printf("# open: %s %s\n", err.key, err.text); return -1; }
    zipin_entry e;
    int n = 0, r;
    while (n < max && (r = zipin_next(z, &e, &err)) == 1) {
        unsigned char *d;
        size_t len;
        if (e.refused) {
            snprintf(keys[n], 48, "%s", e.refusal_key);
            printf("# %ld refused: %s\n", e.number, e.refusal_text);
        } else {
            snprintf(keys[n], 48, "%s", zipin_read_all(z, &d, &len, &err) == 0 ? "" : err.key);
            if (keys[n][0] == '\0') free(d);
        }
        n++;
    }
    zipin_close(z);
    return n;
}

/* Replaces every occurrence of the n bytes `from` in the file by `to`: how the test
 * makes the names that libzip would not write. */
static int patch_bytes(const char *path, const char *from, const char *to, size_t n)
{
    static unsigned char b[1 << 16];
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    size_t len = fread(b, 1, sizeof b, f), hits = 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(b + i, from, n) == 0) { memcpy(b + i, to, n); hits++; }
    rewind(f);
    int ok = hits > 0 && fwrite(b, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void test_unsafe_names(void)
{
    const char *p = at("unsafe.zip");
    static const char *names[] = { "ok1.jpg", "../evil.jpg", "/abs.jpg", "a/../../x", "..\\x", "C:x.jpg",
                                   "sub/..", "ctl\001.jpg", "nul#.php.jpg", "dots..jpg", "ok2.jpg" };
    static const char *want[] = { "", "unsafepath", "unsafepath", "unsafepath", "unsafepath", "unsafepath",
                                  "unsafepath", "badname", "badname", "", "" };
    enum { N = sizeof names / sizeof *names };
    zip_t *za = new_zip(p);
    for (int i = 0; i < N; i++) add(za, names[i], "x", 1);
    TAP_OK(close_zip(za) == 0 && patch_bytes(p, "nul#", "nul\0", 4) == 0, "unsafe names: test archive written");
    char keys[N + 1][48];
    TAP_OK(scan(p, &LIM, keys, N + 1) == N, "unsafe names: every entry has its row");
    for (int i = 0; i < N; i++) TAP_STREQ(keys[i], want[i], "unsafe names: %s", names[i]);
}

/* Copies entries numbers[] of src into a tryback at path: 0, or -1 at the failing step.
 * The input is closed before the tryback is written: the tryback holds it open. */
static int write_tryback(const char *src, const char *path, const long *numbers, int n, zipin_error *err)
{
    zipin *z = zipin_open(src, &LIM, err);
    if (!z) return -1;
    zipout *o = zipout_create(path, err);
    int rc = o ? 0 : -1;
    for (int i = 0; o && i < n && rc == 0; i++) rc = zipout_add_entry(o, z, numbers[i], err);
    zipin_close(z);
    if (o && zipout_close(o, rc == 0 ? err : NULL) != 0) rc = -1;
    return rc;
}

static void test_links(void)
{
    const char *p = at("links.zip");
    zip_t *za = new_zip(p);
    set_mode(za, add(za, "link.jpg", "/etc/passwd", 11), S_IFLNK | 0777);
    set_mode(za, add(za, "fifo.jpg", "", 0), S_IFIFO | 0644);
    set_mode(za, add(za, "plain.jpg", "x", 1), S_IFREG | 0644);
    TAP_OK(close_zip(za) == 0, "links: test archive written");
    char keys[4][48];
    TAP_OK(scan(p, &LIM, keys, 4) == 3, "links: 3 rows");
    TAP_STREQ(keys[0], "symlink", "links: a symbolic link is refused");
    TAP_STREQ(keys[1], "specialfile", "links: a fifo is refused");
    TAP_STREQ(keys[2], "", "links: a regular file with a Unix mode is read");

    /* in the tryback, the link is a plain private file holding the link's text */
    const char *tb = at("links-tryback.zip");
    static const long one[] = { 1 };
    zipin_error err;
    TAP_OK(write_tryback(p, tb, one, 1, &err) == 0, "links: the link copied into a tryback");
    zip_uint8_t os;
    zip_uint32_t attr = 0;
    int code;
    zip_t *za2 = zip_open(tb, ZIP_RDONLY, &code);
    TAP_OK(za2 && zip_file_get_external_attributes(za2, 0, 0, &os, &attr) == 0 && attr >> 16 == (S_IFREG | 0600),
           "links: in the tryback it is a regular file, mode 0600 (attributes %o)", attr >> 16);
    if (za2) zip_discard(za2);
    TAP_OK(scan(tb, &LIM, keys, 2) == 1 && keys[0][0] == '\0', "links: and it reads as such");
}

static void test_encrypted(void)
{
    const char *p = at("encrypted.zip");
    zip_uint16_t em = zip_encryption_method_supported(ZIP_EM_AES_256, 1) ? ZIP_EM_AES_256
                    : zip_encryption_method_supported(ZIP_EM_TRAD_PKWARE, 1) ? ZIP_EM_TRAD_PKWARE : ZIP_EM_NONE;
    if (em == ZIP_EM_NONE) { printf("# skip encrypted: this libzip cannot encrypt\n"); return; }
    zip_t *za = new_zip(p);
    zip_file_set_encryption(za, (zip_uint64_t)add(za, "secret.jpg", "secret data", 11), em, "pw");
    add(za, "open.jpg", "x", 1);
    TAP_OK(close_zip(za) == 0, "encrypted: test archive written");
    char keys[3][48];
    TAP_OK(scan(p, &LIM, keys, 3) == 2, "encrypted: 2 rows");
    TAP_STREQ(keys[0], "encrypted", "encrypted: the encrypted entry is refused");
    TAP_STREQ(keys[1], "", "encrypted: the other one is read");

    /* libzip cannot copy encrypted data without the password: that entry is refused by
     * zipout_add_entry, and the tryback still holds the others */
    const char *tb = at("encrypted-tryback.zip");
    zipin_error err;
    zipin *z = zipin_open(p, &LIM, &err);
    zipout *o = z ? zipout_create(tb, &err) : NULL;
    TAP_OK(o && zipout_add_entry(o, z, 1, &err) == -1 && strcmp(err.key, "encrypted") == 0,
           "encrypted: not copied into a tryback (%s)", err.text);
    TAP_OK(o && zipout_add_entry(o, z, 2, &err) == 0 && zipout_close(o, &err) == 0 && scan(tb, &LIM, keys, 3) == 1,
           "encrypted: the tryback holds the other entry");
    TAP_OK(z && zipout_add_entry(o = zipout_create(at("x.zip"), &err), z, 3, &err) == -1 &&
           strcmp(err.key, "noentry") == 0, "encrypted: no entry 3 to copy");
    zipin *other = zipin_open(at("normal.zip"), &LIM, &err);
    TAP_OK(o && zipout_add_entry(o, z, 2, &err) == 0 && zipout_add_entry(o, other, 1, &err) == -1,
           "encrypted: a tryback takes the entries of one archive only");
    zipin_close(other);
    TAP_OK(o && zipout_close(o, &err) == 0, "encrypted: that tryback written");
    zipin_close(z);
}

static void test_sizes(void)
{
    const char *p = at("sizes.zip");
    unsigned char *big = noise(3000, 2);
    zip_t *za = new_zip(p);
    add(za, "a.jpg", big, 1000);
    add(za, "big.jpg", big, 3000);
    add(za, "b.jpg", big, 1000);
    add(za, "c.jpg", big, 1000);
    add(za, "d.jpg", big, 10);
    TAP_OK(close_zip(za) == 0, "sizes: test archive written");
    zipin_limits l = LIM;
    l.max_entry_size = 2000;
    char keys[6][48];
    TAP_OK(scan(p, &l, keys, 6) == 5, "sizes: 5 rows");
    TAP_STREQ(keys[1], "toolarge", "sizes: an entry declaring more than max_entry_size is refused");
    TAP_STREQ(keys[2], "", "sizes: the next one is read");
    l.max_total_size = 2500;
    scan(p, &l, keys, 6);
    TAP_OK(strcmp(keys[0], "") == 0 && strcmp(keys[2], "") == 0 &&
           strcmp(keys[3], "archivetoolarge") == 0 && strcmp(keys[4], "archivetoolarge") == 0,
           "sizes: once max_total_size is passed, the rest is refused");
    l = LIM;
    l.max_entries = 3;
    scan(p, &l, keys, 6);
    TAP_OK(strcmp(keys[2], "") == 0 && strcmp(keys[3], "toomanyentries") == 0 &&
           strcmp(keys[4], "toomanyentries") == 0, "sizes: entries past max_entries are refused");
    l.max_entries = 2;   /* 5 declared: more than twice as many */
    zipin_error err;
    zipin *z = zipin_open(p, &l, &err);
    TAP_OK(z == NULL && strcmp(err.key, "toomanyentries") == 0,
           "sizes: an archive declaring more than twice max_entries is refused at open");
    zipin_close(z);
    free(big);
}

/* Makes the header of the one entry of path lie: it declares `size` uncompressed bytes,
 * in the local header and in the central directory. */
static int patch_declared_size(const char *path, uint32_t size)
{
    FILE *f = fopen(path, "r+b");
    if (!f) return -1;
    static unsigned char b[1 << 20];
    size_t n = fread(b, 1, sizeof b, f), hits = 0;
    for (size_t i = 0; i + 46 < n; i++) {
        size_t at = 0;
        if (memcmp(b + i, "PK\3\4", 4) == 0) at = i + 22;
        else if (memcmp(b + i, "PK\1\2", 4) == 0) at = i + 24;
        if (!at) continue;
        for (int k = 0; k < 4; k++) b[at + k] = (unsigned char)(size >> (8 * k));
        hits++;
    }
    rewind(f);
    int ok = hits == 2 && fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* A 50 MB entry of zeros (a sparse file: it costs neither disk nor memory to make),
 * compressed about a thousand to one. */
static const char *make_bomb(const char *name)
{
    const char *zeros = at("zeros.bin"), *p = keep(at(name));
    int fd = open(zeros, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 50 << 20) != 0) return NULL;
    close(fd);
    zip_t *za = new_zip(p);
    zip_file_add(za, "bomb.jpg", zip_source_file(za, zeros, 0, 0), ZIP_FL_ENC_GUESS);
    if (close_zip(za) != 0) return NULL;
    unlink(zeros);
    return p;
}

static void test_bomb(void)
{
    const char *p = make_bomb("bomb.zip");
    TAP_OK(p != NULL, "bomb: test archive written");
    if (!p) return;
    char keys[2][48];
    zipin_limits l = LIM;
    scan(p, &l, keys, 2);
    TAP_STREQ(keys[0], "zipbomb", "bomb: refused by its ratio");
    l.max_ratio = 0;
    scan(p, &l, keys, 2);
    TAP_STREQ(keys[0], "toolarge", "bomb: with the ratio off, refused by its declared size");

    /* The whole 50 MB through zipin_read when the limits allow it: streaming, so the
     * peak memory does not grow with the entry. */
    long before = peak_kb();
    l.max_entry_size = 60 << 20;
    zipin_error err;
    zipin_entry e;
    zipin *z = zipin_open(p, &l, &err);
    static unsigned char buf[65536];
    long r, total = 0;
    if (z && zipin_next(z, &e, &err) == 1)
        while ((r = zipin_read(z, buf, sizeof buf, &err)) > 0) total += r;
    TAP_OK(total == 50L << 20, "bomb: allowed, 50 MB are streamed");
    TAP_OK(peak_kb() - before < 8 * 1024, "bomb: streaming 50 MB grew the peak memory by %ld kB",
           peak_kb() - before);
    zipin_close(z);

    /* The header lies: it declares 1000 bytes; the reader stops at the 1001st. */
    TAP_OK(patch_declared_size(p, 1000) == 0, "bomb: header patched to declare 1000 bytes");
    l.max_entry_size = 1 << 20;
    z = zipin_open(p, &l, &err);
    unsigned char *d = NULL;
    size_t n = 0;
    int st = -2;
    if (z && zipin_next(z, &e, &err) == 1 && !e.refused && e.size == 1000) st = zipin_read_all(z, &d, &n, &err);
    TAP_OK(st == -1 && d == NULL && strcmp(err.key, "zipbomb") == 0,
           "bomb: a lying header is caught while reading (%s: %s)", err.key, err.text);
    TAP_OK(peak_kb() - before < 8 * 1024, "bomb: memory stayed bounded");
    TAP_OK(zipin_read(z, buf, sizeof buf, &err) == -1, "bomb: the entry cannot be read further");
    zipin_close(z);
}

static void test_corrupt(void)
{
    zipin_error err;
    const char *src = at("normal.zip"), *p = at("truncated.zip");
    struct stat st;
    stat(src, &st);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "head -c %ld '%s' > '%s'", (long)st.st_size / 2, src, p);
    TAP_OK(system(cmd) == 0, "corrupt: truncated copy made");
    zipin *z = zipin_open(p, &LIM, &err);
    TAP_OK(z == NULL && strcmp(err.key, "zipcorrupt") == 0, "corrupt: a truncated archive is zipcorrupt (%s)",
           z ? "opened" : err.text);
    zipin_close(z);

    /* damaged data with an intact directory: the CRC check fails on that entry only */
    const char *q = at("badcrc.zip");
    unsigned char *data = noise(4000, 3);
    zip_t *za = new_zip(q);
    zip_set_file_compression(za, (zip_uint64_t)add(za, "a.jpg", data, 4000), ZIP_CM_STORE, 0);
    add(za, "b.jpg", "fine", 4);
    close_zip(za);
    /* one byte inside a.jpg's stored data */
    char from[8], to[8];
    memcpy(from, data + 100, 8);
    memcpy(to, from, 8);
    to[0] = (char)~to[0];
    TAP_OK(patch_bytes(q, from, to, 8) == 0, "corrupt: a byte of a stored entry changed");
    char keys[3][48];
    TAP_OK(scan(q, &LIM, keys, 3) == 2, "corrupt: both entries have a row");
    TAP_STREQ(keys[0], "zipcorrupt", "corrupt: a damaged entry fails to read");
    TAP_STREQ(keys[1], "", "corrupt: the next entry is still read");
    free(data);

    const char *csv = at("users.csv");
    FILE *f = fopen(csv, "w");
    if (!f) abort();
    fputs("username;firstname\njdoe;John\n", f);
    fclose(f);
    z = zipin_open(csv, &LIM, &err);
    TAP_OK(z == NULL && strcmp(err.key, "notzip") == 0, "corrupt: a CSV file is notzip");
    zipin_close(z);
    z = zipin_open(at("missing.zip"), &LIM, &err);
    TAP_OK(z == NULL && strcmp(err.key, "unreadable") == 0, "corrupt: a missing file is unreadable");
    z = zipin_open(dir, &LIM, &err);
    TAP_OK(z == NULL && strcmp(err.key, "unreadable") == 0, "corrupt: a directory is unreadable");
}

/* The four-entry archive the tryback tests copy from: two of them incompressible, so
 * that the full-disk test has bytes to fail on. */
static const char *make_source(unsigned char **blobs)
{
    const char *p = keep(at("source.zip"));
    blobs[0] = noise(300000, 4);
    blobs[1] = noise(300000, 5);
    zip_t *za = new_zip(p);
    add(za, "U1.jpg", blobs[0], 300000);
    add(za, "sub/U2.png", "png bytes", 9);
    add(za, "U3.gif", blobs[1], 300000);
    add(za, "../U4.jpg", "climbs", 6);
    return close_zip(za) == 0 ? p : NULL;
}

static int count_files(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    for (struct dirent *de; dp && (de = readdir(dp));) n += de->d_name[0] != '.' || strlen(de->d_name) > 2;
    if (dp) closedir(dp);
    return n;
}

/* An entry whose compressed size in the central directory runs past the end of the file:
 * unreadable, and refused by zipout_add_entry, which the other entries survive. */
static void test_tryback_cut_short(void)
{
    const char *p = at("cut.zip"), *tb = at("cut-tryback.zip");
    unsigned char *data = noise(4000, 6);
    zip_t *za = new_zip(p);
    zip_set_file_compression(za, (zip_uint64_t)add(za, "a.jpg", data, 4000), ZIP_CM_STORE, 0);
    add(za, "b.jpg", "fine", 4);
    close_zip(za);
    free(data);
    /* 4000 = a0 0f 00 00, as compressed and uncompressed size (central header at +20) */
    static const char from[] = { (char)0xa0, 0x0f, 0, 0, (char)0xa0, 0x0f, 0, 0 };
    static const char to[] = { 0, 0, 0, 0x10, (char)0xa0, 0x0f, 0, 0 };
    TAP_OK(patch_bytes(p, from, to, 8) == 0, "cut short: sizes patched");
    zipin_error err;
    zipin *z = zipin_open(p, &LIM, &err);
    zipout *o = z ? zipout_create(tb, &err) : NULL;
    TAP_OK(o && zipout_add_entry(o, z, 1, &err) == -1 && strcmp(err.key, "zipcorrupt") == 0,
           "cut short: the entry is not copied (%s)", err.text);
    TAP_OK(o && zipout_add_entry(o, z, 2, &err) == 0 && zipout_close(o, &err) == 0,
           "cut short: the tryback holds the other entry");
    zipin_close(z);
}

static void test_tryback(unsigned char **blobs, const char *src)
{
    const char *tb = at("tryback.zip");
    zipin_error err;
    int files = count_files(dir);
    static const long two[] = { 3, 4 };
    TAP_OK(write_tryback(src, tb, two, 2, &err) == 0, "tryback: entries 3 and 4 of 4 copied");
    struct stat st;
    TAP_OK(stat(tb, &st) == 0 && (st.st_mode & 0777) == 0600, "tryback: mode 0600");
    TAP_OK(count_files(dir) == files + 1, "tryback: nothing else left beside it");
    zipin *z = zipin_open(tb, &LIM, &err);
    zipin_entry e;
    unsigned char *d = NULL;
    size_t n = 0;
    TAP_OK(z && zipin_next(z, &e, &err) == 1 && strcmp(e.name, "U3.gif") == 0 &&
           zipin_read_all(z, &d, &n, &err) == 0 && same(d, n, blobs[1], 300000), "tryback: U3.gif, same bytes");
    free(d);
    TAP_OK(z && zipin_next(z, &e, &err) == 1 && strcmp(e.name, "../U4.jpg") == 0 && e.refused,
           "tryback: ../U4.jpg kept its name (and is refused again on reading)");
    TAP_OK(z && zipin_next(z, &e, &err) == 0, "tryback: exactly those 2 entries");
    zipin_close(z);

    /* an existing file and links are refused, and left as they were */
    TAP_OK(zipout_create(tb, &err) == NULL && strcmp(err.key, "exists") == 0 && stat(tb, &st) == 0 &&
           st.st_size > 300000, "tryback: an existing file is refused, not truncated");
    const char *lnk = at("link.zip"), *dangling = at("dangling.zip");
    symlink(tb, lnk);
    symlink(at("nowhere.zip"), dangling);
    TAP_OK(zipout_create(lnk, &err) == NULL && strcmp(err.key, "exists") == 0 && stat(tb, &st) == 0 &&
           st.st_size > 300000, "tryback: a link to a file is refused");
    TAP_OK(zipout_create(dangling, &err) == NULL && access(at("nowhere.zip"), F_OK) != 0,
           "tryback: a dangling link is refused, its target not created");
    unlink(lnk);
    unlink(dangling);
    unlink(tb);

    /* nothing added: no file */
    zipout *o = zipout_create(tb, &err);
    TAP_OK(o && zipout_close(o, &err) == 0 && access(tb, F_OK) != 0, "tryback: no entry, no file");
}

/* Child of the full-disk test: files may not pass 100 kB, so the tryback cannot be
 * written; the exit status carries what went wrong (0: as expected). */
static int full_disk_child(const char *src, const char *tb)
{
    struct rlimit rl = { 100000, 100000 };
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 10;
    zipin_error err;
    static const long all[] = { 1, 2, 3 };
    if (write_tryback(src, tb, all, 3, &err) != -1) return 11;
    printf("# full disk: %s: %s\n", err.key, err.text);
    fflush(stdout);
    if (strcmp(err.key, "writefailed") != 0) return 12;
    if (access(tb, F_OK) == 0) return 13;
    return 0;
}

static void test_full_disk(const char *src)
{
    const char *tb = at("full.zip");
    int files = count_files(dir);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(full_disk_child(src, tb));
    int status = -1;
    waitpid(pid, &status, 0);
    TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "full disk: zipout_close fails with writefailed and leaves no file (child status %d)", status);
    TAP_OK(count_files(dir) == files, "full disk: no partial file nor temporary directory left");
}

static void test_tryback_bomb(void)
{
    const char *p = make_bomb("bomb2.zip"), *tb = at("bombtb.zip");
    zipin_error err;
    static const long one[] = { 1 };
    long before = peak_kb();
    struct stat a, b;
    TAP_OK(p && write_tryback(p, tb, one, 1, &err) == 0 && stat(p, &a) == 0 && stat(tb, &b) == 0 &&
           b.st_size < a.st_size + 1024, "tryback: a refused bomb is copied compressed, never inflated");
    TAP_OK(peak_kb() - before < 8 * 1024, "tryback: copying the bomb kept memory bounded");
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
}

int main(void)
{
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    test_normal();
    test_unsafe_names();
    test_links();
    test_encrypted();
    test_sizes();
    test_bomb();
    test_corrupt();
    unsigned char *blobs[2];
    const char *src = make_source(blobs);
    TAP_OK(src != NULL, "tryback: source archive written");
    if (src) {
        test_tryback(blobs, src);
        test_full_disk(src);
    }
    test_tryback_bomb();
    test_tryback_cut_short();
    free(blobs[0]);
    free(blobs[1]);
    cleanup();
    return tap_done();
}
