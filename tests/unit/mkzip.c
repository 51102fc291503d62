/* Test helper: writes a zip archive from NAME=CONTENT arguments (libzip), so that test
 * scripts need no zip command.  "NAME=@N" stores N zero bytes (compressed).
 * SPDX-License-Identifier: GPL-3.0-or-later
 *   mkzip OUT.zip NAME=CONTENT ...
 *   mkzip -l IN.zip        lists the entry names, one a line
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

int main(int argc, char **argv)
{
    int err = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: mkzip OUT.zip NAME=CONTENT...\n");
        return 2;
    }
    if (strcmp(argv[1], "-l") == 0 && argc == 3) {
        zip_t *in = zip_open(argv[2], ZIP_RDONLY, &err);
        if (!in)
            return 1;
        for (zip_int64_t i = 0; i < zip_get_num_entries(in, 0); i++)
            printf("%s\n", zip_get_name(in, (zip_uint64_t)i, ZIP_FL_ENC_RAW));
        zip_discard(in);
        return 0;
    }
    zip_t *z = zip_open(argv[1], ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) {
        fprintf(stderr, "mkzip: cannot create %s (%d)\n", argv[1], err);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *content = eq + 1;
        size_t len = strlen(content);
        void *buf = NULL;
        if (content[0] == '@') {
            len = strtoul(content + 1, NULL, 10);
            buf = calloc(len ? len : 1, 1);
            content = buf;
        }
        zip_source_t *src = zip_source_buffer(z, content, len, 0);
        if (!src || zip_file_add(z, argv[i], src, ZIP_FL_ENC_UTF_8) < 0) {
            fprintf(stderr, "mkzip: %s: %s\n", argv[i], zip_strerror(z));
            return 1;
        }
        /* the buffer must live until zip_close */
    }
    if (zip_close(z) != 0) {
        fprintf(stderr, "mkzip: %s\n", zip_strerror(z));
        return 1;
    }
    return 0;
}
