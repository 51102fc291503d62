/* The values Moodle's own upload checks, checked the same way (spec 20, issue 6 #14):
 * an invalid e-mail is written with a warning, an unknown country or a language the
 * site does not have is left out with a warning, an authentication plugin the site
 * does not have refuses the line.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* A check of a value that repeats from line to line, remembered for the last value. */
static int memo(struct users_memo *m, const char *value, users_state *s,
                int (*check)(ts_run *run, const char *v))
{
    if (m->value[0] && strcmp(m->value, value) == 0)
        return m->rc;
    m->rc = check(s->run, value);
    snprintf(m->value, sizeof m->value, "%s", strlen(value) < sizeof m->value ? value : "");
    return m->rc;
}

static void drop(uline *l, int c)
{
    free(l->val[c]);
    l->val[c] = NULL;
    l->given[c] = 0;
}

int users_check_values(users_state *s, uline *l)
{
    const char *email = l->val[UC_EMAIL];
    if (email && *email && !M->email_valid(email))
        say(s, TS_WARN, "invalidemail", "email",
            "'%s' is not a valid e-mail address (written as given)", email);
    const char *country = l->val[UC_COUNTRY];
    if (country && *country && !M->country_valid(country)) {
        say(s, TS_WARN, "invalidcountry", "country", "unknown country code '%s': not written",
            country);
        drop(l, UC_COUNTRY);
    }
    const char *lang = l->val[UC_LANG];
    if (lang && *lang && memo(&s->memo_lang, lang, s, M->lang_installed) == 0) {
        say(s, TS_WARN, "cannotfindlang", "lang",
            "language '%s' is not installed on the site: not written", lang);
        drop(l, UC_LANG);
    }
    const char *auth = l->val[UC_AUTH];
    if (auth && *auth) {
        int a = memo(&s->memo_auth, auth, s, M->auth_plugin);
        if (a == 0) {
            say(s, TS_ERROR, "userautherror", "auth",
                "no authentication plugin '%s' on the site", auth);
            return -1;
        }
        if (a == 1)
            say(s, TS_WARN, "authpluginnotenabled", "auth",
                "authentication plugin '%s' is not enabled: the account cannot log in yet",
                auth);
    }
    return 0;
}
