/* toolsync SDK: every header of the contract between the toolsync core and its modules.
 *
 * Copyright (C) 2026 the toolsync developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Start with module.h (the module, its handlers, the runtime table); each service has
 * its own header and version, obtained with rt->get_api(name, version):
 *   sql.h      parameterised SQL on the site's database
 *   moodle.h   site settings, contexts, cache flags, events, preferences, passwords
 *   resolve.h  users, courses, categories, roles, enrol instances, groups, cohorts -> ids
 *   enrol.h    enrolments and role assignments
 *   groups.h   groups and members
 *   cohorts.h  cohorts and members (with enrol_cohort's observer)
 *   bridge.h   operations only Moodle's PHP can do, and cache purges
 *   archive.h  the bytes of a zip entry (TS_H_ARCHIVE handlers)
 *   files.h    Moodle's file storage: {files} rows and the filedir content pool
 *   util.h     string map, UTF-8 and JSON text, the files' value syntax
 * Including this header includes them all; each also reads (and compiles) alone.
 */
#ifndef TOOLSYNC_SDK_H
#define TOOLSYNC_SDK_H

#include "module.h"
#include "sql.h"
#include "moodle.h"
#include "resolve.h"
#include "enrol.h"
#include "groups.h"
#include "cohorts.h"
#include "bridge.h"
#include "archive.h"
#include "files.h"
#include "util.h"

#endif
