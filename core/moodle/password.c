/* Password hashes as Moodle writes them: bcrypt (up to 4.2) or SHA-512 crypt (4.3+).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hashing is deliberately slow (bcrypt cost 10 is ~50-100 ms), so a file of new users
 * is hashed in bulk over several threads, each with its own struct crypt_data
 * (crypt_rn is reentrant with it).  Plain passwords are never copied nor logged.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "moodle/moodle.h"

static int fill_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
        ssize_t k = getrandom(p, len, 0);
        if (k < 0)
            return -1;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Moodle 4.3+: salt = first 16 characters of base64(random_bytes(16)) with '+'
 * turned into '.'; the first 12 random bytes make exactly those 16 characters. */
static int sha512_setting(char *out, size_t outlen, int rounds)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";
    unsigned char rnd[12];
    char salt[17];
    if (fill_random(rnd, sizeof rnd) != 0)
        return -1;
    for (int g = 0; g < 4; g++) {
        unsigned v = (unsigned)rnd[3 * g] << 16 | (unsigned)rnd[3 * g + 1] << 8 | rnd[3 * g + 2];
        for (int k = 0; k < 4; k++)
            salt[4 * g + k] = b64[v >> (18 - 6 * k) & 0x3F];
    }
    salt[16] = '\0';
    int n = snprintf(out, outlen, "$6$rounds=%d$%s$", rounds, salt);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static char *hash_one(const char *scheme, const char *plain, int cost, struct crypt_data *cd)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (strcmp(scheme, MOODLE_HASH_SHA512) == 0) {
        if (sha512_setting(setting, sizeof setting, cost) != 0)
            return NULL;
    } else {
        /* NULL random bytes: libxcrypt draws them from the kernel itself. */
        if (!crypt_gensalt_rn(scheme, (unsigned long)cost, NULL, 0, setting,
                              (int)sizeof setting))
            return NULL;
    }
    const char *h = crypt_rn(plain, setting, cd, (int)sizeof *cd);
    if (!h || h[0] == '*')
        return NULL;
    return strdup(h);
}

typedef struct {
    const char *scheme;
    const char *const *plain;
    char **out;
    size_t n;
    int cost;
    atomic_size_t next;
    atomic_int failed;
} hash_job;

static void *hash_worker(void *arg)
{
    hash_job *j = arg;
    struct crypt_data *cd = calloc(1, sizeof *cd);   /* ~32 KiB: not on the stack */
    if (!cd) {
        atomic_store(&j->failed, 1);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n || atomic_load(&j->failed))
            break;
        if (!j->plain[i]) {
            j->out[i] = NULL;
            continue;
        }
        j->out[i] = hash_one(j->scheme, j->plain[i], j->cost, cd);
        if (!j->out[i])
            atomic_store(&j->failed, 1);
    }
    /* crypt_data holds the last key schedule and intermediate state. */
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return NULL;
}

int moodle_hash_passwords_scheme(const char *scheme, const char *const *plain, char **out,
                                 size_t n, int cost, int threads)
{
    if (!scheme || scheme[0] != '$')
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    if (n == 0)
        return 0;
    if (threads <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        threads = nc > 0 ? (int)nc : 1;
    }
    if ((size_t)threads > n)
        threads = (int)n;

    hash_job job = { scheme, plain, out, n, cost, 0, 0 };
    pthread_t *tids = threads > 1 ? calloc((size_t)threads - 1, sizeof *tids) : NULL;
    int started = 0;
    if (tids)
        for (; started < threads - 1; started++)
            if (pthread_create(&tids[started], NULL, hash_worker, &job) != 0)
                break;   /* fewer threads is still correct */
    hash_worker(&job);   /* this thread works too */
    for (int t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);

    if (atomic_load(&job.failed)) {
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
        }
        return -1;
    }
    return 0;
}

int moodle_hash_passwords(const char *const *plain, char **out, size_t n, int cost,
                          int threads)
{
    return moodle_hash_passwords_scheme(MOODLE_HASH_BCRYPT, plain, out, n, cost, threads);
}

int moodle_check_password(const char *plain, const char *hash)
{
    /* Moodle's non-hash markers ("not cached", "*NOPASS*", "restored") and legacy md5
     * (which needs the site salt from config.php) never match here. */
    if (!plain || !hash || hash[0] != '$')
        return 0;
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return 0;
    int ok = 0;
    const char *h = crypt_rn(plain, hash, cd, (int)sizeof *cd);
    if (h && h[0] != '*') {
        size_t a = strlen(h), b = strlen(hash);
        if (a == b) {
            unsigned char diff = 0;   /* constant time over the whole hash */
            for (size_t k = 0; k < a; k++)
                diff |= (unsigned char)(h[k] ^ hash[k]);
            ok = diff == 0;
        }
    }
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return ok;
}
