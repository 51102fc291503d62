-- The rows a freshly installed Moodle 4.2.1 site starts with, for the tables of
-- moodle.schema, as portable INSERTs (PostgreSQL, MariaDB and SQLite all read them).
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Table names are written {name}, as in toolsync's own SQL; gen-ddl.sh replaces them
-- with the prefixed name (only names that moodle.schema defines are replaced).
-- Explicit ids are used so that a generated site numbers like a real fresh one; the
-- generator then moves the PostgreSQL sequences past them (MariaDB and SQLite follow
-- by themselves).  Site-specific values of the reference site (names, hashes,
-- identifiers, install timestamps) are replaced by our own: timestamps are 1700000000,
-- the admin password is "Admin-1234" and the guest password "guest" (bcrypt, cost 10).
-- Keep the file free of backslashes: MariaDB reads them as escapes.

-- Contexts: system, front-page course, the default category, the guest and admin users,
-- and the five blocks a fresh site has (their block_instances rows are not part of this
-- schema; the rows are kept so that new contexts get the same ids as on a real site).
INSERT INTO {context} (id, contextlevel, instanceid, path, depth, locked) VALUES
  (1, 10, 0, '/1', 1, 0),
  (2, 50, 1, '/1/2', 2, 0),
  (3, 40, 1, '/1/3', 2, 0),
  (4, 30, 1, '/1/4', 2, 0),
  (5, 30, 2, '/1/5', 2, 0),
  (6, 80, 1, '/1/6', 2, 0),
  (7, 80, 2, '/1/7', 2, 0),
  (8, 80, 3, '/1/8', 2, 0),
  (9, 80, 4, '/1/9', 2, 0),
  (10, 80, 5, '/1/10', 2, 0);

-- (The installer leaves timecreated at 0 for these two.)
INSERT INTO {user} (id, auth, confirmed, mnethostid, username, password, idnumber,
    firstname, lastname, email, lang, calendartype, timezone, lastip, description,
    descriptionformat, maildisplay, timecreated, timemodified) VALUES
  (1, 'manual', 1, 1, 'guest', '$2y$10$Fe5ZXcTSO4cz5tAjpY2dIOgbrw6/K5X3zBkDKqrIBisjGv8cC6dtK', '',
    'Guest user', ' ', 'root@localhost', 'en', 'gregorian', '99', '',
    'This user is a special user that allows read-only access to some courses.',
    1, 2, 0, 1700000000),
  (2, 'manual', 1, 1, 'admin', '$2y$10$hdNhm8nJASxlwivyKgU2ZOvzNMGx5zipfc5OQzSHmybhPnLloBdmO', '',
    'Admin', 'User', 'admin@example.com', 'en', 'gregorian', '99', '0.0.0.0', NULL,
    1, 1, 0, 1700000000);

-- The front page is course 1, in no category, format "site".
INSERT INTO {course} (id, category, sortorder, fullname, shortname, idnumber, summary,
    summaryformat, format, showgrades, newsitems, visible, visibleold, lang,
    calendartype, theme, timecreated, timemodified, cacherev) VALUES
  (1, 0, 0, 'toolsync test site', 'toolsync', '', '', 0, 'site', 1, 3, 1, 1, '', '', '',
    1700000000, 1700000000, 1700000000);

INSERT INTO {course_format_options} (id, courseid, format, sectionid, name, value) VALUES
  (1, 1, 'site', 0, 'numsections', '1');

-- The default category: named "Category 1" by the 4.2 installer.
INSERT INTO {course_categories} (id, name, idnumber, description, descriptionformat,
    parent, sortorder, coursecount, visible, visibleold, timemodified, depth, path,
    theme) VALUES
  (1, 'Category 1', NULL, NULL, 1, 0, 10000, 0, 1, 1, 1700000000, 1, '/1', NULL);

INSERT INTO {role} (id, name, shortname, description, sortorder, archetype) VALUES
  (1, '', 'manager', '', 1, 'manager'),
  (2, '', 'coursecreator', '', 2, 'coursecreator'),
  (3, '', 'editingteacher', '', 3, 'editingteacher'),
  (4, '', 'teacher', '', 4, 'teacher'),
  (5, '', 'student', '', 5, 'student'),
  (6, '', 'guest', '', 6, 'guest'),
  (7, '', 'user', '', 7, 'user'),
  (8, '', 'frontpage', '', 8, 'frontpage');

-- Context levels where the installer lets each role be assigned (guest, user and
-- frontpage: none).
INSERT INTO {role_context_levels} (id, roleid, contextlevel) VALUES
  (1, 1, 10), (2, 1, 40), (3, 1, 50), (4, 2, 10), (5, 2, 40), (6, 3, 50), (7, 3, 70),
  (8, 4, 50), (9, 4, 70), (10, 5, 50), (11, 5, 70);

-- Activity modules installed with core (forum is 9; bigbluebuttonbn starts hidden).
-- 5.0 removed chat and survey and added qbank and subsection: the ids move.
INSERT INTO {modules} (id, name, cron, lastcron, search, visible) VALUES  -- until 5.0
  (1, 'assign', 0, 0, '', 1),                                             -- until 5.0
  (2, 'bigbluebuttonbn', 0, 0, '', 0),                                    -- until 5.0
  (3, 'book', 0, 0, '', 1),                                               -- until 5.0
  (4, 'chat', 0, 0, '', 1),                                               -- until 5.0
  (5, 'choice', 0, 0, '', 1),                                             -- until 5.0
  (6, 'data', 0, 0, '', 1),                                               -- until 5.0
  (7, 'feedback', 0, 0, '', 1),                                           -- until 5.0
  (8, 'folder', 0, 0, '', 1),                                             -- until 5.0
  (9, 'forum', 0, 0, '', 1),                                              -- until 5.0
  (10, 'glossary', 0, 0, '', 1),                                          -- until 5.0
  (11, 'h5pactivity', 0, 0, '', 1),                                       -- until 5.0
  (12, 'imscp', 0, 0, '', 1),                                             -- until 5.0
  (13, 'label', 0, 0, '', 1),                                             -- until 5.0
  (14, 'lesson', 0, 0, '', 1),                                            -- until 5.0
  (15, 'lti', 0, 0, '', 1),                                               -- until 5.0
  (16, 'page', 0, 0, '', 1),                                              -- until 5.0
  (17, 'quiz', 0, 0, '', 1),                                              -- until 5.0
  (18, 'resource', 0, 0, '', 1),                                          -- until 5.0
  (19, 'scorm', 0, 0, '', 1),                                             -- until 5.0
  (20, 'survey', 0, 0, '', 1),                                            -- until 5.0
  (21, 'url', 0, 0, '', 1),                                               -- until 5.0
  (22, 'wiki', 0, 0, '', 1),                                              -- until 5.0
  (23, 'workshop', 0, 0, '', 1);                                          -- until 5.0
INSERT INTO {modules} (id, name, cron, lastcron, search, visible) VALUES  -- since 5.0
  (1, 'assign', 0, 0, '', 1),                                             -- since 5.0
  (2, 'bigbluebuttonbn', 0, 0, '', 0),                                    -- since 5.0
  (3, 'book', 0, 0, '', 1),                                               -- since 5.0
  (4, 'choice', 0, 0, '', 1),                                             -- since 5.0
  (5, 'data', 0, 0, '', 1),                                               -- since 5.0
  (6, 'feedback', 0, 0, '', 1),                                           -- since 5.0
  (7, 'folder', 0, 0, '', 1),                                             -- since 5.0
  (8, 'forum', 0, 0, '', 1),                                              -- since 5.0
  (9, 'glossary', 0, 0, '', 1),                                           -- since 5.0
  (10, 'h5pactivity', 0, 0, '', 1),                                       -- since 5.0
  (11, 'imscp', 0, 0, '', 1),                                             -- since 5.0
  (12, 'label', 0, 0, '', 1),                                             -- since 5.0
  (13, 'lesson', 0, 0, '', 1),                                            -- since 5.0
  (14, 'lti', 0, 0, '', 1),                                               -- since 5.0
  (15, 'page', 0, 0, '', 1),                                              -- since 5.0
  (16, 'qbank', 0, 0, '', 1),                                             -- since 5.0
  (17, 'quiz', 0, 0, '', 1),                                              -- since 5.0
  (18, 'resource', 0, 0, '', 1),                                          -- since 5.0
  (19, 'scorm', 0, 0, '', 1),                                             -- since 5.0
  (20, 'subsection', 0, 0, '', 1),                                        -- since 5.0
  (21, 'url', 0, 0, '', 1),                                               -- since 5.0
  (22, 'wiki', 0, 0, '', 1),                                              -- since 5.0
  (23, 'workshop', 0, 0, '', 1);                                          -- since 5.0

-- Site-wide dashboard and course-overview page templates (userid NULL).
INSERT INTO {my_pages} (id, userid, name, private, sortorder) VALUES
  (1, NULL, '__default', 0, 0),
  (2, NULL, '__default', 1, 0),
  (3, NULL, '__courses', 0, 0);

-- Site settings toolsync reads or that describe the users and roles above.
INSERT INTO {config} (name, value) VALUES
  ('version', '2023042401'),
  ('release', '4.2.1 (Build: 20230612)'),
  ('branch', '402'),
  ('siteadmins', '2'),
  ('siteguest', '1'),
  ('rolesactive', '1'),
  ('mnet_localhost_id', '1'),
  ('mnet_all_hosts_id', '2'),
  ('sessiontimeout', '28800'),
  ('dbsessions', '0'),
  ('allowaccountssameemail', '0'),
  ('extendedusernamechars', '0'),
  ('protectusernames', '1'),
  ('auth', 'email'),
  ('registerauth', ''),
  ('enrol_plugins_enabled', 'manual,guest,self,cohort'),
  ('defaultcity', ''),
  ('country', ''),
  ('lang', 'en'),
  ('timezone', '99'),
  ('forcetimezone', '99'),
  ('calendartype', 'gregorian'),
  ('theme', 'boost'),
  ('defaultpreference_maildisplay', '2'),
  ('defaultpreference_mailformat', '1'),
  ('defaultpreference_maildigest', '0'),
  ('defaultpreference_autosubscribe', '1'),
  ('defaultpreference_trackforums', '0'),
  ('passwordpolicy', '1'),
  ('minpasswordlength', '8'),
  ('minpassworddigits', '1'),
  ('minpasswordlower', '1'),
  ('minpasswordupper', '1'),
  ('minpasswordnonalphanum', '1'),
  ('maxconsecutiveidentchars', '0'),
  ('passwordreuselimit', '0'),
  ('notloggedinroleid', '6'),
  ('guestroleid', '6'),
  ('defaultuserroleid', '7'),
  ('creatornewroleid', '3'),
  ('defaultfrontpageroleid', '8'),
  ('gradebookroles', '5'),
  ('coursecontact', '3'),
  ('defaultrequestcategory', '1'),
  ('enablecompletion', '1'),
  ('enablewebservices', '0'),
  ('maxbytes', '0'),
  ('fullnamedisplay', 'language'),
  ('hiddenuserfields', ''),
  ('groupenrolmentkeypolicy', '1');

INSERT INTO {config_plugins} (plugin, name, value) VALUES
  ('auth_cas', 'version', '2023042400'),   -- until 5.0
  ('auth_db', 'version', '2023042400'),
  ('auth_email', 'version', '2023042400'),
  ('auth_ldap', 'version', '2023042400'),
  ('auth_lti', 'version', '2023042400'),
  ('auth_mnet', 'version', '2023042400'),   -- until 5.0
  ('auth_nologin', 'version', '2023042400'),
  ('auth_none', 'version', '2023042400'),
  ('auth_oauth2', 'version', '2023042400'),
  ('auth_shibboleth', 'version', '2023042400'),
  ('auth_webservice', 'version', '2023042400'),
  ('format_singleactivity', 'version', '2023042400'),
  ('format_social', 'version', '2023042400'),
  ('format_topics', 'version', '2023042400'),
  ('format_weeks', 'version', '2023042400'),
  ('tool_log', 'version', '2023042400'),
  ('tool_log', 'enabled_stores', 'logstore_standard'),
  ('logstore_standard', 'version', '2023042400'),
  ('logstore_standard', 'logguests', '1'),
  ('logstore_standard', 'jsonformat', '1'),
  ('logstore_standard', 'loglifetime', '0'),
  ('logstore_standard', 'buffersize', '50'),
  ('moodlecourse', 'visible', '1'),
  ('moodlecourse', 'downloadcontentsitedefault', '0'),
  ('moodlecourse', 'participantsperpage', '20'),
  ('moodlecourse', 'format', 'topics'),
  ('moodlecourse', 'maxsections', '52'),
  ('moodlecourse', 'numsections', '4'),
  ('moodlecourse', 'hiddensections', '1'),
  ('moodlecourse', 'coursedisplay', '0'),
  ('moodlecourse', 'courseenddateenabled', '1'),
  ('moodlecourse', 'courseduration', '31536000'),
  ('moodlecourse', 'lang', ''),
  ('moodlecourse', 'newsitems', '5'),
  ('moodlecourse', 'showgrades', '1'),
  ('moodlecourse', 'showreports', '0'),
  ('moodlecourse', 'showactivitydates', '1'),
  ('moodlecourse', 'maxbytes', '0'),
  ('moodlecourse', 'enablecompletion', '1'),
  ('moodlecourse', 'showcompletionconditions', '1'),
  ('moodlecourse', 'groupmode', '0'),
  ('moodlecourse', 'groupmodeforce', '0'),
  ('auth_manual', 'version', '2023042400'),
  ('auth_manual', 'expiration', '0'),
  ('auth_manual', 'expirationtime', '30'),
  ('auth_manual', 'expiration_warning', '0'),
  ('enrol_manual', 'version', '2023042400'),
  ('enrol_manual', 'defaultenrol', '1'),
  ('enrol_manual', 'status', '0'),
  ('enrol_manual', 'roleid', '5'),
  ('enrol_manual', 'enrolperiod', '0'),
  ('enrol_manual', 'expirynotify', '0'),
  ('enrol_manual', 'expirythreshold', '86400'),
  ('enrol_manual', 'expiredaction', '1'),
  ('enrol_manual', 'sendcoursewelcomemessage', '1'),                      -- since 4.4
  ('enrol_guest', 'version', '2023042400'),
  ('enrol_guest', 'defaultenrol', '1'),
  ('enrol_guest', 'status', '1'),
  ('enrol_guest', 'requirepassword', '0'),
  ('enrol_self', 'version', '2023042400'),
  ('enrol_self', 'defaultenrol', '1'),
  ('enrol_self', 'status', '1'),
  ('enrol_self', 'newenrols', '1'),
  ('enrol_self', 'roleid', '5'),
  ('enrol_self', 'enrolperiod', '0'),
  ('enrol_self', 'expirynotify', '0'),
  ('enrol_self', 'expirythreshold', '86400'),
  ('enrol_self', 'sendcoursewelcomemessage', '1'),
  ('enrol_self', 'groupkey', '0'),
  ('enrol_self', 'longtimenosee', '0'),
  ('enrol_self', 'maxenrolled', '0'),
  ('enrol_self', 'requirepassword', '0'),
  ('enrol_cohort', 'version', '2023042400'),
  ('enrol_cohort', 'roleid', '5'),
  ('enrol_cohort', 'unenrolaction', '0'),
  ('enrol_meta', 'version', '2023042400'),
  ('enrol_meta', 'nosyncroleids', ''),
  ('enrol_meta', 'syncall', '1'),
  ('enrol_meta', 'unenrolaction', '3'),
  ('enrol_meta', 'coursesort', 'sortorder'),
  ('mod_forum', 'version', '2023042400'),
  ('tool_dataprivacy', 'version', '2023042400'),
  ('tool_dataprivacy', 'automaticdeletionrequests', '1');
