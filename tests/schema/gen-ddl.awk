# Turns moodle.schema into PostgreSQL, MariaDB or SQLite DDL, and defaults.sql into rows.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run through gen-ddl.sh (which checks the arguments):
#   awk -v dialect=pgsql|mariadb|sqlite -v prefix=mdl_ -v what=ddl|data|all \
#       [-v version=X.Y] -f gen-ddl.awk moodle.schema [defaults.sql]
# The first file is the schema, the second (read unless what=ddl) the default rows.
# POSIX awk only (Debian's mawk and gawk both run it).  The format of moodle.schema
# is described at its top and in README.md.

BEGIN {
    nfile = 0; ntables = 0; err = 0
    maxlen = 30                     # Moodle keeps key and index names within 30 chars
    SQ = sprintf("%c", 39)          # the single quote
    if (dialect == "mariadb") { QL = "`"; QR = "`" } else { QL = "\""; QR = "\"" }
    if (version == "") version = "4.2"          # today's site: Moodle 4.2.1
    if (version !~ /^[0-9]+[.][0-9]+$/) { fail("bad version " version); exit 1 }
    want = vnum(version)
}

# "5.0" -> 500: versions compare as numbers.
function vnum(v,   p) { split(v, p, "."); return p[1] * 100 + p[2] }

# Drops the `since X.Y` / `until X.Y` words of tok[1..n] (until: absent from X.Y on) and
# answers whether the line belongs to the version generated; n is in ntok.
function in_version(n,   i, k, keep) {
    keep = 1; k = 0
    for (i = 1; i <= n; i++) {
        if ((tok[i] == "since" || tok[i] == "until") && i < n) {
            if (!(tok[i + 1] in isversion)) fail("unknown version " tok[i + 1] " (no version line)")
            if (tok[i] == "since" && want < vnum(tok[i + 1])) keep = 0
            if (tok[i] == "until" && want >= vnum(tok[i + 1])) keep = 0
            i++
            continue
        }
        tok[++k] = tok[i]
    }
    ntok = k
    return keep
}

FNR == 1 { nfile++ }

# ---------------------------------------------------------------- schema parsing --
nfile == 1 {
    line = strip_comment($0)
    n = tokenize(line)
    if (n == 0) next
    if (tok[1] == "version") { parse_version(n); next }
    if (!in_version(n)) next
    n = ntok
    if (tok[1] == "table") {
        if (n != 2 || tok[2] !~ /^[a-z][a-z0-9_]*$/) { fail("bad table line"); next }
        if (tok[2] in istable) { fail("table " tok[2] " defined twice"); next }
        istable[tok[2]] = 1
        cur = tok[2]; tables[++ntables] = cur; ncols[cur] = 0; nidx[cur] = 0
        next
    }
    if (cur == "") { fail("line outside a table"); next }
    if (tok[1] == "index" || tok[1] == "unique") { parse_index(n); next }
    parse_column(n)
    next
}

# ----------------------------------------------------------- default rows (file 2) --
nfile == 2 {
    if (what == "ddl") next
    if (!data_started) { data_started = 1; finish_schema(); data_header() }
    if ($0 ~ /^[ \t]*--/) { print; next }      # SQL comments are copied untouched
    s = $0
    # A row of one version only: "  (...),   -- since 5.0" / "-- until 5.0".
    if (match(s, /[ \t]*--[ \t]*(since|until)[ \t]+[0-9]+[.][0-9]+[ \t]*$/)) {
        n = tokenize(substr(s, RSTART)); s = substr(s, 1, RSTART - 1)
        tok[1] = tok[2]; tok[2] = tok[3]
        if (!in_version(2)) next
    }
    out = ""
    while (match(s, /[{][a-z0-9_]+[}]/)) {
        name = substr(s, RSTART + 1, RLENGTH - 2)
        if (!(name in istable)) { fail("{" name "} is not a table of the schema"); break }
        out = out substr(s, 1, RSTART - 1) prefix name
        s = substr(s, RSTART + RLENGTH)
        filled[name] = 1
    }
    print out s
    next
}

END {
    if (err) exit 1
    if (!(version in isversion)) { fail("version " version " is not described (version lines)"); exit 1 }
    if (!data_started) finish_schema()
    if (what != "ddl" && data_started) data_footer()
    if (err) exit 1
}

# ------------------------------------------------------------------ helpers --------
function fail(msg) {
    printf "gen-ddl: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
    err = 1
}

function strip_comment(s,   i, c, q) {
    q = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == SQ) q = !q
        else if (c == "#" && !q) return substr(s, 1, i - 1)
    }
    return s
}

# Splits on blanks, keeping 'quoted strings' (with '' inside) as one token.
function tokenize(s,   i, c, n, t, q, have) {
    n = 0; t = ""; q = 0; have = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (!q && (c == " " || c == "\t")) {
            if (have) { tok[++n] = t; t = ""; have = 0 }
            continue
        }
        if (c == SQ) q = !q
        t = t c; have = 1
    }
    if (q) fail("unterminated quote")
    if (have) tok[++n] = t
    return n
}

# version X.Y NUMBER 'RELEASE' BRANCH: a Moodle version the description knows.
function parse_version(n) {
    if (n != 5 || tok[2] !~ /^[0-9]+[.][0-9]+$/ || tok[3] !~ /^[0-9]+([.][0-9]+)?$/ ||
        tok[4] !~ /^'.*'$/ || tok[5] !~ /^[0-9]+$/) { fail("bad version line"); return }
    isversion[tok[2]] = 1
    vnumber[tok[2]] = tok[3]; vrelease[tok[2]] = tok[4]; vbranch[tok[2]] = tok[5]
}

function parse_column(n,   name, type, i, c, notnull, def, hasdef) {
    name = tok[1]; type = tok[2]
    if (name !~ /^[a-z][a-z0-9_]*$/) { fail("bad column name " name); return }
    if (n < 2) { fail("column " name " has no type"); return }
    if ((cur SUBSEP name) in colno) { fail("column " name " defined twice"); return }
    if (type == "serial") {
        if (name != "id" || ncols[cur] != 0) { fail("serial must be the first column, id"); return }
    } else if (type !~ /^(int[(][0-9]+[)]|char[(][0-9]+[)]|text|binary|number[(][0-9]+,[0-9]+[)]|float[(][0-9]+,[0-9]+[)])$/) {
        fail("unknown type " type); return
    }
    notnull = 0; hasdef = 0; def = ""
    for (i = 3; i <= n; i++) {
        if (tok[i] == "notnull") notnull = 1
        else if (tok[i] == "default" && i < n) { def = tok[++i]; hasdef = 1 }
        else { fail("unexpected " tok[i]); return }
    }
    if (hasdef) {
        if (type ~ /^(int|number|float)/ && def !~ /^-?[0-9]+([.][0-9]+)?$/) { fail("default of " name " must be a number"); return }
        if (type ~ /^char/ && def !~ /^'.*'$/) { fail("default of " name " must be quoted"); return }
        if (type ~ /^(text|binary)$/ || type == "serial") { fail(type " column " name " cannot have a default"); return }
    }
    # Moodle gives every NOT NULL char column without a default the default ''.
    if (type ~ /^char/ && notnull && !hasdef) { def = SQ SQ; hasdef = 1 }
    c = ++ncols[cur]
    colno[cur SUBSEP name] = c
    cname[cur, c] = name; ctype[cur, c] = type; cnn[cur, c] = notnull
    cdef[cur, c] = def; chasdef[cur, c] = hasdef
}

function parse_index(n,   i, k, f, nf, cols) {
    if (n < 2) { fail("index without columns"); return }
    cols = tok[2]
    nf = split(cols, f, ",")
    for (i = 1; i <= nf; i++)
        if (!((cur SUBSEP f[i]) in colno)) { fail("index on unknown column " f[i]); return }
    k = ++nidx[cur]
    icols[cur, k] = cols; iuniq[cur, k] = (tok[1] == "unique"); ipat[cur, k] = 0; iname[cur, k] = ""
    for (i = 3; i <= n; i++) {
        if (tok[i] == "pattern") ipat[cur, k] = 1
        else if (tok[i] ~ /^name=[a-z0-9_]+$/) iname[cur, k] = prefix substr(tok[i], 6)
        else { fail("unexpected " tok[i]); return }
    }
}

# Moodle's naming of keys and indexes: the first 4 letters of each word of the table,
# '_', the first 3 letters of each column, '_' and a suffix; a name already given out
# (anywhere in the schema) gets a counter: _las2_ix, _las3_ix...  Names are cut to 30
# characters before the suffix is added.
function abbrev(t,   n, p, i, r) {
    n = split(t, p, "_"); r = ""
    for (i = 1; i <= n; i++) r = r substr(p[i], 1, 4)
    return r
}

function objname(t, cols, suffix, again,   key, base, n, f, i, room, name, counter) {
    key = t "-" cols "-" suffix "-" again
    if (key in namecache) return namecache[key]
    base = prefix abbrev(t) "_"
    n = split(cols, f, ",")
    for (i = 1; i <= n; i++) base = base substr(f[i], 1, 3)
    room = maxlen - length(suffix) - 1
    name = substr(base, 1, room) "_" suffix
    counter = 1
    while (name in used) {
        counter++
        name = substr(base, 1, room - length(counter "")) counter "_" suffix
    }
    used[name] = 1; namecache[key] = name
    return name
}

# Moodle's installer uses up two names per primary key (its name is worked out twice,
# under two cache keys): that is why the real groupings, after groups, has grou_id3_pk.
function pkname(t,   name) {
    name = objname(t, "id", "pk", "")
    objname(t, "id", "pk", "again")
    return name
}

function q(id) { return QL id QR }

function qcols(cols,   n, f, i, r) {
    n = split(cols, f, ","); r = ""
    for (i = 1; i <= n; i++) r = r (i > 1 ? ", " : "") q(f[i])
    return r
}

function sqltype(type,   len, a) {
    if (type == "text")   return dialect == "mariadb" ? "LONGTEXT" : "TEXT"
    if (type == "binary") return dialect == "pgsql" ? "BYTEA" : (dialect == "mariadb" ? "LONGBLOB" : "BLOB")
    len = type; sub(/^[a-z]+[(]/, "", len); sub(/[)]$/, "", len)
    if (type ~ /^char/) return "VARCHAR(" len ")"
    if (type ~ /^number/) return (dialect == "mariadb" ? "DECIMAL(" : "NUMERIC(") len ")"
    if (type ~ /^float/)  return dialect == "pgsql" ? "DOUBLE PRECISION" : (dialect == "mariadb" ? "DOUBLE" : "REAL")
    # int(N): N is a number of digits; pick the smallest type that holds it, as Moodle.
    len = len + 0
    if (dialect == "sqlite") return "INTEGER"
    if (dialect == "pgsql")
        return len > 9 ? "BIGINT" : (len > 4 ? "INTEGER" : "SMALLINT")
    a = len > 9 ? "BIGINT" : (len > 6 ? "INT" : (len > 4 ? "MEDIUMINT" : (len > 2 ? "SMALLINT" : "TINYINT")))
    return a "(" len ")"
}

function coldef(t, c,   s, type) {
    type = ctype[t, c]
    if (type == "serial") {
        if (dialect == "pgsql")   return q("id") " BIGSERIAL"
        if (dialect == "mariadb") return q("id") " BIGINT(10) NOT NULL AUTO_INCREMENT"
        return q("id") " INTEGER PRIMARY KEY AUTOINCREMENT"
    }
    s = q(cname[t, c]) " " sqltype(type)
    if (dialect == "pgsql") {
        if (chasdef[t, c]) s = s " DEFAULT " cdef[t, c]
        if (cnn[t, c]) s = s " NOT NULL"
    } else {
        if (cnn[t, c]) s = s " NOT NULL"
        if (chasdef[t, c]) s = s " DEFAULT " cdef[t, c]
        else if (dialect == "mariadb" && !cnn[t, c]) s = s " DEFAULT NULL"
    }
    return s
}

function finish_schema(   i) {
    if (finished) return
    finished = 1
    if (err) exit 1
    if (what == "data") return
    printf "-- Generated by tests/schema/gen-ddl.sh from moodle.schema: %s, prefix %s.\n", dialect, prefix
    for (i = 1; i <= ntables; i++) emit_table(tables[i])
}

function emit_table(t,   tn, c, k, name, sfx, lines, pk) {
    tn = prefix t
    pk = pkname(t)      # in every dialect, so that all hand out the same index names
    print ""
    print "CREATE TABLE " q(tn) " ("
    for (c = 1; c <= ncols[t]; c++)
        printf "    %s%s\n", coldef(t, c), (c < ncols[t] || dialect != "sqlite") ? "," : ""
    if (dialect == "pgsql")   printf "    CONSTRAINT %s PRIMARY KEY (%s)\n", q(pk), q("id")
    if (dialect == "mariadb") printf "    PRIMARY KEY (%s)%s\n", q("id"), nidx[t] ? "," : ""
    for (k = 1; k <= nidx[t]; k++) {
        sfx = iuniq[t, k] ? "uix" : "ix"
        name = iname[t, k] != "" ? iname[t, k] : objname(t, icols[t, k], sfx, "")
        if (dialect == "mariadb") {
            printf "    %sKEY %s (%s)%s\n", iuniq[t, k] ? "UNIQUE " : "", q(name), qcols(icols[t, k]), k < nidx[t] ? "," : ""
        } else {
            lines = lines sprintf("CREATE %sINDEX %s ON %s (%s);\n", iuniq[t, k] ? "UNIQUE " : "", q(name), q(tn), qcols(icols[t, k]))
            if (dialect == "pgsql" && ipat[t, k])
                lines = lines sprintf("CREATE INDEX %s ON %s (%s varchar_pattern_ops);\n", q(name "_pattern"), q(tn), qcols(icols[t, k]))
        }
    }
    if (dialect == "mariadb")
        print ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC;"
    else
        print ");"
    printf "%s", lines
}

function data_header() {
    print ""
    printf "-- Default rows of a fresh site (defaults.sql), prefix %s.\n", prefix
}

# Explicit ids do not move PostgreSQL sequences: put each one past the highest id.
function data_footer(   i, t) {
    # The rows are those of a 4.2.1 site; another version says its own version.
    if (version != "4.2") {
        print ""
        printf "UPDATE %sconfig SET value = '%s' WHERE name = 'version';\n", prefix, vnumber[version]
        printf "UPDATE %sconfig SET value = %s WHERE name = 'release';\n", prefix, vrelease[version]
        printf "UPDATE %sconfig SET value = '%s' WHERE name = 'branch';\n", prefix, vbranch[version]
        # Core plugins carry the release's date as their version.
        printf "UPDATE %sconfig_plugins SET value = '%s00' WHERE name = 'version';\n", prefix, substr(vnumber[version], 1, 8)
    }
    if (dialect != "pgsql") return
    print ""
    for (i = 1; i <= ntables; i++) {
        t = tables[i]
        if (!(t in filled)) continue
        printf "SELECT setval(pg_get_serial_sequence('%s', 'id'), MAX(id)) FROM %s;\n", prefix t, prefix t
    }
}
