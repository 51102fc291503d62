/* Facts about values Moodle accepts, as its own upload checks them: e-mail addresses
 * (validate_email()), country codes (the ISO 3166-1 list Moodle names in
 * lang/en/countries.php), installed languages and authentication plugins.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "moodle/moodle_internal.h"

/* validate_email(): atoms of letters, digits and !#$%&'*+/=?^_`{|}~- joined by single
 * dots, on each side of one '@'. */
static int atoms(const char *p, const char *end)
{
    static const char extra[] = "!#$%&'*+/=?^_`{|}~-";
    int in_atom = 0;
    if (p == end)
        return 0;
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (!in_atom)
                return 0;
            in_atom = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   (c >= '0' && c <= '9') || (c && strchr(extra, c))) {
            in_atom = 1;
        } else {
            return 0;
        }
    }
    return in_atom;
}

int moodle_email_valid(const char *email)
{
    const char *at = email ? strchr(email, '@') : NULL;
    if (!at || strchr(at + 1, '@'))
        return 0;
    return atoms(email, at) && atoms(at + 1, at + strlen(at));
}

/* ISO 3166-1 alpha-2, the codes Moodle lists (kept sorted: bsearch). */
static const char COUNTRIES[][3] = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
    "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
    "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
    "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
    "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
    "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
    "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
    "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
    "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

static int cmp_country(const void *a, const void *b) { return strcmp(a, b); }

int moodle_country_valid(const char *code)
{
    if (!code || strlen(code) != 2)
        return 0;
    return bsearch(code, COUNTRIES, sizeof COUNTRIES / sizeof COUNTRIES[0], sizeof COUNTRIES[0],
                   cmp_country) != NULL;
}

int moodle_lang_installed(const char *dataroot, const char *code)
{
    if (!code || !*code)
        return 0;
    if (strcmp(code, "en") == 0)
        return 1;              /* shipped with Moodle's code */
    if (!dataroot || !*dataroot)
        return -1;             /* language packs live in the dataroot: cannot tell */
    char path[4200];
    snprintf(path, sizeof path, "%s/lang/%s/langconfig.php", dataroot, code);
    return access(path, R_OK) == 0;
}

int moodle_auth_plugin(moodle_site *s, const char *name)
{
    char plugin[128];
    if (!name || !*name)
        return 0;
    if (strcmp(name, "manual") == 0 || strcmp(name, "nologin") == 0)
        return 2;              /* always there, always enabled */
    snprintf(plugin, sizeof plugin, "auth_%s", name);
    if (!moodle_plugin_config(s, plugin, "version"))
        return 0;
    const char *list = moodle_config(s, "auth");
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == strlen(name) && strncmp(p, name, n) == 0)
            return 2;
        p = comma ? comma + 1 : NULL;
    }
    return 1;
}
