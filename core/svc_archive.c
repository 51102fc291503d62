/* Service "archive": the bytes of the archive entry a row stands for.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "run.h"
#include "svc.h"

static int a_entry_data(ts_row *row, const unsigned char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!row->entry_data) {
        row_set_reason(row, "notanarchive", "this row is not an archive entry");
        return -1;
    }
    *data = row->entry_data;
    *len = row->entry_len;
    return 0;
}

const ts_archive_api svc_archive = {
    .api = { sizeof(ts_archive_api), TS_ARCHIVE_API_VERSION, TS_ARCHIVE_API },
    .entry_data = a_entry_data,
};
