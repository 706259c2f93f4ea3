/* Unit tests for cmd_table.c: the command table's rows, and the FEAT and
 * HELP texts generated from them. (zc_cmd_dispatch needs a session and
 * sockets: the integration tests cover it.) */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_parse.h"
#include "cmd_table.h"
#include "fs_list.h"
#include "reply.h"

static const char *const rfc959_verbs[] = {
	"USER", "PASS", "ACCT", "CWD",  "CDUP", "SMNT", "REIN", "QUIT",
	"PORT", "PASV", "TYPE", "STRU", "MODE", "RETR", "STOR", "STOU",
	"APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD",
	"MKD",  "PWD",  "LIST", "NLST", "SITE", "SYST", "STAT", "HELP",
	"NOOP",
};

/* issue #3: before login only these (AUTH, PBSZ, PROT answer 502 until
 * FTPS exists, but are reachable) */
static const char *const prelogin_ftp[] = {"USER", "PASS", "QUIT", "SYST",
					   "HELP", "NOOP", "FEAT", "OPTS",
					   "HOST", "AUTH", "PBSZ", "PROT"};
static const char *const http_verbs[] = {"GET", "POST", "HEAD", "PUT",
					 "DELETE", "CONNECT", "OPTIONS"};
static const char *const write_verbs[] = {"STOR", "STOU", "APPE", "DELE",
					  "RMD",  "XRMD", "MKD",  "XMKD",
					  "RNFR", "RNTO", "MFMT"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool
in_list(const char *verb, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], verb) == 0)
			return true;
	return false;
}

/* Whether `word` appears in text as a whole blank/newline-separated word. */
static bool
has_word(const char *text, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = strstr(text, word); p != NULL;
	     p = strstr(p + 1, word)) {
		bool start = p == text || p[-1] == ' ' || p[-1] == '\n';
		bool end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n';
		if (start && end)
			return true;
	}
	return false;
}

START_TEST(every_rfc959_verb_is_in_the_table)
{
	for (size_t i = 0; i < N(rfc959_verbs); i++) {
		const struct zc_cmd_def *d = zc_cmd_lookup(rfc959_verbs[i]);

		ck_assert_msg(d != NULL, "%s missing", rfc959_verbs[i]);
		ck_assert_str_eq(d->verb, rfc959_verbs[i]);
	}
}
END_TEST

START_TEST(lookup_unknown_and_lowercase)
{
	ck_assert_ptr_null(zc_cmd_lookup("FOO"));
	ck_assert_ptr_null(zc_cmd_lookup(""));
	ck_assert_ptr_null(zc_cmd_lookup("user")); /* callers upper-case */
	ck_assert_ptr_null(zc_cmd_lookup("USERX"));
	ck_assert_ptr_null(zc_cmd_lookup("USE"));
}
END_TEST

START_TEST(rows_are_well_formed)
{
	size_t n = zc_cmd_count();

	ck_assert_uint_gt(n, N(rfc959_verbs));
	ck_assert_ptr_null(zc_cmd_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct zc_cmd_def *d = zc_cmd_at(i);
		size_t vl;

		ck_assert_ptr_nonnull(d);
		vl = strlen(d->verb);
		ck_assert_uint_ge(vl, 3);
		ck_assert_uint_le(vl, ZC_VERB_MAX);
		ck_assert_uint_eq(strspn(d->verb, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
				  vl);
		ck_assert_ptr_eq(zc_cmd_lookup(d->verb), d); /* unique */
		if (d->flags & ZC_CMD_F_HTTP) {
			ck_assert_ptr_null(d->handler);
			continue;
		}
		ck_assert_msg(d->help != NULL, "%s has no HELP text", d->verb);
		if (d->flags & ZC_CMD_F_NOT_IMPL)
			ck_assert_ptr_null(d->handler);
		else if (!(d->flags & ZC_CMD_F_WRITE))
			ck_assert_msg(d->handler != NULL, "%s has no handler",
				      d->verb);
	}
}
END_TEST

START_TEST(prelogin_set_is_exact)
{
	size_t seen = 0;

	for (size_t i = 0; i < zc_cmd_count(); i++) {
		const struct zc_cmd_def *d = zc_cmd_at(i);
		bool expect = in_list(d->verb, prelogin_ftp, N(prelogin_ftp)) ||
			      in_list(d->verb, http_verbs, N(http_verbs));

		ck_assert_msg(((d->flags & ZC_CMD_F_PRELOGIN) != 0) == expect,
			      "%s: PRELOGIN flag %s", d->verb,
			      expect ? "missing" : "unexpected");
		if (expect)
			seen++;
	}
	ck_assert_uint_eq(seen, N(prelogin_ftp) + N(http_verbs));
}
END_TEST

START_TEST(http_verbs_flagged)
{
	size_t seen = 0;

	for (size_t i = 0; i < N(http_verbs); i++) {
		const struct zc_cmd_def *d = zc_cmd_lookup(http_verbs[i]);

		ck_assert_msg(d != NULL, "%s missing", http_verbs[i]);
		ck_assert_uint_ne(d->flags & ZC_CMD_F_HTTP, 0);
	}
	for (size_t i = 0; i < zc_cmd_count(); i++)
		if (zc_cmd_at(i)->flags & ZC_CMD_F_HTTP)
			seen++;
	ck_assert_uint_eq(seen, N(http_verbs));
}
END_TEST

START_TEST(write_verbs_flagged)
{
	size_t seen = 0;

	for (size_t i = 0; i < N(write_verbs); i++) {
		const struct zc_cmd_def *d = zc_cmd_lookup(write_verbs[i]);

		ck_assert_msg(d != NULL, "%s missing", write_verbs[i]);
		ck_assert_msg(d->flags & ZC_CMD_F_WRITE, "%s lacks F_WRITE",
			      write_verbs[i]);
		ck_assert_uint_eq(d->flags & ZC_CMD_F_PRELOGIN, 0);
	}
	for (size_t i = 0; i < zc_cmd_count(); i++)
		if (zc_cmd_at(i)->flags & ZC_CMD_F_WRITE)
			seen++;
	ck_assert_uint_eq(seen, N(write_verbs));
}
END_TEST

START_TEST(argument_rules_of_some_rows)
{
	ck_assert_int_eq(zc_cmd_lookup("USER")->arg, ZC_ARG_REQUIRED);
	ck_assert_int_eq(zc_cmd_lookup("RETR")->arg, ZC_ARG_REQUIRED);
	ck_assert_int_eq(zc_cmd_lookup("CWD")->arg, ZC_ARG_REQUIRED);
	ck_assert_int_eq(zc_cmd_lookup("PORT")->arg, ZC_ARG_REQUIRED);
	ck_assert_int_eq(zc_cmd_lookup("PASV")->arg, ZC_ARG_NONE);
	ck_assert_int_eq(zc_cmd_lookup("CDUP")->arg, ZC_ARG_NONE);
	ck_assert_int_eq(zc_cmd_lookup("PWD")->arg, ZC_ARG_NONE);
	ck_assert_int_eq(zc_cmd_lookup("NOOP")->arg, ZC_ARG_NONE);
	ck_assert_int_eq(zc_cmd_lookup("FEAT")->arg, ZC_ARG_NONE);
	ck_assert_int_eq(zc_cmd_lookup("LIST")->arg, ZC_ARG_OPTIONAL);
	ck_assert_int_eq(zc_cmd_lookup("NLST")->arg, ZC_ARG_OPTIONAL);
	ck_assert_int_eq(zc_cmd_lookup("HELP")->arg, ZC_ARG_OPTIONAL);
	ck_assert_int_eq(zc_cmd_lookup("EPSV")->arg, ZC_ARG_OPTIONAL);
	ck_assert_int_eq(zc_cmd_lookup("STAT")->arg, ZC_ARG_OPTIONAL);
}
END_TEST

START_TEST(x_aliases_share_handlers)
{
	ck_assert_ptr_eq(zc_cmd_lookup("XCWD")->handler,
			 zc_cmd_lookup("CWD")->handler);
	ck_assert_ptr_eq(zc_cmd_lookup("XCUP")->handler,
			 zc_cmd_lookup("CDUP")->handler);
	ck_assert_ptr_eq(zc_cmd_lookup("XPWD")->handler,
			 zc_cmd_lookup("PWD")->handler);
}
END_TEST

/* ---- FEAT ------------------------------------------------------------------ */

static char text[8192];

START_TEST(feat_text_shape)
{
	size_t n = zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, false, false);
	const char *line;

	ck_assert_uint_eq(n, strlen(text));
	ck_assert_int_eq(strncmp(text, "Features:\n", 10), 0);
	ck_assert_uint_ge(n, 4);
	ck_assert_str_eq(text + n - 4, "\nEnd");
	/* every line between the first and "End" is " FEATURE" */
	line = strchr(text, '\n') + 1;
	while (strncmp(line, "End", 3) != 0) {
		const char *nl = strchr(line, '\n');

		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(line[0] == ' ' && line[1] != ' ' && nl > line + 1,
			      "bad FEAT line '%.*s'", (int)(nl - line), line);
		line = nl + 1;
	}
}
END_TEST

START_TEST(feat_entries_belong_to_implemented_verbs)
{
	size_t rows_with_feat = 0, feat_lines = 0;
	const char *line;

	/* TLS and writing on: every row's feature is listed */
	zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, true, true);
	for (size_t i = 0; i < zc_cmd_count(); i++) {
		const struct zc_cmd_def *d = zc_cmd_at(i);
		char want[128];

		if (d->feat == NULL)
			continue;
		rows_with_feat++;
		ck_assert_msg(d->handler != NULL, "FEAT %s: %s has no handler",
			      d->feat, d->verb);
		ck_assert_uint_eq(d->flags & (ZC_CMD_F_NOT_IMPL | ZC_CMD_F_HTTP),
				  0);
		/* RFC 3659 7.8: the MLST line lists its facts */
		snprintf(want, sizeof(want),
			 strcmp(d->feat, "MLST") == 0 ? "\n %s " : "\n %s\n",
			 d->feat);
		ck_assert_msg(strstr(text, want) != NULL, "FEAT lacks '%s'",
			      d->feat);
	}
	ck_assert_uint_gt(rows_with_feat, 0);
	/* and every line comes from a row (TVFS is a property of the
	 * namespace, RFC 3659 section 6, not of a verb) */
	for (line = strchr(text, '\n') + 1; strncmp(line, "End", 3) != 0;
	     line = strchr(line, '\n') + 1) {
		size_t len = (size_t)(strchr(line, '\n') - line) - 1;
		bool found = len == 4 && strncmp(line + 1, "TVFS", 4) == 0;

		if (strncmp(line + 1, "MLST ", 5) == 0)
			len = 4; /* "MLST facts": the row's feat is "MLST" */

		for (size_t i = 0; i < zc_cmd_count() && !found; i++) {
			const struct zc_cmd_def *d = zc_cmd_at(i);
			found = d->feat != NULL && strlen(d->feat) == len &&
				strncmp(d->feat, line + 1, len) == 0;
		}
		ck_assert_msg(found, "FEAT line '%.*s' has no row", (int)len,
			      line + 1);
		feat_lines++;
	}
	ck_assert_uint_eq(feat_lines, rows_with_feat + 1);
}
END_TEST

/* RFC 4217: AUTH TLS, PBSZ and PROT are features only when FTPS is
 * configured; FEAT never lists what the server then refuses. */
START_TEST(feat_lists_tls_only_when_configured)
{
	zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, false, false);
	ck_assert_ptr_null(strstr(text, "AUTH"));
	ck_assert_ptr_null(strstr(text, "PBSZ"));
	ck_assert_ptr_null(strstr(text, "PROT"));
	zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, true, false);
	ck_assert_ptr_nonnull(strstr(text, "\n AUTH TLS\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n PBSZ\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n PROT\n"));
	ck_assert_ptr_null(strstr(text, "CCC"));
}
END_TEST

/* MFMT is a write command: listed only when write_enable is on (issue
 * #5), so a read-only server does not advertise what it refuses. */
START_TEST(feat_lists_mfmt_only_when_writing_is_enabled)
{
	zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, false, false);
	ck_assert_ptr_null(strstr(text, "MFMT"));
	zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, false, true);
	ck_assert_ptr_nonnull(strstr(text, "\n MFMT\n"));
	ck_assert_uint_ne(zc_cmd_lookup("MFMT")->flags & ZC_CMD_F_WRITE, 0);
}
END_TEST

START_TEST(feat_text_is_a_valid_211_reply)
{
	char reply[ZC_REPLY_MAX];
	size_t n = zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, false, false);
	size_t r;

	ck_assert_uint_gt(n, 0);
	r = zc_reply_format(reply, sizeof(reply), 211, text);
	ck_assert_uint_gt(r, 0);
	ck_assert_int_eq(strncmp(reply, "211-Features:\r\n", 15), 0);
	ck_assert_str_eq(reply + r - 9, "211 End\r\n");
	ck_assert_ptr_nonnull(strstr(reply, "\r\n PASV\r\n"));
	ck_assert_ptr_nonnull(strstr(reply, "\r\n EPSV\r\n"));
	ck_assert_ptr_nonnull(strstr(reply, "\r\n SIZE\r\n"));
}
END_TEST

START_TEST(feat_mlst_line_marks_selected_facts)
{
	zc_cmd_feat_text(text, sizeof(text), ZC_FACT_TYPE | ZC_FACT_SIZE, false, false);
	ck_assert_ptr_nonnull(
		strstr(text, "\n MLST type*;size*;modify;perm;unique;"
			     "UNIX.mode;\n"));
	zc_cmd_feat_text(text, sizeof(text), 0, false, false);
	ck_assert_ptr_nonnull(
		strstr(text, "\n MLST type;size;modify;perm;unique;UNIX.mode;\n"));
	zc_cmd_feat_text(text, sizeof(text), ZC_FACTS_ALL, false, false);
	ck_assert_ptr_nonnull(
		strstr(text, "\n MLST type*;size*;modify*;perm*;unique*;"
			     "UNIX.mode*;\n"));
}
END_TEST

START_TEST(feat_text_small_buffer_stays_in_bounds)
{
	char small[40];

	for (size_t cap = 1; cap < sizeof(small); cap++) {
		size_t n;

		memset(small, 'Z', sizeof(small));
		n = zc_cmd_feat_text(small, cap, ZC_FACTS_ALL, false, false);
		ck_assert_uint_lt(n, cap);
		ck_assert_uint_eq(strlen(small), n);
		for (size_t i = cap; i < sizeof(small); i++)
			ck_assert_int_eq(small[i], 'Z');
	}
}
END_TEST

/* ---- HELP ------------------------------------------------------------------ */

START_TEST(help_text_lists_no_http_verb)
{
	size_t n = zc_cmd_help_text(text, sizeof(text));

	ck_assert_uint_eq(n, strlen(text));
	for (size_t i = 0; i < N(http_verbs); i++)
		ck_assert_msg(!has_word(text, http_verbs[i]), "HELP lists %s",
			      http_verbs[i]);
	ck_assert(has_word(text, "USER"));
	ck_assert(has_word(text, "RETR"));
	ck_assert(has_word(text, "EPSV"));
	ck_assert(!has_word(text, "SMNT")); /* not implemented */
}
END_TEST

START_TEST(help_text_lists_exactly_the_implemented_verbs)
{
	zc_cmd_help_text(text, sizeof(text));
	for (size_t i = 0; i < zc_cmd_count(); i++) {
		const struct zc_cmd_def *d = zc_cmd_at(i);
		bool implemented = d->handler != NULL;

		ck_assert_msg(has_word(text, d->verb) == implemented,
			      "HELP %s %s (handler %s)",
			      implemented ? "misses" : "lists", d->verb,
			      implemented ? "set" : "NULL");
	}
}
END_TEST

START_TEST(help_text_is_a_valid_214_reply)
{
	char reply[ZC_REPLY_MAX];
	size_t n = zc_cmd_help_text(text, sizeof(text));
	size_t r;

	ck_assert_uint_gt(n, 0);
	r = zc_reply_format(reply, sizeof(reply), 214, text);
	ck_assert_uint_gt(r, 0);
	ck_assert_int_eq(strncmp(reply, "214-", 4), 0);
	ck_assert_str_eq(reply + r - 14, "214 Help OK.\r\n");
}
END_TEST

START_TEST(help_text_small_buffer_stays_in_bounds)
{
	char small[48];

	for (size_t cap = 1; cap < sizeof(small); cap++) {
		size_t n;

		memset(small, 'Z', sizeof(small));
		n = zc_cmd_help_text(small, cap);
		ck_assert_uint_lt(n, cap);
		ck_assert_uint_eq(strlen(small), n);
		for (size_t i = cap; i < sizeof(small); i++)
			ck_assert_int_eq(small[i], 'Z');
	}
}
END_TEST

static Suite *
cmd_table_suite(void)
{
	Suite *s = suite_create("cmd_table");
	TCase *tc;

	tc = tcase_create("rows");
	tcase_add_test(tc, every_rfc959_verb_is_in_the_table);
	tcase_add_test(tc, lookup_unknown_and_lowercase);
	tcase_add_test(tc, rows_are_well_formed);
	tcase_add_test(tc, prelogin_set_is_exact);
	tcase_add_test(tc, http_verbs_flagged);
	tcase_add_test(tc, write_verbs_flagged);
	tcase_add_test(tc, argument_rules_of_some_rows);
	tcase_add_test(tc, x_aliases_share_handlers);
	suite_add_tcase(s, tc);

	tc = tcase_create("feat");
	tcase_add_test(tc, feat_text_shape);
	tcase_add_test(tc, feat_entries_belong_to_implemented_verbs);
	tcase_add_test(tc, feat_lists_tls_only_when_configured);
	tcase_add_test(tc, feat_lists_mfmt_only_when_writing_is_enabled);
	tcase_add_test(tc, feat_text_is_a_valid_211_reply);
	tcase_add_test(tc, feat_mlst_line_marks_selected_facts);
	tcase_add_test(tc, feat_text_small_buffer_stays_in_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("help");
	tcase_add_test(tc, help_text_lists_no_http_verb);
	tcase_add_test(tc, help_text_lists_exactly_the_implemented_verbs);
	tcase_add_test(tc, help_text_is_a_valid_214_reply);
	tcase_add_test(tc, help_text_small_buffer_stays_in_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cmd_table_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
