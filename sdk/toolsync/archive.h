/* toolsync SDK, service "archive": the bytes of an archive entry, for handlers declared
 * with TS_H_ARCHIVE (module.h).
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   const ts_archive_api *A = rt->get_api(TS_ARCHIVE_API, TS_ARCHIVE_API_VERSION);
 *
 * Such a handler gets one row per entry of the zip: rt->value(row, "name") is the
 * entry's name, rt->value(row, "size") its declared size, rt->line(row) its number.
 * The core has already refused (reported ERROR, never handed over) entries whose name
 * climbs out ("../", absolute), links, encrypted entries, and entries whose declared
 * size or compression ratio passes the configured limits; reading stops at the limit
 * even when the entry's header lies.  Memory is bounded by one entry.
 */
#ifndef TOOLSYNC_ARCHIVE_H
#define TOOLSYNC_ARCHIVE_H

#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TS_ARCHIVE_API "archive"
#define TS_ARCHIVE_API_VERSION 1

typedef struct ts_archive_api {
    ts_api api;
    /* The whole content of the row's entry: 0 and *data (owned by the core, valid until
     * the row callback returns) with *len bytes; -1 when it cannot be read (the reason
     * is recorded on the row: corrupt, too large). */
    int (*entry_data)(ts_row *row, const unsigned char **data, size_t *len);
} ts_archive_api;

#ifdef __cplusplus
}
#endif
#endif
