/* A module that claims an ABI from the future: the loader must refuse it by name.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "toolsync/toolsync.h"

static int init(const ts_runtime *rt) { (void)rt; return 0; }

const ts_module_desc toolsync_module = {
    TOOLSYNC_MODULE_MAGIC, sizeof(ts_module_desc), TOOLSYNC_ABI_MAJOR + 1, 0,
    sizeof(ts_option), "badabi", "0", "built for another ABI", NULL, init, NULL
};
