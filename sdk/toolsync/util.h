/* toolsync SDK, service "util": small tools every module needs, so that no module
 * writes its own: a string map, UTF-8 and JSON text, the value syntax of the files.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_util_api *U = rt->get_api(TS_UTIL_API, TS_UTIL_API_VERSION);
 */
#ifndef TOOLSYNC_UTIL_H
#define TOOLSYNC_UTIL_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_UTIL_API "util"
#define TS_UTIL_API_VERSION 1

/* A string-keyed hash map owned by whoever created it (keys are copied). */
typedef struct ts_map ts_map;

typedef struct ts_util_api {
    ts_api api;
    /* --- map --------------------------------------------------------------------------- */
    ts_map *(*map_new)(void);
    /* Frees the map, calling freeval (may be NULL) on every value. */
    void (*map_free)(ts_map *m, void (*freeval)(void *));
    void (*map_clear)(ts_map *m, void (*freeval)(void *));
    void *(*map_get)(const ts_map *m, const char *key);
    /* Address of the value of `key`, inserted (NULL) when absent; valid until the next
     * insertion into the map. */
    void **(*map_slot)(ts_map *m, const char *key);
    size_t (*map_count)(const ts_map *m);

    /* --- text -------------------------------------------------------------------------- */
    /* Lower-cased copy of UTF-8 text (malloc'd; the caller frees). */
    char *(*utf8_lower)(const char *s);
    /* Characters (not bytes) of UTF-8 text, as Moodle's column lengths count them. */
    size_t (*utf8_chars)(const char *s);
    /* Appends `s` as a JSON string literal, escaped as PHP's json_encode() does, to
     * buf (always NUL-terminated; cut when `size` is reached). */
    void (*json_string)(char *buf, size_t size, const char *s);

    /* --- values of the files (spec 00 §5.7-5.8) ------------------------------------------ */
    /* Booleans: 1/0, yes/no, true/false, on/off (any case): 0 and *out, or -1. */
    int (*parse_bool)(const char *s, int *out);
    /* A whole decimal integer (surrounding blanks refused): 0 and *out, or -1. */
    int (*parse_int)(const char *s, int64_t *out);
    /* A date: a timestamp, YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (or T), DD/MM/YYYY, in the
     * server's time zone: 0 and *out, or -1. */
    int (*parse_date)(const char *s, int64_t *out);
} ts_util_api;

#ifdef __cplusplus
}
#endif
#endif
