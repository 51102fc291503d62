/* What every module needs to know about Moodle, written once.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Facts come from spec/moodle-writes.md (Moodle 4.2): contexts with path and depth,
 * cache flags, events in logstore_standard_log, user preferences, password hashing.
 * Everything goes through core/db; nothing here knows CSV or files.
 */
#ifndef TS_MOODLE_H
#define TS_MOODLE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include "db/db.h"

typedef struct moodle_site moodle_site;

/* Reads the site: {config} (all rows, cached), Moodle version and release, the log
 * stores enabled, the site admin (first id of config `siteadmins`), sessiontimeout.
 * Refuses (NULL + message) a database that is not a Moodle site, a version older than
 * 4.1 (2022112800) or newer than the newest known (5.3.x, see versions.c) unless
 * options->acceptversion admits it, and a site whose tables lack a column its version
 * has ("the schema does not match Moodle X: table T lacks column C").  options may be
 * NULL (defaults below). */
typedef struct {
    int64_t acceptversion;   /* a version newer than the newest known, accepted up to it */
    int bcrypt_cost;         /* new passwords up to 4.2 (0: MOODLE_BCRYPT_COST)          */
    int sha512_rounds;       /* new passwords from 4.3 (0: MOODLE_SHA512_ROUNDS)         */
} moodle_options;
#define MOODLE_BCRYPT_COST 4         /* Moodle re-hashes at its cost 10 at the first login */
#define MOODLE_SHA512_ROUNDS 10000   /* Moodle's own; it never re-hashes a $6$ hash       */
moodle_site *moodle_open_with(db *d, const moodle_options *options, char *err, size_t errlen);
moodle_site *moodle_open(db *d, char *err, size_t errlen);   /* default options */
void moodle_close(moodle_site *s);

db *moodle_db(moodle_site *s);
int64_t moodle_version(const moodle_site *s);        /* e.g. 2023042401 */
/* Does the site's table (no prefix) have the column?  1, 0, or -1 (error in s).  The
 * live schema, read once per table (schema.c). */
int moodle_column_exists(moodle_site *s, const char *table, const char *column);
const char *moodle_release(const moodle_site *s);     /* e.g. "4.2.1 (Build: 20230612)" */
const char *moodle_config(moodle_site *s, const char *name);          /* NULL if absent */
const char *moodle_plugin_config(moodle_site *s, const char *plugin, const char *name);
int64_t moodle_admin_id(const moodle_site *s);
int64_t moodle_mnet_localhost_id(moodle_site *s);
int moodle_logs_to_standard(const moodle_site *s);    /* logstore_standard enabled */
int64_t moodle_guest_id(const moodle_site *s);        /* config `siteguest` (0 if absent) */
int64_t moodle_session_timeout(const moodle_site *s); /* config `sessiontimeout`, 28800 */
/* Message of the last failure of a moodle_* call on this site (its own checks or the
 * database's error); never holds a password. */
const char *moodle_error(moodle_site *s);
/* Forgets what the site object remembers from the database between calls (the context
 * cache).  Call it after a rollback (transaction or savepoint): a remembered context
 * may have been rolled back, and its id reused. */
void moodle_forget(moodle_site *s);
/* Writes what the site object holds back for the end of a row or batch (the paths of
 * contexts created without an id reserved); the batch runner calls it before each
 * commit or row release.  Events need nothing: the SQL layer sends them, many rows per
 * INSERT, before the commit (db_insert_later), and a rollback drops them. */
int moodle_flush(moodle_site *s);

/* Creates a context row with path and depth (spec moodle-writes §0.2).  Uses a reserved
 * id when the database gives one (one INSERT), else INSERT then UPDATE path.
 * parent_path NULL leaves path NULL and depth 0 (Moodle's context_cleanup task fills
 * them).  Returns the new id, or -1 on error. */
int64_t moodle_context_create(moodle_site *s, int64_t now, int level, int64_t instanceid,
                              const char *parent_path, char *path_out /* 256 or NULL */);
/* Looks a context up by level and instance. 0 found, 1 not found, -1 error. */
int moodle_context_path(moodle_site *s, int level, int64_t instanceid, int64_t *id_out,
                        char *path_out /* 256 or NULL */);

/* Inserts or refreshes a {cache_flags} row: value 1, timemodified now,
 * expiry now + sessiontimeout.  0 or -1. */
int moodle_cache_flag(moodle_site *s, int64_t now, const char *flagtype, const char *name);

/* Inserts one {logstore_standard_log} row when the site logs there (else does
 * nothing); origin "cli", ip NULL, realuserid NULL, anonymous 0, userid = admin.
 * eventname: `\core\event\user_created` or just `user_created` (then taken as a core
 * event); component is the first namespace of the event name ("core"); target and
 * action NULL: split from the class name as Moodle's event base does.
 * objecttable NULL writes objectid NULL too; relateduserid <= 0 writes NULL.
 * other_json: the event's `other` as JSON (NULL = no data); it is written the way
 * Moodle's store would: re-encoded like PHP json_encode when the store's jsonformat
 * setting is on (`null` for no data), PHP serialize()d when it is off ("N;").
 * 0 or -1. */
int moodle_event(moodle_site *s, int64_t now, const char *eventname, const char *target,
                 const char *action, const char *crud, int edulevel,
                 const char *objecttable, int64_t objectid, int64_t contextid,
                 int contextlevel, int64_t contextinstanceid, int64_t courseid,
                 int64_t relateduserid, const char *other_json);

/* Sets {user_preferences} (insert or update) and the userpreferenceschanged flag,
 * like set_user_preference(): nothing is written when the value is already set, nor
 * for user 0 or the guest user; value NULL deletes the preference.  0 or -1. */
int moodle_set_user_preference(moodle_site *s, int64_t now, int64_t userid,
                               const char *name, const char *value);

/* Password hashing: bcrypt "$2y$<cost>$" through libxcrypt, spread over `threads`
 * threads (0 = number of cores).  out[i] malloc'd, NULL when plain[i] is NULL.
 * Returns 0, or -1 (then every out[i] is NULL). */
int moodle_hash_passwords(const char *const *plain, char **out, size_t n, int cost,
                          int threads);
/* 1 when plain matches the crypt(3) hash (bcrypt $2y$/$2a$/$2b$, SHA-512 $6$ ...),
 * 0 otherwise (also for Moodle's non-hash values "not cached", "*NOPASS*"...). */
int moodle_check_password(const char *plain, const char *hash);

/* Moodle up to 4.2 hashes with bcrypt (password_hash: "$2y$10$", 60 chars); from 4.3
 * (version 2023100900, MDL-67390) with SHA-512 crypt "$6$rounds=10000$<16-char salt>$".
 * moodle_password_scheme gives the scheme this site's Moodle writes ("$2y$" or "$6$")
 * and its cost (bcrypt log2 cost 10, or SHA-512 rounds 10000; with `fast`, Moodle's
 * $fasthash costs 4 and 5000). */
#define MOODLE_HASH_BCRYPT "$2y$"
#define MOODLE_HASH_SHA512 "$6$"
const char *moodle_password_scheme(const moodle_site *s, int fast, int *cost);
/* What toolsync writes for new passwords on this site: the scheme of its version and the
 * cost of moodle_options (bcrypt cost up to 4.2, SHA-512 rounds from 4.3). */
const char *moodle_new_password_scheme(const moodle_site *s, int *cost);
/* As moodle_hash_passwords, for either scheme (cost = bcrypt cost or SHA-512 rounds). */
int moodle_hash_passwords_scheme(const char *scheme, const char *const *plain, char **out,
                                 size_t n, int cost, int threads);

/* facts.c: values Moodle's own upload checks.  1 valid, 0 not. */
int moodle_email_valid(const char *email);          /* validate_email()          */
int moodle_country_valid(const char *code);         /* ISO 3166-1, upper case    */
/* 1 installed, 0 not, -1 cannot tell (no dataroot: language packs live there). */
int moodle_lang_installed(const char *dataroot, const char *code);
/* 2 installed and enabled, 1 installed but disabled, 0 no such plugin. */
int moodle_auth_plugin(moodle_site *s, const char *name);

/* The columns of this site's {user} table, from the live schema (catalog order),
 * NULL-terminated (*n without it); valid until moodle_close. */
const char *const *moodle_user_columns(moodle_site *s, size_t *n);
/* The {user} columns of Moodle 4.1 (install.xml order), which toolsync knows. */
const char *const *moodle_user_known_columns(size_t *n);
/* Length limit of a char column in the live schema: > 0 characters, 0 not a char column
 * (or no limit known), -1 error.  Read with the columns, once per table. */
int moodle_column_length(moodle_site *s, const char *table, const char *column);

/* versions.c: the Moodle versions toolsync knows, 4.1 to 5.3, one entry per branch. */
typedef struct moodle_family {
    const char *name;        /* "4.3"                                                  */
    int64_t version;         /* its first version number (the .0 release): 2023100900  */
    const char *hash;        /* scheme of new passwords: MOODLE_HASH_BCRYPT or _SHA512 */
    const char *changes;     /* what it changed in the tables toolsync writes          */
} moodle_family;
const moodle_family *moodle_family_of(int64_t version);     /* NULL: older than 4.1 */
const moodle_family *moodle_newest_family(void);
/* The first version number past the newest known branch (5.4dev and later). */
int64_t moodle_known_end(void);
const moodle_family *moodle_site_family(const moodle_site *s);
/* 1 when the site is newer than the newest known version (accepted by the setting). */
int moodle_version_beyond(const moodle_site *s);
/* "PostgreSQL 15.14", "MariaDB 10.11.6", "MySQL 8.4.3", "SQLite 3.40.1": the server that
 * answers, into out; 0 or -1. */
int moodle_server_name(moodle_site *s, char *out, size_t len);
/* Path of a context by id: 0 found, 1 not found, -1 error. */
int moodle_context_path_by_id(moodle_site *s, int64_t contextid, char *path_out /* 256 */);


/* filedir.c: Moodle's content pool, <dataroot>/filedir/<h0h1>/<h2h3>/<sha1>. */
typedef struct {
    char filedir[4096];       /* <dataroot>/filedir                                   */
    unsigned dirmode, filemode;  /* $CFG->directorypermissions, $CFG->filepermissions */
    uid_t uid;                /* owner of filedir/, given to what we create as root    */
    gid_t gid;
    int dry;                  /* a dry run: nothing written                            */
} moodle_pool;
/* Fills p from the settings (modes as octal text, "" = Moodle's defaults 02777 and
 * directorypermissions & 0666).  0, or -1 with a message (no dataroot, no filedir/). */
int moodle_pool_open(moodle_pool *p, const char *dataroot, const char *dirperms,
                     const char *fileperms, int dry, char *err, size_t errlen);
/* SHA-1 of the bytes as 40 hex digits. */
void moodle_sha1_hex(const void *data, size_t len, char out[41]);
/* Puts the content in the pool (hash receives its SHA-1); 0, or -1 with a message. */
int moodle_pool_store(const moodle_pool *p, const void *data, size_t len, char hash[41],
                      char *err, size_t errlen);

/* files.c: the {files} rows of file_storage (moodle-writes §1.16). */
int moodle_file_pathnamehash(const ts_file_record *rec, char out[41]);
/* Inserts the row of content (hash, size) and the missing `.` rows of its folders (whose
 * empty content must be in the pool: the caller stores it).  The row's id or -1. */
int64_t moodle_file_insert(moodle_site *s, int64_t now, const ts_file_record *rec,
                           const char *contenthash, int64_t filesize);
/* 1 found (id, contenthash set when not NULL), 0 none, -1 error. */
int moodle_file_find(moodle_site *s, const ts_file_record *rec, int64_t *id, char hash[41]);
/* Deletes every row of the area; the number deleted or -1. */
int64_t moodle_file_delete_area(moodle_site *s, int64_t contextid, const char *component,
                                const char *filearea, int64_t itemid);
/* The mimetype Moodle gives a file name (its extension), "document/unknown" otherwise. */
const char *moodle_mimetype(const char *filename);

#endif
