/* The toolsync command: options, configuration, modules, then the sub-command.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "engine.h"
#include "filestore.h"

static void usage(FILE *out)
{
    fprintf(out,
"Usage: toolsync [OPTIONS] COMMAND [ARGS]\n"
"Feeds a Moodle site's database from CSV command files (users, courses, enrolments...).\n"
"\n"
"Commands:\n"
"  run HANDLER [FILE...]  process FILE(s) in place, or the handler's configured file\n"
"                         (default name, folder path, comma list or wildcard) in syncdir\n"
"  task [NAME]            run a task: its handlers in order, each on its waiting files\n"
"                         (courses: delete, create, metas; courses-all: reset, check,\n"
"                         delete, create, metas; cohorts: members, then bindings...);\n"
"                         without NAME, list the tasks\n"
"  modules                list the loaded modules and their handlers (-v: columns, options)\n"
"  check                  check the configuration and the database; show the Moodle version\n"
"  capture                move files from the drop directory into syncdir now\n"
"  cleanup                delete area outputs (archives, reports, tryback files) older\n"
"                         than fileareacleanupdelay days; command files are never deleted\n"
"  MODULE-COMMAND [ARGS]  a command a loaded module adds (listed below when the\n"
"                         configuration can be read; toolsync modules lists them too)\n"
"\n"
"Options:\n"
"  -c, --config FILE      configuration file (default: $TOOLSYNC_CONF, else\n"
"                         %s/toolsync/toolsync.conf)\n"
"  -s, --set KEY=VALUE    override a setting: KEY or SECTION.KEY (repeatable), e.g.\n"
"                         --set users.primaryidentity=username --set filearchive=true\n"
"  -n, --dry-run          run every write inside a transaction that is rolled back:\n"
"                         the report predicts the real run; only the report and a\n"
"                         _tryback_sim_ file are written\n"
"  -v, --verbose          print each report line (twice: debug messages)\n"
"  -q, --quiet            print errors only (for cron)\n"
"      --progress         show progress even when not on a terminal\n"
"      --no-progress      never show progress\n"
"      --no-capture       do not capture the drop directory before running\n"
"      --stats            print rows/s and peak memory on standard error at the end\n"
"  -h, --help             this help;  -V, --version  the version\n"
"\n"
"Exit status: 0 every line applied (or no file waiting), 1 some lines failed (see the\n"
"tryback file; a module command: some items failed), 2 file rejected (given file\n"
"missing, bad header, unreadable, busy), 3 configuration or database failure, or an\n"
"output (report, tryback, archive) that could not be written.  Reports are kept in\n"
"<syncdir>/reports/ (text and .jsonl).  See toolsync(1).\n",
            SYSCONFDIR);
}

/* The commands of the loaded modules, for --help. */
static void usage_commands(FILE *out, const engine *e, int loaded)
{
    if (!loaded) {
        fprintf(out, "\nModule commands: none listed (the configuration could not be read)\n");
        return;
    }
    fprintf(out, "\nModule commands (of the modules this configuration loads):\n");
    if (e->ncommands == 0)
        fprintf(out, "  (none)\n");
    for (size_t i = 0; i < e->ncommands; i++) {
        const ts_command *c = e->commands[i].c;
        char word[80];
        snprintf(word, sizeof word, "%s%s%s", c->name, c->usage ? " " : "",
                 c->usage ? c->usage : "");
        fprintf(out, "  %-22s %s (module %s)\n", word, c->summary ? c->summary : "",
                e->commands[i].mod->desc->name);
    }
}

enum { OPT_NO_CAPTURE = 256, OPT_STATS, OPT_PROGRESS, OPT_NO_PROGRESS };

static void warn_capture(void *ctx, const char *msg)
{
    (void)ctx;
    ts_logf(TS_LOG_WARN, "%s", msg);
}

static void removed_file(void *ctx, const char *path)
{
    (void)ctx;
    ts_logf(TS_LOG_INFO, "removing %s", path);
}

static int capture(engine *e)
{
    const char *drop = config_global_str(e->cfg, "dropdir");
    if (!*drop)
        return 0;
    int settle = (int)strtol(config_global_str(e->cfg, "capturesettle"), NULL, 10);
    int n = fs_capture(drop, config_global_str(e->cfg, "syncdir"), settle, warn_capture, NULL);
    if (n < 0)
        ts_logf(TS_LOG_ERROR, "capture of %s failed", drop);
    else if (n > 0)
        ts_logf(TS_LOG_INFO, "captured %d file(s) from %s", n, drop);
    return n < 0 ? -1 : 0;
}

/* Several lines of help, each indented under its handler or command. */
static void print_description(const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        printf("    %.*s\n", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

static int cmd_modules(engine *e, int verbose)
{
    for (size_t i = 0; i < e->nmodules; i++) {
        const ts_module_desc *d = e->modules[i].desc;
        printf("%s %s (ABI %u.%u) - %s\n  from %s\n", d->name, d->version ? d->version : "?",
               d->abi_major, d->abi_minor, d->summary ? d->summary : "", e->modules[i].path);
        for (size_t k = 0; k < e->nhandlers; k++) {
            const ts_handler *h = e->handlers[k].h;
            if (e->handlers[k].mod != &e->modules[i])
                continue;
            printf("  handler %-16s %s (default file %s)\n", h->name, h->summary ? h->summary : "",
                   h->default_file ? h->default_file : "-");
            if (!verbose)
                continue;
            if (h->description)
                print_description(h->description);
            for (const ts_column *c = h->columns; c->name; c++)
                printf("    column %s%s%s  %s\n", c->name,
                       c->kind == TS_COL_INDEXED ? "<N>" : c->kind == TS_COL_PREFIX ? "*" : "",
                       c->kind == TS_COL_REQUIRED ? " (required)" : "", c->help ? c->help : "");
        }
        for (size_t k = 0; k < e->ncommands; k++) {
            const ts_command *c = e->commands[k].c;
            if (e->commands[k].mod != &e->modules[i])
                continue;
            printf("  command %-16s %s", c->name, c->summary ? c->summary : "");
            if (c->usage)
                printf(" (arguments: %s)", c->usage);
            printf("\n");
            if (verbose && c->description)
                print_description(c->description);
        }
        if (verbose && d->options)
            for (const ts_option *o = d->options; o->name; o++)
                printf("    option %s.%s = %s  %s\n", d->name, o->name,
                       config_module_str(e->cfg, d->name, o->name), o->help ? o->help : "");
    }
    return TS_EXIT_OK;
}

/* moodle.dataroot: set, Moodle's (it holds filedir/), writable by us. */
static void check_dataroot(engine *e)
{
    const char *root = config_module_str(e->cfg, "moodle", "dataroot");
    moodle_pool p;
    char err[600], dir[4200];
    if (!*root) {
        printf("dataroot: not set (moodle.dataroot): pictures cannot be stored\n");
        return;
    }
    if (moodle_pool_open(&p, root, config_module_str(e->cfg, "moodle", "directorypermissions"),
                         config_module_str(e->cfg, "moodle", "filepermissions"), 1, err,
                         sizeof err) != 0) {
        printf("dataroot: %s: NOT USABLE: %s\n", root, err);
        return;
    }
    snprintf(dir, sizeof dir, "%s", p.filedir);
    printf("dataroot: %s: holds filedir/, %s (files %04o, folders %04o)\n", root,
           access(dir, W_OK | X_OK) == 0 ? "writable" : "NOT WRITABLE by this user",
           p.filemode, p.dirmode);
}

static int cmd_check(engine *e)
{
    const char *root = config_global_str(e->cfg, "syncdir");
    printf("configuration: %s: ok\n", e->conf_path);
    printf("modules: %zu loaded, %zu handlers\n", e->nmodules, e->nhandlers);
    if (access(root, W_OK) != 0)
        printf("syncdir: %s: not writable yet (created at the first run)\n", root);
    else
        printf("syncdir: %s: ok\n", root);
    if (engine_open_site(e) != 0) {
        printf("database: FAILED (see above)\n");
        return TS_EXIT_FATAL;
    }
    char server[160];
    if (moodle_server_name(e->site, server, sizeof server) != 0)
        snprintf(server, sizeof server, "connected");
    printf("database: %s: ok\n", server);
    const moodle_family *f = moodle_site_family(e->site);
    printf("moodle: %s (version %lld), known as Moodle %s%s, admin user id %lld, logstore %s\n",
           moodle_release(e->site), (long long)moodle_version(e->site), f->name,
           moodle_version_beyond(e->site) ? " (newer: admitted by moodle.acceptversion, "
                                            "at your own risk)" : "",
           (long long)moodle_admin_id(e->site),
           moodle_logs_to_standard(e->site) ? "standard (events logged)" : "off");
    int cost = 0;
    const char *scheme = moodle_new_password_scheme(e->site, &cost);
    if (strcmp(scheme, MOODLE_HASH_SHA512) == 0)
        printf("passwords: new ones SHA-512 crypt ($6$), %d rounds (passwordrounds)\n", cost);
    else
        printf("passwords: new ones bcrypt ($2y$), cost %d (passwordhashcost; Moodle "
               "re-hashes at its own cost at the first login)\n", cost);
    check_dataroot(e);
    return engine_bridge_check(e) == 0 ? TS_EXIT_OK : TS_EXIT_FATAL;
}

static int cmd_cleanup(engine *e)
{
    long days = strtol(config_global_str(e->cfg, "fileareacleanupdelay"), NULL, 10);
    if (days <= 0) {
        ts_logf(TS_LOG_INFO, "fileareacleanupdelay is 0: nothing removed");
        return TS_EXIT_OK;
    }
    /* Command files waiting under their default names are not the cleanup's to take. */
    const char *protect[TS_MAX_HANDLERS + 1];
    size_t n = 0;
    for (size_t i = 0; i < e->nhandlers; i++)
        if (e->handlers[i].h->default_file)
            protect[n++] = e->handlers[i].h->default_file;
    protect[n] = NULL;
    int rc = fs_area_cleanup(config_global_str(e->cfg, "syncdir"), (int)days, protect,
                             removed_file, NULL);
    return rc < 0 ? TS_EXIT_FATAL : TS_EXIT_OK;
}

static int cmd_run(engine *e, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "toolsync: run: which handler? (toolsync modules lists them)\n");
        return TS_EXIT_FATAL;
    }
    handler_entry *he = loader_find_handler(e, argv[0]);
    if (!he) {
        fprintf(stderr, "toolsync: no handler named '%s'; loaded handlers:", argv[0]);
        for (size_t i = 0; i < e->nhandlers; i++)
            fprintf(stderr, " %s", e->handlers[i].h->name);
        fprintf(stderr, "\n");
        return TS_EXIT_FATAL;
    }
    /* The drop directory is captured by each run, under its reservation. */
    if (argc == 1)
        return run_waiting(e, he);
    int worst = TS_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        int rc = run_handler(e, he, argv[i]);
        if (rc > worst)
            worst = rc;
        if (rc == TS_EXIT_FATAL)
            break;
    }
    return worst;
}

/* What the command line asked for, before the command word. */
typedef struct {
    const char *conf;
    conf_override ov[128];
    size_t nov;
    int help;
} cli;

/* Parses the options into *cl and e->flags: -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, engine *e, cli *cl)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "set", required_argument, NULL, 's' },
        { "dry-run", no_argument, NULL, 'n' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "no-capture", no_argument, NULL, OPT_NO_CAPTURE },
        { "stats", no_argument, NULL, OPT_STATS },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { NULL, 0, NULL, 0 }
    };
    int c;
    /* '+': options stop at the command, so that "run users -x" is not reordered. */
    while ((c = getopt_long(argc, argv, "+c:s:nvqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': cl->conf = optarg; break;
        case 's': {
            char *eq = strchr(optarg, '=');
            if (!eq || cl->nov >= 128) {
                fprintf(stderr, "toolsync: --set takes KEY=VALUE\n");
                return TS_EXIT_FATAL;
            }
            *eq = 0;
            cl->ov[cl->nov].key = optarg;
            cl->ov[cl->nov].value = eq + 1;
            cl->nov++;
            break;
        }
        case 'n': e->flags.dry_run = 1; break;
        case 'v': e->flags.verbose++; break;
        case 'q': e->flags.quiet = 1; break;
        case 'h': cl->help = 1; break;
        case 'V': printf("toolsync %s (SDK ABI %d.%d)\n", PACKAGE_VERSION, TOOLSYNC_ABI_MAJOR,
                         TOOLSYNC_ABI_MINOR); return TS_EXIT_OK;
        case OPT_NO_CAPTURE: e->flags.no_capture = 1; break;
        case OPT_STATS: e->flags.stats = 1; break;
        case OPT_PROGRESS: e->flags.progress = 1; break;
        case OPT_NO_PROGRESS: e->flags.progress = 0; break;
        default: usage(stderr); return TS_EXIT_FATAL;
        }
    }
    return -1;
}

/* The configuration, read twice around loading the modules it names: 0 or -1 (said). */
static int load(engine *e, const cli *cl)
{
    cfg_t *global = config_parse_global(e->conf_path, cl->ov, cl->nov);
    if (!global)
        return -1;
    int rc = loader_load_all(e, global);
    cfg_free(global);
    if (rc != 0)
        return -1;
    e->cfg = config_parse_full(e->conf_path, cl->ov, cl->nov, e->modules, e->nmodules);
    return e->cfg ? 0 : -1;
}

/* --help and `help`: the core's commands, then those of the modules the configuration
 * loads (when it can be read: help never fails for want of it). */
static int help(engine *e, const cli *cl)
{
    usage(stdout);
    fflush(stdout);                 /* before any complaint about the configuration */
    ts_log_setup(1, 0);
    int loaded = access(e->conf_path, R_OK) == 0 && load(e, cl) == 0;
    usage_commands(stdout, e, loaded);
    return TS_EXIT_OK;
}

static int dispatch(engine *e, int argc, char **argv)
{
    const char *cmd = argv[0];
    if (strcmp(cmd, "run") == 0)
        return cmd_run(e, argc - 1, argv + 1);
    if (strcmp(cmd, "task") == 0)
        return run_task(e, argc > 1 ? argv[1] : NULL);
    if (strcmp(cmd, "modules") == 0)
        return cmd_modules(e, e->flags.verbose || (argc > 1 && strcmp(argv[1], "-v") == 0));
    if (strcmp(cmd, "check") == 0)
        return cmd_check(e);
    if (strcmp(cmd, "capture") == 0)
        return capture(e) == 0 ? TS_EXIT_OK : TS_EXIT_FATAL;
    if (strcmp(cmd, "cleanup") == 0)
        return cmd_cleanup(e);
    /* A word a loaded module registered (ABI 2.2): its command, with the words after. */
    command_entry *ce = loader_find_command(e, cmd);
    if (ce)
        return run_command(e, ce, argc - 1, argv + 1);
    fprintf(stderr, "toolsync: unknown command '%s' (try toolsync --help)\n", cmd);
    return TS_EXIT_FATAL;
}

int main(int argc, char **argv)
{
    static engine eng;
    static cli cl;
    engine *e = &eng;
    e->flags.progress = -1;
    cl.conf = getenv("TOOLSYNC_CONF");
    int st = parse_options(argc, argv, e, &cl);
    if (st >= 0)
        return st;
    if (cl.conf)
        snprintf(e->conf_path, sizeof e->conf_path, "%s", cl.conf);
    else
        snprintf(e->conf_path, sizeof e->conf_path, "%s/toolsync/toolsync.conf", SYSCONFDIR);
    int rc;
    if (cl.help || (optind < argc && strcmp(argv[optind], "help") == 0)) {
        rc = help(e, &cl);
    } else if (optind >= argc) {
        usage(stderr);
        return TS_EXIT_FATAL;
    } else {
        ts_log_setup(e->flags.quiet, e->flags.verbose);
        rc = load(e, &cl) == 0 ? dispatch(e, argc - optind, argv + optind) : TS_EXIT_FATAL;
    }
    engine_bridge_free(e);
    if (e->site)
        moodle_close(e->site);
    if (e->db)
        db_close(e->db);
    loader_unload_all(e);
    if (e->cfg)
        cfg_free(e->cfg);
    return rc;
}
