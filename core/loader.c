/* Loads entity modules with libltdl, refuses those built for another ABI, and keeps the
 * handlers they register.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <limits.h>
#include <ltdl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include "run.h"

static engine *current;

void host_set_engine(engine *e) { current = e; }

/* Copies `size` bytes of a module's structure into ours, zeroing what the module's
 * older layout does not have: the core never reads past what a module built. */
static void copy_prefix(void *ours, size_t ours_size, const void *theirs, size_t size)
{
    memset(ours, 0, ours_size);
    memcpy(ours, theirs, size < ours_size ? size : ours_size);
}

/* An array of a module's structures, `elem` bytes each, ended by a NULL first field
 * (a name), normalised to our layout. */
static void *copy_array(const void *theirs, size_t elem, size_t ours_elem)
{
    size_t n = 0;
    const char *p = theirs;
    while (p && *(const char *const *)(p + n * elem))
        n++;
    char *out = calloc(n + 1, ours_elem);
    for (size_t i = 0; i < n; i++)
        copy_prefix(out + i * ours_elem, ours_elem, p + i * elem, elem);
    return out;
}

/* Called by modules through the runtime table during init(). */
int loader_register_handler(const ts_handler *theirs)
{
    if (!current || !current->loading) {
        ts_logf(TS_LOG_ERROR, "register_handler called outside a module's init()");
        return -1;
    }
    if (!theirs || theirs->size < offsetof(ts_handler, free_state) + sizeof(void *) ||
        theirs->column_size < sizeof(const char *)) {
        ts_logf(TS_LOG_ERROR, "module %s: a handler declared without its sizes (begin it "
                "with TS_HANDLER_HEADER)", current->loading->desc->name);
        return -1;
    }
    handler_entry *he = &current->handlers[current->nhandlers];
    ts_handler tmp;
    copy_prefix(&tmp, sizeof tmp, theirs, theirs->size);
    const ts_handler *h = &tmp;
    if (!h->name || !h->row || !h->columns) {
        ts_logf(TS_LOG_ERROR, "module %s: a handler needs a name, columns and a row callback",
                current->loading->desc->name);
        return -1;
    }
    if (loader_find_handler(current, h->name)) {
        ts_logf(TS_LOG_ERROR, "module %s: handler '%s' is already registered",
                current->loading->desc->name, h->name);
        return -1;
    }
    if (current->nhandlers >= TS_MAX_HANDLERS)
        return -1;
    he->copy = tmp;
    he->columns = copy_array(h->columns, h->column_size, sizeof(ts_column));
    he->copy.columns = he->columns;
    he->copy.column_size = sizeof(ts_column);
    he->h = &he->copy;
    he->mod = current->loading;
    current->nhandlers++;
    return 0;
}

handler_entry *loader_find_handler(engine *e, const char *name)
{
    for (size_t i = 0; i < e->nhandlers; i++)
        if (strcmp(e->handlers[i].h->name, name) == 0)
            return &e->handlers[i];
    return NULL;
}

/* The core's own command words, never a module's. */
static int core_command(const char *name)
{
    static const char *const words[] = { "run", "task", "modules", "check", "capture",
                                          "cleanup", "help", NULL };
    for (const char *const *w = words; *w; w++)
        if (strcmp(*w, name) == 0)
            return 1;
    return 0;
}

/* ABI 2.2: a module's own command, called through the runtime table during init(). */
int loader_register_command(const ts_command *theirs)
{
    if (!current || !current->loading) {
        ts_logf(TS_LOG_ERROR, "register_command called outside a module's init()");
        return -1;
    }
    const char *mod = current->loading->desc->name;
    if (!theirs || theirs->size < offsetof(ts_command, run) + sizeof(void *)) {
        ts_logf(TS_LOG_ERROR, "module %s: a command declared without its size (begin it "
                "with TS_COMMAND_HEADER)", mod);
        return -1;
    }
    command_entry *ce = &current->commands[current->ncommands];
    ts_command tmp;
    copy_prefix(&tmp, sizeof tmp, theirs, theirs->size);
    if (!tmp.name || !*tmp.name || *tmp.name == '-' || !tmp.run) {
        ts_logf(TS_LOG_ERROR, "module %s: a command needs a name and a run callback", mod);
        return -1;
    }
    if (core_command(tmp.name) || loader_find_command(current, tmp.name)) {
        ts_logf(TS_LOG_ERROR, "module %s: command '%s' is taken already", mod, tmp.name);
        return -1;
    }
    if (current->ncommands >= TS_MAX_COMMANDS)
        return -1;
    ce->copy = tmp;
    ce->c = &ce->copy;
    ce->mod = current->loading;
    current->ncommands++;
    return 0;
}

command_entry *loader_find_command(engine *e, const char *name)
{
    for (size_t i = 0; i < e->ncommands; i++)
        if (strcmp(e->commands[i].c->name, name) == 0)
            return &e->commands[i];
    return NULL;
}

/* Where a module may be: the configured directory, the build tree next to the binary
 * (so that a freshly built toolsync runs without installing), the installed pkglibdir. */
static lt_dlhandle open_module(const char *moduledir, const char *name, char *path, size_t len)
{
    char exe[2048] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
    }
    char candidates[3][4096];
    int nc = 0;
    if (moduledir && *moduledir)
        snprintf(candidates[nc++], 4096, "%s/%s", moduledir, name);
    if (*exe)
        snprintf(candidates[nc++], 4096, "%s/modules/%s/%s", exe, name, name);
    snprintf(candidates[nc++], 4096, "%s/%s", PKGLIBDIR, name);
    for (int i = 0; i < nc; i++) {
        lt_dlhandle h = lt_dlopenext(candidates[i]);
        if (h) {
            snprintf(path, len, "%.4000s", candidates[i]);
            return h;
        }
        if (moduledir && *moduledir && i == 0) {
            /* The configured directory is authoritative: say why it failed. */
            ts_logf(TS_LOG_DEBUG, "module %s not loaded from %s: %s", name, candidates[i],
                    lt_dlerror());
        }
    }
    return NULL;
}

static int check_abi(const ts_module_desc *d, const char *path)
{
    if (d->magic == 0x54534d31u) {   /* "TSM1": the ABI 1 descriptor */
        ts_logf(TS_LOG_ERROR, "module %s was built for SDK ABI 1, this toolsync provides "
                "ABI %d.%d: rebuild it against this toolsync's SDK", path,
                TOOLSYNC_ABI_MAJOR, TOOLSYNC_ABI_MINOR);
        return -1;
    }
    if (d->magic != TOOLSYNC_MODULE_MAGIC || d->size < offsetof(ts_module_desc, fini)) {
        ts_logf(TS_LOG_ERROR, "%s is not a toolsync module (bad magic)", path);
        return -1;
    }
    if (d->abi_major != TOOLSYNC_ABI_MAJOR) {
        ts_logf(TS_LOG_ERROR,
                "module %s was built for SDK ABI %u.%u, this toolsync provides ABI %d.%d: "
                "rebuild it against this toolsync's SDK",
                d->name ? d->name : path, d->abi_major, d->abi_minor,
                TOOLSYNC_ABI_MAJOR, TOOLSYNC_ABI_MINOR);
        return -1;
    }
    if (d->abi_minor > TOOLSYNC_ABI_MINOR) {
        ts_logf(TS_LOG_ERROR,
                "module %s needs SDK ABI %u.%u but this toolsync provides only %d.%d: "
                "upgrade toolsync", d->name, d->abi_major, d->abi_minor,
                TOOLSYNC_ABI_MAJOR, TOOLSYNC_ABI_MINOR);
        return -1;
    }
    if (!d->name || !d->init) {
        ts_logf(TS_LOG_ERROR, "module %s: descriptor without name or init", path);
        return -1;
    }
    return 0;
}

int loader_load_all(engine *e, cfg_t *global)
{
    if (lt_dlinit() != 0) {
        ts_logf(TS_LOG_ERROR, "libltdl: %s", lt_dlerror());
        return -1;
    }
    host_set_engine(e);
    const char *moduledir = cfg_getstr(global, "moduledir");
    unsigned n = cfg_size(global, "modules");
    for (unsigned i = 0; i < n; i++) {
        const char *name = cfg_getnstr(global, "modules", i);
        module_entry *m = &e->modules[e->nmodules];
        if (e->nmodules >= TS_MAX_MODULES)
            return -1;
        lt_dlhandle h = open_module(moduledir, name, m->path, sizeof m->path);
        if (!h) {
            ts_logf(TS_LOG_ERROR, "cannot load module '%s' (looked in %s%s%s): %s", name,
                    *moduledir ? moduledir : "", *moduledir ? ", " : "", PKGLIBDIR,
                    lt_dlerror());
            return -1;
        }
        const ts_module_desc *d = lt_dlsym(h, "toolsync_module");
        if (!d) {
            ts_logf(TS_LOG_ERROR, "%s exports no toolsync_module descriptor", m->path);
            lt_dlclose(h);
            return -1;
        }
        if (check_abi(d, m->path) != 0) {
            lt_dlclose(h);
            return -1;
        }
        m->handle = h;
        copy_prefix(&m->copy, sizeof m->copy, d, d->size);
        if (m->copy.options) {
            m->options = copy_array(m->copy.options, m->copy.option_size, sizeof(ts_option));
            m->copy.options = m->options;
            m->copy.option_size = sizeof(ts_option);
        }
        m->desc = &m->copy;
        d = m->desc;
        e->nmodules++;
        e->loading = m;
        int rc = d->init(runtime_table());
        e->loading = NULL;
        if (rc != 0) {
            ts_logf(TS_LOG_ERROR, "module %s failed to initialise", d->name);
            return -1;
        }
    }
    return 0;
}

void loader_unload_all(engine *e)
{
    for (size_t i = 0; i < e->nmodules; i++) {
        if (e->modules[i].desc && e->modules[i].desc->fini)
            e->modules[i].desc->fini();
        /* Modules stay mapped until exit: libconfuse still holds their option names,
         * and our normalised copies point into their strings. */
    }
    e->nmodules = 0;
    e->nhandlers = 0;
    e->ncommands = 0;
}
