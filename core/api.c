/* The named service tables a module may ask for (ts_runtime.get_api), each with its own
 * version: a table answers any request for its name at a version up to its own.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include "svc.h"
#include "resolve/resolve.h"

const void *api_get(const char *name, uint32_t version)
{
    const ts_api *tables[] = {
        &svc_sql.api, &svc_moodle.api, &resolver_api()->api, &svc_enrol.api,
        &svc_groups.api, &svc_cohorts.api, &svc_bridge.api, &svc_archive.api,
        &svc_util.api, &svc_files.api,
    };
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (strcmp(tables[i]->name, name) == 0)
            return version <= tables[i]->version ? tables[i] : NULL;
    return NULL;
}
