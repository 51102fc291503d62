/* Service "util": the core's map, text and value parsers, handed to modules so that
 * none writes its own.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "svc.h"
#include "util/util.h"

const ts_util_api svc_util = {
    .api = { sizeof(ts_util_api), TS_UTIL_API_VERSION, TS_UTIL_API },
    .map_new = map_new,
    .map_free = map_free,
    .map_clear = map_clear,
    .map_get = map_get,
    .map_slot = map_slot,
    .map_count = map_count,
    .utf8_lower = text_utf8_lower,
    .utf8_chars = text_utf8_chars,
    .json_string = text_json_string,
    .parse_bool = value_bool,
    .parse_int = value_int,
    .parse_date = value_date,
};
