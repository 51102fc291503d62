/* toolsync.conf: two passes with libconfuse, so that every key is validated.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first pass reads only the global keys (module sections are ignored) to learn which
 * modules to load; the second pass knows every module's declared options and refuses
 * any key nobody declared, with file and line (libconfuse's own messages).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "engine.h"

static const char *separators[] = { ";", ",", ":", "tab", NULL };
static const char *dbtypes[] = { "sqlite", "pgsql", "mariadb", NULL };

/* One choice-validation table per option with choices, found by the option's address. */
typedef struct { const char *module, *name; const char *const *choices; } choice_rule;
static choice_rule rules[256];
static size_t nrules;

static int in_list(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

static int validate_choice(cfg_t *cfg, cfg_opt_t *opt)
{
    /* libconfuse copies option arrays, so rules are found by section and name. */
    const char *const *choices = NULL;
    const char *sec = cfg_name(cfg);
    for (size_t i = 0; i < nrules && !choices; i++)
        if (sec && strcmp(rules[i].module, sec) == 0 && strcmp(rules[i].name, opt->name) == 0)
            choices = rules[i].choices;
    const char *v = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
    if (!choices || !v || in_list(v, choices))
        return 0;
    char allowed[512] = "";
    for (const char *const *c = choices; *c; c++) {
        strncat(allowed, *c, sizeof allowed - strlen(allowed) - 3);
        if (c[1])
            strcat(allowed, ", ");
    }
    cfg_error(cfg, "option '%s': '%s' is not one of %s", opt->name, v, allowed);
    return -1;
}

static int validate_separator(cfg_t *cfg, cfg_opt_t *opt)
{
    const char *v = cfg_opt_getnstr(opt, 0);
    if (v && !in_list(v, separators)) {
        cfg_error(cfg, "option 'csvseparator': '%s' is not one of ; , : tab", v);
        return -1;
    }
    return 0;
}

static int validate_dbtype(cfg_t *cfg, cfg_opt_t *opt)
{
    const char *v = cfg_opt_getnstr(opt, 0);
    if (v && !in_list(v, dbtypes)) {
        cfg_error(cfg, "option 'type': '%s' is not one of sqlite, pgsql, mariadb", v);
        return -1;
    }
    return 0;
}

/* SHA-512 crypt rounds (Moodle 4.3+): below Moodle's own fast mode (5000) a hash would
 * be weaker than any Moodle writes, and Moodle never re-hashes a $6$ hash. */
static int validate_rounds(cfg_t *cfg, cfg_opt_t *opt)
{
    long v = cfg_opt_getnint(opt, 0);
    if (v < 5000 || v > 999999999) {
        cfg_error(cfg, "option 'passwordrounds': %ld is not between 5000 and 999999999", v);
        return -1;
    }
    return 0;
}

static int validate_acceptversion(cfg_t *cfg, cfg_opt_t *opt)
{
    long v = cfg_opt_getnint(opt, 0);
    if (v != 0 && (v < 2000000000L || v > 2999999999L)) {
        cfg_error(cfg, "option 'acceptversion': %ld is not a Moodle version number "
                  "(e.g. 2027041900) nor 0", v);
        return -1;
    }
    return 0;
}

static cfg_opt_t db_opts[] = {
    CFG_STR("type", "sqlite", CFGF_NONE),
    CFG_STR("host", "", CFGF_NONE),
    CFG_INT("port", 0, CFGF_NONE),
    CFG_STR("socket", "", CFGF_NONE),
    CFG_STR("name", "/var/lib/toolsync/moodle.sqlite", CFGF_NONE),
    CFG_STR("user", "", CFGF_NONE),
    CFG_STR("password", "", CFGF_NONE),
    CFG_STR("prefix", "mdl_", CFGF_NONE),
    CFG_END()
};

/* The site's Moodle code, for the PHP bridge (and its data, for pictures). */
static cfg_opt_t moodle_opts[] = {
    CFG_STR("dirroot", "", CFGF_NONE),
    CFG_STR("php", "", CFGF_NONE),
    CFG_STR("bridgescript", "", CFGF_NONE),
    CFG_INT("bridgetimeout", 300, CFGF_NONE),
    CFG_STR("dataroot", "", CFGF_NONE),
    /* A Moodle version newer than the newest toolsync knows, accepted at the
     * administrator's risk (0: none). */
    CFG_INT("acceptversion", 0, CFGF_NONE),
    /* $CFG->directorypermissions / filepermissions of config.php (octal; "" = Moodle's
     * defaults 02777 and directorypermissions & 0666): the modes of filedir content. */
    CFG_STR("directorypermissions", "", CFGF_NONE),
    CFG_STR("filepermissions", "", CFGF_NONE),
    CFG_END()
};

/* task "name" { run = {...} }: a named sequence of handlers (tasks.c). */
static cfg_opt_t task_opts[] = {
    CFG_STR_LIST("run", "{}", CFGF_NONE),
    CFG_END()
};

/* The global keys; a copy is extended with module sections for the second pass. */
static cfg_opt_t global_opts[] = {
    CFG_STR("syncdir", "/var/lib/toolsync/sync", CFGF_NONE),
    CFG_STR("dropdir", "", CFGF_NONE),
    CFG_STR_LIST("modules", "{users}", CFGF_NONE),
    CFG_STR("moduledir", "", CFGF_NONE),
    CFG_STR("csvseparator", ";", CFGF_NONE),
    CFG_STR("encoding", "UTF-8", CFGF_NONE),
    CFG_BOOL("invalidnamesnocheck", cfg_false, CFGF_NONE),
    CFG_BOOL("storereport", cfg_true, CFGF_NONE),
    CFG_BOOL("filefailed", cfg_true, CFGF_NONE),
    CFG_BOOL("filearchive", cfg_false, CFGF_NONE),
    CFG_BOOL("filecleanup", cfg_false, CFGF_NONE),
    CFG_BOOL("discardfileonfailure", cfg_false, CFGF_NONE),
    CFG_BOOL("simulate_tryback", cfg_true, CFGF_NONE),
    CFG_INT("fileareacleanupdelay", 90, CFGF_NONE),
    CFG_INT("batchsize", 500, CFGF_NONE),
    CFG_INT("passwordhashcost", 4, CFGF_NONE),
    CFG_INT("passwordrounds", 10000, CFGF_NONE),
    CFG_INT("threads", 0, CFGF_NONE),
    CFG_INT("maxlinelength", 1048576, CFGF_NONE),
    /* Archive inputs: what an entry, an archive may hold (bytes), and the compression
     * ratio past which an entry is taken for a zip bomb. */
    CFG_INT("archivemaxentrysize", 52428800, CFGF_NONE),
    CFG_INT("archivemaxtotalsize", 4294967296, CFGF_NONE),
    CFG_INT("archivemaxentries", 100000, CFGF_NONE),
    CFG_INT("archivemaxratio", 200, CFGF_NONE),
    CFG_INT("capturesettle", 5, CFGF_NONE),
    CFG_SEC("database", db_opts, CFGF_NONE),
    CFG_SEC("moodle", moodle_opts, CFGF_NONE),
    CFG_SEC("task", task_opts, CFGF_MULTI | CFGF_TITLE),
    CFG_END()
};

#define NGLOBAL (sizeof global_opts / sizeof global_opts[0] - 1)

/* libconfuse's own messages, completed with the file and line and a line end. */
static const char *parsing_path;
static int last_line;
static const char *override_key;    /* set while a --set value is applied */

static void conf_error(cfg_t *cfg, const char *fmt, va_list ap)
{
    int line = cfg && cfg->line ? cfg->line : last_line;
    /* A bad --set value is not on any line of the file: blame the option. */
    if (override_key)
        fprintf(stderr, "toolsync: --set %s: ", override_key);
    else
        fprintf(stderr, "toolsync: %s:%d: ", parsing_path ? parsing_path : "toolsync.conf", line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

static void set_validators(cfg_t *cfg)
{
    cfg_set_error_function(cfg, conf_error);
    cfg_set_validate_func(cfg, "csvseparator", validate_separator);
    cfg_set_validate_func(cfg, "database|type", validate_dbtype);
    cfg_set_validate_func(cfg, "passwordrounds", validate_rounds);
    cfg_set_validate_func(cfg, "moodle|acceptversion", validate_acceptversion);
}

/* "key=value" or "section.key=value" */
static int apply_overrides(cfg_t *cfg, const conf_override *ov, size_t nov, int strict)
{
    for (size_t i = 0; i < nov; i++) {
        char sec[128] = "";
        const char *key = ov[i].key;
        const char *dot = strchr(key, '.');
        cfg_t *target = cfg;
        if (dot) {
            size_t n = (size_t)(dot - key);
            if (n >= sizeof sec)
                n = sizeof sec - 1;
            memcpy(sec, key, n);
            sec[n] = 0;
            key = dot + 1;
            if (!cfg_getopt(cfg, sec)) {
                if (!strict)
                    continue;
                fprintf(stderr, "toolsync: --set %s: no section '%s'\n", ov[i].key, sec);
                return -1;
            }
            target = cfg_getsec(cfg, sec);
        }
        cfg_opt_t *opt = target ? cfg_getopt(target, key) : NULL;
        if (!opt) {
            if (!strict)
                continue;
            fprintf(stderr, "toolsync: --set %s: no such setting\n", ov[i].key);
            return -1;
        }
        if (opt->flags & CFGF_LIST) {
            /* A list is given as comma-separated values. */
            char *copy = strdup(ov[i].value), *save = NULL;
            unsigned n = 0;
            char *vals[64];
            for (char *t = strtok_r(copy, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save))
                vals[n++] = t;
            cfg_free_value(opt);
            for (unsigned k = 0; k < n; k++)
                cfg_opt_setnstr(opt, vals[k], k);
            free(copy);
            continue;
        }
        override_key = ov[i].key;
        int bad = !cfg_setopt(target, opt, ov[i].value) ||
                  (opt->validcb && opt->validcb(target, opt) != 0);
        override_key = NULL;
        if (bad) {
            fprintf(stderr, "toolsync: --set %s: invalid value '%s'\n", ov[i].key, ov[i].value);
            return -1;
        }
    }
    return 0;
}

static int parse_file(cfg_t *cfg, const char *path)
{
    parsing_path = path;
    int rc = cfg_parse(cfg, path);
    if (rc == CFG_FILE_ERROR) {
        fprintf(stderr, "toolsync: cannot read configuration %s: %s\n", path, strerror(errno));
        return -1;
    }
    return rc == CFG_SUCCESS ? 0 : -1;
}

/* Names of the sections opened in the file ("name {"), found by a plain scan: the first
 * pass must step over module sections it cannot know yet, and libconfuse only ignores
 * unknown options inside sections it was told about. */
static size_t scan_sections(const char *path, char names[][64], size_t max)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t n = 0;
    if (!f)
        return 0;
    while (n < max && fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t len = 0;
        while ((p[len] >= 'a' && p[len] <= 'z') || (p[len] >= 'A' && p[len] <= 'Z') ||
               (p[len] >= '0' && p[len] <= '9') || p[len] == '_' || p[len] == '-')
            len++;
        char *q = p + len;
        while (*q == ' ' || *q == '\t')
            q++;
        /* The global sections are declared already: declaring them again made
         * libconfuse print "duplicate option" whenever a moodle { } section was there. */
        if (len == 0 || len >= 64 || *q != '{' || (len == 8 && !strncmp(p, "database", 8)) ||
            (len == 6 && !strncmp(p, "moodle", 6)))
            continue;
        memcpy(names[n], p, len);
        names[n][len] = 0;
        n++;
    }
    fclose(f);
    return n;
}

cfg_t *config_parse_global(const char *path, const conf_override *ov, size_t nov)
{
    static char names[TS_MAX_MODULES][64];
    static cfg_opt_t anything[] = { CFG_STR("__unknown", 0, CFGF_NONE), CFG_END() };
    size_t nsec = scan_sections(path, names, TS_MAX_MODULES);
    cfg_opt_t *opts = calloc(NGLOBAL + nsec + 2, sizeof *opts);
    memcpy(opts, global_opts, NGLOBAL * sizeof *opts);
    for (size_t i = 0; i < nsec; i++) {
        cfg_opt_t sec = CFG_SEC(names[i], anything, CFGF_NONE);
        opts[NGLOBAL + i] = sec;
    }
    cfg_opt_t unknown = CFG_STR("__unknown", 0, CFGF_NONE), end = CFG_END();
    opts[NGLOBAL + nsec] = unknown;
    opts[NGLOBAL + nsec + 1] = end;
    cfg_t *cfg = cfg_init(opts, CFGF_IGNORE_UNKNOWN);
    free(opts);
    set_validators(cfg);
    if (parse_file(cfg, path) != 0 || apply_overrides(cfg, ov, nov, 0) != 0) {
        cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

/* Builds libconfuse options from a module's declarations. */
static cfg_opt_t *module_opts(const ts_module_desc *d)
{
    size_t n = 0;
    while (d->options && d->options[n].name)
        n++;
    cfg_opt_t *o = calloc(n + 1, sizeof *o);
    for (size_t i = 0; i < n; i++) {
        const ts_option *op = &d->options[i];
        const char *def = op->default_value ? op->default_value : "";
        switch (op->type) {
        case TS_OPT_INT: {
            cfg_opt_t t = CFG_INT(op->name, strtol(def, NULL, 10), CFGF_NONE);
            o[i] = t;
            break;
        }
        case TS_OPT_BOOL: {
            int b = strcmp(def, "true") == 0 || strcmp(def, "1") == 0 ||
                    strcmp(def, "yes") == 0 || strcmp(def, "on") == 0;
            cfg_opt_t t = CFG_BOOL(op->name, b ? cfg_true : cfg_false, CFGF_NONE);
            o[i] = t;
            break;
        }
        default: {
            cfg_opt_t t = CFG_STR(op->name, def, CFGF_NONE);
            if (op->type == TS_OPT_CHOICE)
                t.validcb = validate_choice;
            o[i] = t;
            break;
        }
        }
    }
    cfg_opt_t end = CFG_END();
    o[n] = end;
    /* Remember which options carry choices, for validate_choice. */
    for (size_t i = 0; i < n && nrules < sizeof rules / sizeof rules[0]; i++)
        if (d->options[i].type == TS_OPT_CHOICE) {
            rules[nrules].module = d->name;
            rules[nrules].name = d->options[i].name;
            rules[nrules].choices = d->options[i].choices;
            nrules++;
        }
    return o;
}

/* A database password in a file other users may read is a leak waiting to happen: say
 * so (the file still works, as a site may rely on group or ACL arrangements). */
static void warn_open_password(cfg_t *cfg, const char *path)
{
    struct stat st;
    cfg_t *d = cfg_getsec(cfg, "database");
    const char *pw = d ? cfg_getstr(d, "password") : NULL;
    if (!pw || !*pw || stat(path, &st) != 0 || !(st.st_mode & S_IROTH))
        return;
    ts_logf(TS_LOG_WARN, "%s holds the database password and is readable by other users "
            "(mode %03o): chmod o-r %s", path, (unsigned)(st.st_mode & 0777), path);
}

cfg_t *config_parse_full(const char *path, const conf_override *ov, size_t nov,
                         const module_entry *mods, size_t nmods)
{
    cfg_opt_t *opts = calloc(NGLOBAL + nmods + 1, sizeof *opts);
    memcpy(opts, global_opts, NGLOBAL * sizeof *opts);
    for (size_t i = 0; i < nmods; i++) {
        cfg_opt_t sec = CFG_SEC(mods[i].desc->name, module_opts(mods[i].desc), CFGF_NONE);
        opts[NGLOBAL + i] = sec;
    }
    cfg_opt_t end = CFG_END();
    opts[NGLOBAL + nmods] = end;
    /* libconfuse copies the option arrays (sub-options included). */
    cfg_t *cfg = cfg_init(opts, CFGF_NONE);
    for (size_t i = 0; i < nmods; i++)
        free(opts[NGLOBAL + i].subopts);
    free(opts);
    set_validators(cfg);
    if (parse_file(cfg, path) != 0 || apply_overrides(cfg, ov, nov, 1) != 0) {
        cfg_free(cfg);
        return NULL;
    }
    warn_open_password(cfg, path);
    return cfg;
}

static const char *opt_text(cfg_opt_t *opt)
{
    static char buf[8][64];
    static int slot;
    if (!opt)
        return "";
    switch (opt->type) {
    case CFGT_STR: {
        const char *s = cfg_opt_getnstr(opt, 0);
        return s ? s : "";
    }
    case CFGT_INT:
        slot = (slot + 1) % 8;
        snprintf(buf[slot], sizeof buf[slot], "%ld", cfg_opt_getnint(opt, 0));
        return buf[slot];
    case CFGT_BOOL:
        return cfg_opt_getnbool(opt, 0) ? "true" : "false";
    default:
        return "";
    }
}

const char *config_global_str(cfg_t *cfg, const char *name)
{
    return opt_text(cfg_getopt(cfg, name));
}

static cfg_opt_t *module_opt(cfg_t *cfg, const char *module, const char *name)
{
    cfg_t *sec = cfg_getsec(cfg, module);
    return sec ? cfg_getopt(sec, name) : NULL;
}

const char *config_module_str(cfg_t *cfg, const char *module, const char *name)
{
    return opt_text(module_opt(cfg, module, name));
}

long config_module_int(cfg_t *cfg, const char *module, const char *name)
{
    cfg_opt_t *o = module_opt(cfg, module, name);
    if (!o)
        return 0;
    if (o->type == CFGT_INT)
        return cfg_opt_getnint(o, 0);
    return strtol(opt_text(o), NULL, 10);
}

int config_module_bool(cfg_t *cfg, const char *module, const char *name)
{
    cfg_opt_t *o = module_opt(cfg, module, name);
    if (!o)
        return 0;
    if (o->type == CFGT_BOOL)
        return cfg_opt_getnbool(o, 0) ? 1 : 0;
    const char *t = opt_text(o);
    return strcmp(t, "1") == 0 || strcmp(t, "true") == 0 || strcmp(t, "yes") == 0;
}

int config_db_params(cfg_t *cfg, db_params *p, char *err, size_t errlen)
{
    cfg_t *d = cfg_getsec(cfg, "database");
    const char *type = cfg_getstr(d, "type");
    memset(p, 0, sizeof *p);
    if (strcmp(type, "sqlite") == 0)
        p->kind = TS_DB_SQLITE;
    else if (strcmp(type, "pgsql") == 0)
        p->kind = TS_DB_POSTGRES;
    else if (strcmp(type, "mariadb") == 0)
        p->kind = TS_DB_MARIADB;
    else {
        snprintf(err, errlen, "database type '%s' is not one of sqlite, pgsql, mariadb", type);
        return -1;
    }
    p->host = cfg_getstr(d, "host");
    p->port = (int)cfg_getint(d, "port");
    p->socket = cfg_getstr(d, "socket");
    p->name = cfg_getstr(d, "name");
    p->user = cfg_getstr(d, "user");
    p->password = cfg_getstr(d, "password");
    p->prefix = cfg_getstr(d, "prefix");
    return 0;
}
