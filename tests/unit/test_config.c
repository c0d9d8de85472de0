/*
 * test_config.c — the configuration file: every key, every problem line,
 * the password sources, and the agreement of the parser with the manual
 * and the example file.
 *
 * Fixtures live in tests/fixtures/config: each NAME.conf loads cleanly,
 * and its twin NAME-bad.conf fails with exactly the problems listed in its
 * "#> " lines, in order.  In a fixture, @DIR@ is the test's temporary
 * directory (which holds ca.pem, certs/ and pw, mode 0600, and a copy of
 * each fixture NAME.pools, a device_pools_file) and @FILE@ the path the
 * fixture was written to.  "#= [section] line" lines of a good fixture
 * name lines config_print() must print in that section.
 */
#define _GNU_SOURCE		/* RTLD_NEXT */

#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <syslog.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <iniparser.h>

#include "cli/config.h"
#include "cli/config_int.h"

#define DAY	86400

static char	 dir[PATH_MAX];		/* the test's temporary directory */

/*
 * The keys the parser accepts, per section kind ("global", "cluster",
 * "campaign"), NULL-terminated, from the key tables.
 */
static const char *const *
config_keys(const char *section_kind)
{
	static const char *lists[KIND__MAX][MAX_KEYS + 1];

	for (int i = 0; section_kind != NULL && i < KIND__MAX; i++) {
		if (strcmp(config_kinds[i].name, section_kind) != 0)
			continue;
		if (lists[i][0] == NULL)
			for (size_t j = 0; j < config_kinds[i].nkeys; j++)
				lists[i][j] = config_kinds[i].keys[j].name;
		return lists[i];
	}
	return NULL;
}

/* ---- helpers ------------------------------------------------------------- */

/* snprintf that fails the test when the text does not fit. */
static void xsnprintf(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
xsnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < len);
}

static const char *
fixtures(void)
{
	const char *f = getenv("LSCRENEW_FIXTURES");

	return f != NULL && *f != '\0' ? f : "tests/fixtures";
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
spit(const char *path, const char *text, mode_t mode)
{
	int	 fd;
	size_t	 n = strlen(text);

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/* text with every `from` replaced by `to`, in new memory. */
static char *
subst(const char *text, const char *from, const char *to)
{
	size_t	 fl = strlen(from), tl = strlen(to), n = 0;
	const char *p;
	char	*out, *o;

	for (p = text; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = malloc(strlen(text) + n * tl + 1);
	assert_non_null(out);
	for (o = out, p = text; *p != '\0';) {
		if (strncmp(p, from, fl) == 0) {
			memcpy(o, to, tl);
			o += tl;
			p += fl;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static void
path_in_dir(char *buf, size_t len, const char *name)
{
	xsnprintf(buf, len, "%s/%s", dir, name);
}

/* Writes text (with @DIR@ filled in) as dir/name and loads it. */
static int
load_text(const char *name, const char *text, mode_t mode, char *path,
    size_t pathlen, struct config *cf, struct config_problems *pr,
    struct lsc_err *e)
{
	char *t = subst(text, "@DIR@", dir);

	path_in_dir(path, pathlen, name);
	spit(path, t, mode);
	free(t);
	return config_load(path, CONFIG_CLUSTER, cf, pr, e);
}

/* Not inlined: GCC 12 then takes the result for a pointer to buf. */
static char *print_config(const struct config *) __attribute__((noinline));

static char *
print_config(const struct config *cf)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	assert_non_null(f);
	config_print(cf, f);
	fclose(f);
	return buf;
}

/* Whether config_print's output has `line` inside section `sec`. */
static int
printed(const char *out, const char *sec, const char *line)
{
	char	 hdr[256];
	const char *s, *end, *p;
	size_t	 ll = strlen(line);

	xsnprintf(hdr, sizeof(hdr), "\n[%s]\n", sec);
	if ((s = strstr(out, hdr)) == NULL)
		return 0;
	s += strlen(hdr);
	end = strstr(s, "\n[");
	if (end == NULL)
		end = s + strlen(s);
	for (p = s; p < end; p = strchr(p, '\n') + 1) {
		if ((size_t)(end - p) >= ll && strncmp(p, line, ll) == 0 &&
		    p[ll] == '\n')
			return 1;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return 0;
}

static void
check_problems(const char *what, const struct config_problems *pr,
    char **want, size_t nwant)
{
	int bad = pr->n != nwant;

	for (size_t i = 0; !bad && i < nwant; i++)
		bad = strcmp(pr->v[i].text, want[i]) != 0;
	if (!bad)
		return;
	print_error("%s: expected %zu problem(s):\n", what, nwant);
	for (size_t i = 0; i < nwant; i++)
		print_error("  want: %s\n", want[i]);
	for (size_t i = 0; i < pr->n; i++)
		print_error("  got:  %s\n", pr->v[i].text);
	fail();
}

/* Removes a directory tree (no symbolic links are followed). */
static int
rm_tree(const char *path)
{
	char		 sub[PATH_MAX];
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	chmod(path, 0700);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		xsnprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (rm_tree(sub) == -1)
			rc = -1;
	}
	closedir(d);
	return rmdir(path) == -1 ? -1 : rc;
}

static int
setup(void **state)
{
	char	 path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");

	(void)state;
	xsnprintf(dir, sizeof(dir), "%s/lscrenew-test-config.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	path_in_dir(path, sizeof(path), "ca.pem");
	spit(path, "-----BEGIN CERTIFICATE-----\n", 0644);
	path_in_dir(path, sizeof(path), "certs");
	if (mkdir(path, 0755) == -1)
		return -1;
	path_in_dir(path, sizeof(path), "pw");
	spit(path, "secret\n", 0600);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rm_tree(dir);
}

/* ---- fixtures ------------------------------------------------------------ */

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One fixture: good ones load and print their "#=" lines, bad ones fail
 * with exactly their "#>" lines. */
static void
run_fixture(const char *fxdir, const char *name)
{
	char	 src[PATH_MAX], path[PATH_MAX], *text, *line, *save = NULL;
	char	*want[64], *out;
	char	 sec[128];
	size_t	 nwant = 0;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	int	 bad = ends_with(name, "-bad.conf"), rc;

	xsnprintf(src, sizeof(src), "%s/%s", fxdir, name);
	text = slurp(src);
	rc = load_text(name, text, 0600, path, sizeof(path), &cf, &pr, &e);

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "#> ", 3) == 0) {
			char *a = subst(line + 3, "@FILE@", path);

			assert_true(nwant < 64);
			want[nwant++] = subst(a, "@DIR@", dir);
			free(a);
		}
	}
	if (bad) {
		if (nwant == 0)
			fail_msg("%s: a failing twin lists no \"#> \" "
			    "problems", name);
		if (rc != -1)
			fail_msg("%s: loaded, but must fail", name);
		assert_int_equal(e.kind, ERR_CONFIG);
		check_problems(name, &pr, want, nwant);
		assert_string_equal(e.msg, pr.v[0].text);
	} else {
		if (nwant != 0)
			fail_msg("%s: a good fixture lists problems", name);
		check_problems(name, &pr, want, 0);
		assert_int_equal(rc, 0);
		out = print_config(&cf);
		free(text);
		text = slurp(src);
		for (line = strtok_r(text, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *l, *end;

			if (strncmp(line, "#= [", 4) != 0)
				continue;
			end = strchr(line + 4, ']');
			assert_non_null(end);
			xsnprintf(sec, sizeof(sec), "%.*s",
			    (int)(end - (line + 4)), line + 4);
			l = subst(end + 2, "@DIR@", dir);
			if (!printed(out, sec, l))
				fail_msg("%s: config_print has no \"%s\" in "
				    "[%s]:\n%s", name, l, sec, out);
			free(l);
		}
		free(out);
	}
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
	free(text);
	config_problems_free(&pr);
	config_free(&cf);
}

static void
test_fixtures(void **state)
{
	char	 fxdir[PATH_MAX], twin[PATH_MAX];
	char	*names[256];
	size_t	 n = 0, nbad = 0;
	DIR	*d;
	struct dirent *de;

	(void)state;
	xsnprintf(fxdir, sizeof(fxdir), "%s/config", fixtures());
	if ((d = opendir(fxdir)) == NULL)
		fail_msg("%s: %s (set LSCRENEW_FIXTURES)", fxdir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (ends_with(de->d_name, ".conf")) {
			assert_true(n < 256);
			names[n++] = strdup(de->d_name);
		} else if (ends_with(de->d_name, ".pools")) {
			char *text;

			xsnprintf(twin, sizeof(twin), "%s/%s", fxdir,
			    de->d_name);
			text = slurp(twin);
			path_in_dir(twin, sizeof(twin), de->d_name);
			spit(twin, text, 0644);
			free(text);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (ends_with(names[i], "-bad.conf")) {
			nbad++;
			xsnprintf(twin, sizeof(twin), "%s/%.*s.conf", fxdir,
			    (int)(strlen(names[i]) - 9), names[i]);
			if (access(twin, R_OK) == -1)
				fail_msg("%s has no good twin %s", names[i],
				    twin);
		}
		run_fixture(fxdir, names[i]);
		free(names[i]);
	}
	assert_true(nbad >= 10);
	assert_int_equal(n, 2 * nbad);
}

/* ---- the example --------------------------------------------------------- */

static char *
example_text(void)
{
	char	 path[PATH_MAX];

	xsnprintf(path, sizeof(path), "%s/../../etc/lscrenew.conf.example",
	    fixtures());
	return slurp(path);
}

static void
test_example(void **state)
{
	char	 path[PATH_MAX], pre[PATH_MAX + 2], file[PATH_MAX + 32];
	char	*text, *t;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	const struct cluster_conf *cl;
	const struct policy *p;

	(void)state;
	/* Its ca_file and password_file are under /etc/lscrenew. */
	text = example_text();
	xsnprintf(pre, sizeof(pre), "%s/", dir);
	t = subst(text, "/etc/lscrenew/", pre);
	xsnprintf(file, sizeof(file), "%s/cucm-ca.pem", dir);
	spit(file, "", 0644);
	if (load_text("example.conf", t, 0600, path, sizeof(path), &cf, &pr,
	    &e) != 0) {
		check_problems("example", &pr, NULL, 0);
		fail();
	}
	free(t);
	free(text);

	assert_string_equal(cf.global.state_dir, "/var/lib/lscrenew");
	assert_int_equal(cf.global.log, LOG_TO_SYSLOG);
	assert_int_equal(cf.global.log_level, 1);
	assert_int_equal(cf.global.syslog_facility, LOG_DAEMON);
	assert_null(cf.global.hook);
	assert_int_equal(cf.global.random_delay, 600);
	assert_int_equal(cf.global.retention, 400 * DAY);
	assert_string_equal(cf.global.metrics_file,
	    "/var/lib/prometheus/node-exporter/lscrenew.prom");
	assert_string_equal(cf.global.report_file,
	    "/var/www/html/lscrenew/index.html");

	assert_int_equal(cf.nclusters, 1);
	cl = config_cluster(&cf, "cucm-pub");
	assert_non_null(cl);
	assert_string_equal(cl->host, "cucm-pub.example.com");
	assert_int_equal(cl->port, 8443);
	assert_string_equal(cl->ris_host, "cucm-pub.example.com");
	assert_int_equal(cl->ris_port, 8443);
	assert_string_equal(cl->axl_version, "auto");
	assert_string_equal(cl->ca_file, file);
	assert_null(cl->ca_path);
	assert_string_equal(cl->username, "lscrenew-axl");
	assert_int_equal(cl->secret, SECRET_FILE);
	xsnprintf(file, sizeof(file), "%s/cucm-pub.password", dir);
	assert_string_equal(cl->password_file, file);
	assert_null(cl->password_command);
	assert_null(cl->password);
	assert_true(cl->ris_rate == 12.0);
	assert_int_equal(cl->connect_timeout, 10);
	assert_int_equal(cl->timeout, 120);
	assert_int_equal(cl->page_size, 1000);
	assert_int_equal(cl->max_response, 16 * 1024 * 1024);
	assert_int_equal(cl->retry_attempts, 5);
	assert_int_equal(cl->retry_budget, 120);

	assert_int_equal(cf.ncampaigns, 2);
	p = config_campaign(&cf, "nightly");
	assert_non_null(p);
	assert_string_equal(p->cluster, "cucm-pub");
	assert_int_equal(p->npools, 2);
	assert_string_equal(p->pools[0], "DP-HQ-Phones");
	assert_string_equal(p->pools[1], "DP-Branch-Phones");
	assert_string_equal(p->name_like, "SEP%");
	assert_int_equal(p->renew_before, 30 * DAY);
	assert_int_equal(p->install_missing, 0);
	assert_null(p->expected_issuer);
	assert_int_equal(p->auth_mode, AUTH_EXISTING_LSC);
	assert_int_equal(p->install_auth_mode, AUTH_EXISTING_MIC);
	assert_null(p->auth_string);
	assert_int_equal(p->key_order, KEY_RSA);
	assert_int_equal(p->rsa_bits, 2048);
	assert_int_equal(p->ec_bits, 384);
	assert_int_equal(p->deadline, 7 * DAY);
	assert_int_equal(p->max_per_run, 300);
	assert_int_equal(p->max_per_minute, 30);
	assert_int_equal(p->window_start, 60);
	assert_int_equal(p->window_end, 5 * 60);
	assert_int_equal(p->notify, AXL_NOTIFY_APPLY);
	assert_int_equal(p->retry_base, 3600);
	assert_int_equal(p->retry_cap, 7 * DAY);
	assert_int_equal(p->retry_jitter, 10);
	assert_int_equal(p->give_up_after, 90 * DAY);
	assert_int_equal(p->give_up_attempts, 0);

	p = config_campaign(&cf, "ca-migration");
	assert_non_null(p);
	assert_int_equal(p->npools, 2);
	assert_string_equal(p->pools[0], "DP-Lab-East");
	assert_string_equal(p->pools[1], "DP-Lab-West");
	assert_null(p->name_like);
	assert_string_equal(p->expected_issuer,
	    "CN=Example Issuing CA 2,O=Example Corp,C=US");
	assert_int_equal(p->renew_before, 30 * DAY);
	assert_int_equal(p->install_missing, 1);
	assert_int_equal(p->install_auth_mode, AUTH_STRING);
	assert_string_equal(p->auth_string, "246810");
	assert_int_equal(p->key_order, KEY_EC_RSA);
	assert_int_equal(p->rsa_bits, 3072);
	assert_int_equal(p->deadline, 14 * DAY);
	assert_int_equal(p->window_start, 22 * 60);
	assert_int_equal(p->window_end, 6 * 60);
	assert_int_equal(p->notify, AXL_NOTIFY_RESTART);
	assert_int_equal(p->retry_base, 1800);
	assert_int_equal(p->retry_cap, 2 * DAY);
	assert_int_equal(p->retry_jitter, 20);
	assert_int_equal(p->give_up_after, 0);
	assert_int_equal(p->give_up_attempts, 10);

	config_problems_free(&pr);
	config_free(&cf);
}

/* ---- defaults ------------------------------------------------------------ */

static const char minimal[] =
    "[cluster c1]\n"
    "host = cucm.example.com\n"
    "username = axl\n"
    "password_file = @DIR@/pw\n"
    "[campaign k1]\n"
    "cluster = c1\n"
    "device_pools = P1\n";

static void
test_defaults(void **state)
{
	char	 path[PATH_MAX];
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	struct policy def;
	const struct cluster_conf *cl;
	const struct policy *p;

	(void)state;
	assert_int_equal(load_text("defaults.conf", minimal, 0600, path,
	    sizeof(path), &cf, &pr, &e), 0);
	assert_int_equal(pr.n, 0);
	assert_int_equal(e.kind, ERR_NONE);
	assert_string_equal(cf.path, path);

	assert_string_equal(cf.global.state_dir, "/var/lib/lscrenew");
	assert_int_equal(cf.global.log, LOG_TO_STDERR);
	assert_int_equal(cf.global.log_level, 1);
	assert_int_equal(cf.global.syslog_facility, LOG_DAEMON);
	assert_null(cf.global.hook);
	assert_int_equal(cf.global.random_delay, 0);
	assert_int_equal(cf.global.retention, 400 * DAY);
	assert_null(cf.global.metrics_file);
	assert_null(cf.global.report_file);

	cl = &cf.clusters[0];
	assert_string_equal(cl->name, "c1");
	assert_int_equal(cl->port, 8443);
	assert_string_equal(cl->ris_host, "cucm.example.com");
	assert_int_equal(cl->ris_port, 8443);
	assert_string_equal(cl->axl_version, "auto");
	assert_null(cl->ca_file);
	assert_null(cl->ca_path);
	assert_true(cl->ris_rate == 12.0);
	assert_int_equal(cl->connect_timeout, 10);
	assert_int_equal(cl->timeout, 120);
	assert_int_equal(cl->page_size, 1000);
	assert_int_equal(cl->max_response, 16 * 1024 * 1024);
	assert_int_equal(cl->retry_attempts, 5);
	assert_int_equal(cl->retry_budget, 120);

	/* The campaign: policy_defaults(), the documented defaults. */
	p = &cf.campaigns[0];
	policy_defaults(&def);
	assert_string_equal(p->name, "k1");
	assert_string_equal(p->cluster, "c1");
	assert_int_equal(p->npools, 1);
	assert_null(p->name_like);
	assert_null(p->expected_issuer);
	assert_null(p->auth_string);
	assert_int_equal(p->renew_before, 30 * DAY);
	assert_int_equal(p->install_missing, 0);
	assert_int_equal(p->auth_mode, AUTH_EXISTING_LSC);
	assert_int_equal(p->install_auth_mode, AUTH_EXISTING_MIC);
	assert_int_equal(p->key_order, KEY_RSA);
	assert_int_equal(p->rsa_bits, 2048);
	assert_int_equal(p->ec_bits, 384);
	assert_int_equal(p->deadline, 7 * DAY);
	assert_int_equal(p->max_per_run, 500);
	assert_int_equal(p->max_per_minute, 60);
	assert_int_equal(p->window_start, -1);
	assert_int_equal(p->window_end, -1);
	assert_int_equal(p->notify, AXL_NOTIFY_APPLY);
	assert_int_equal(p->retry_base, 3600);
	assert_int_equal(p->retry_cap, 7 * DAY);
	assert_int_equal(p->retry_jitter, 10);
	assert_int_equal(p->give_up_after, 90 * DAY);
	assert_int_equal(p->give_up_attempts, 0);
	assert_int_equal(p->renew_before, def.renew_before);
	assert_int_equal(p->deadline, def.deadline);
	assert_int_equal(p->give_up_after, def.give_up_after);

	/* A port given once is RisPort70's too. */
	config_free(&cf);
	config_problems_free(&pr);
	{
		char *t = subst(minimal, "username", "port = 9443\nusername");

		assert_int_equal(load_text("port.conf", t, 0600, path,
		    sizeof(path), &cf, &pr, &e), 0);
		free(t);
	}
	assert_int_equal(cf.clusters[0].port, 9443);
	assert_int_equal(cf.clusters[0].ris_port, 9443);
	config_free(&cf);
	config_problems_free(&pr);
}

/* ---- single problems ----------------------------------------------------- */

/* Loads text and expects exactly one problem, want (with @FILE@). */
static void
expect_one(const char *text, const char *want)
{
	char	 path[PATH_MAX], *w, *w2;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	assert_int_equal(load_text("one.conf", text, 0600, path, sizeof(path),
	    &cf, &pr, &e), -1);
	w = subst(want, "@FILE@", path);
	w2 = subst(w, "@DIR@", dir);
	check_problems(want, &pr, &w2, 1);
	assert_int_equal(e.kind, ERR_CONFIG);
	assert_string_equal(e.msg, w2);
	/* On failure the config is left zeroed. */
	assert_null(cf.clusters);
	assert_int_equal(cf.ncampaigns, 0);
	free(w);
	free(w2);
	config_problems_free(&pr);
	config_free(&cf);
}

static void
test_one_problem_each(void **state)
{
	char *t;

	(void)state;
	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "renew_before = 90");
	expect_one(t, "@FILE@: [campaign k1] renew_before = 90: a number "
	    "without a unit; expected a duration from 1d to 3650d (a number "
	    "and a unit: s, m, h, d or w)");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "window = 01:00-5:00");
	expect_one(t, "@FILE@: [campaign k1] window = 01:00-5:00: not a time "
	    "window; expected HH:MM-HH:MM in local time, start and end "
	    "different, e.g. 01:00-05:00");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "key_order = rsa-ec");
	expect_one(t, "@FILE@: [campaign k1] key_order = rsa-ec: unknown "
	    "value; expected rsa, ec or ec-rsa");
	free(t);

	t = subst(minimal, "username", "page_size = 9\nusername");
	expect_one(t, "@FILE@: [cluster c1] page_size = 9: out of range; "
	    "expected an integer from 10 to 5000");
	free(t);

	t = subst(minimal, "username", "prot = 8443\nusername");
	expect_one(t, "@FILE@: [cluster c1] prot = 8443: unknown key; did "
	    "you mean port?");
	free(t);

	t = subst(minimal, "[campaign", "[server x]\nhost = y\n[campaign");
	expect_one(t, "@FILE@: [server x]: unknown section; expected "
	    "[global], [cluster NAME] or [campaign NAME]");
	free(t);

	t = subst(minimal, "username = axl\n", "");
	expect_one(t, "@FILE@: [cluster c1] username: required key missing; "
	    "expected the AXL application user's name");
	free(t);

	t = subst(minimal, "cluster = c1", "cluster = c2");
	expect_one(t, "@FILE@: [campaign k1] cluster = c2: no such cluster; "
	    "did you mean c1?");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "auth_mode = auth-string");
	expect_one(t, "@FILE@: [campaign k1] auth_string: required by "
	    "auth_mode = auth-string; expected 4 to 10 digits");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "auth_string = 1234");
	expect_one(t, "@FILE@: [campaign k1] auth_string = *: not used: "
	    "neither auth_mode nor install_auth_mode is auth-string; "
	    "expected no auth_string");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "auth_mode = auth-string\nauth_string = 123");
	expect_one(t, "@FILE@: [campaign k1] auth_string = *: 3 digits; "
	    "expected 4 to 10 digits");
	free(t);

	t = subst(minimal, "username", "password_command = cat @DIR@/pw\n"
	    "username");
	expect_one(t, "@FILE@: [cluster c1] password_file = @DIR@/pw: a "
	    "second password source (password_command is also set); "
	    "expected exactly one of password_file, password_command or "
	    "password");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "retry_base = 8d");
	expect_one(t, "@FILE@: [campaign k1] retry_base = 8d: more than "
	    "retry_cap (7d, the default); expected at most retry_cap");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1, P2, P1");
	expect_one(t, "@FILE@: [campaign k1] device_pools = P1, P2, P1: "
	    "device pool \"P1\" listed twice; expected a comma-separated "
	    "list of device pool names (write a comma in a name as \\,)");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "install_missing = yes\nexpected_issuer =");
	expect_one(t, "@FILE@: [campaign k1] expected_issuer = : empty "
	    "value; expected the issuer name of the LSCs wanted, as CUCM "
	    "shows it");
	free(t);

	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "[campaign k1]\nnotify = reset");
	expect_one(t, "@FILE@: [campaign k1]: section given twice (its keys "
	    "would merge); expected each section once");
	free(t);

	/* No campaign at all. */
	t = subst(minimal, "[campaign k1]\ncluster = c1\ndevice_pools = P1\n",
	    "");
	expect_one(t, "@FILE@: no [campaign NAME] section; expected at least "
	    "one");
	free(t);
}

/* Five mistakes, five lines, the first also in err. */
static void
test_all_at_once(void **state)
{
	char	 path[PATH_MAX], *t;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	t = subst(minimal, "device_pools = P1", "device_pools = P1\n"
	    "renew_before = 30\nwindow = 5-6\nnotify = bounce\n"
	    "key_size = 512\nretry_jitter = 200");
	assert_int_equal(load_text("five.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), -1);
	free(t);
	assert_int_equal(pr.n, 5);
	assert_int_equal(e.kind, ERR_CONFIG);
	assert_string_equal(e.msg, pr.v[0].text);
	assert_non_null(strstr(pr.v[0].text, "renew_before = 30:"));
	assert_non_null(strstr(pr.v[1].text, "window = 5-6:"));
	assert_non_null(strstr(pr.v[2].text, "notify = bounce:"));
	assert_non_null(strstr(pr.v[3].text, "key_size = 512: too small to "
	    "be secure"));
	assert_non_null(strstr(pr.v[4].text, "retry_jitter = 200:"));
	for (size_t i = 0; i < pr.n; i++)
		assert_null(strchr(pr.v[i].text, '\n'));
	config_problems_free(&pr);
	config_free(&cf);
}

/* ---- secrets ------------------------------------------------------------- */

static const char inline_pw[] =
    "[cluster c1]\n"
    "host = cucm.example.com\n"
    "username = axl\n"
    "password = \"s3cret;inline\"\n"
    "[campaign k1]\n"
    "cluster = c1\n"
    "device_pools = P1\n"
    "install_auth_mode = auth-string\n"
    "auth_string = 97531\n";

static void
assert_no_secret(const struct config_problems *pr, const struct lsc_err *e)
{
	for (size_t i = 0; i < pr->n; i++) {
		assert_null(strstr(pr->v[i].text, "s3cret"));
		assert_null(strstr(pr->v[i].text, "97531"));
	}
	assert_null(strstr(e->msg, "s3cret"));
	assert_null(strstr(e->msg, "97531"));
}

static void
test_inline_password_mode(void **state)
{
	char	 path[PATH_MAX], want[3 * PATH_MAX], want2[3 * PATH_MAX], *pw;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	struct passwd *me, *nobody;

	(void)state;
	assert_int_equal(load_text("inline.conf", inline_pw, 0644, path,
	    sizeof(path), &cf, &pr, &e), -1);
	xsnprintf(want, sizeof(want), "%s: [cluster c1] password = *: %s is "
	    "readable by group or others (mode 0644); expected a file only "
	    "its owner can read to hold a password: run chmod 600 %s", path,
	    path, path);
	{
		char *w = want;

		check_problems("inline 0644", &pr, &w, 1);
	}
	assert_no_secret(&pr, &e);
	config_problems_free(&pr);
	config_free(&cf);

	assert_int_equal(load_text("inline.conf", inline_pw, 0640, path,
	    sizeof(path), &cf, &pr, &e), -1);
	assert_int_equal(pr.n, 1);
	assert_non_null(strstr(pr.v[0].text, "(mode 0640)"));
	config_problems_free(&pr);
	config_free(&cf);

	/* 0600 and 0400 hold a password. */
	assert_int_equal(load_text("inline.conf", inline_pw, 0400, path,
	    sizeof(path), &cf, &pr, &e), 0);
	config_free(&cf);
	assert_int_equal(load_text("inline.conf", inline_pw, 0600, path,
	    sizeof(path), &cf, &pr, &e), 0);
	assert_int_equal(cf.clusters[0].secret, SECRET_INLINE);
	pw = config_password(&cf.clusters[0], &e);
	assert_non_null(pw);
	assert_string_equal(pw, "s3cret;inline");
	config_password_free(pw);
	config_free(&cf);

	/* Owned by someone else: only root can arrange that. */
	if (geteuid() != 0 || (nobody = getpwnam("nobody")) == NULL) {
		print_message("skipped: the chown case needs root\n");
		return;
	}
	assert_int_equal(chown(path, nobody->pw_uid, (gid_t)-1), 0);
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
	me = getpwuid(geteuid());
	assert_non_null(me);
	/* another user could make lscrenew run commands, and the password
	 * is not ours to read */
	xsnprintf(want, sizeof(want), "%s: owned by nobody, not root; run "
	    "lscrenew as nobody, or run: chown root %s", path, path);
	xsnprintf(want2, sizeof(want2), "%s: [cluster c1] password = *: %s is "
	    "owned by nobody, not %s; expected a file only its owner can "
	    "read to hold a password: run chown %s %s (or run lscrenew as "
	    "nobody)", path, path, me->pw_name, me->pw_name, path);
	{
		char *w[] = { want, want2 };

		check_problems("inline chown", &pr, w, 2);
	}
	config_problems_free(&pr);
	config_free(&cf);

	/* a command that reads only the store needs no password */
	assert_int_equal(config_load(path, 0, &cf, &pr, &e), 0);
	config_free(&cf);
}

/*
 * What only a command that talks to a cluster checks (CONFIG_CLUSTER):
 * another command loads the same file without the cluster's files.
 */
static void
test_cluster_access_checks(void **state)
{
	static const char text[] =
	    "[cluster c1]\nhost = cucm.example.com\nusername = axl\n"
	    "ca_file = /nonexistent/ca.pem\npassword_file = /nonexistent/pw\n"
	    "[campaign k1]\ncluster = c1\ndevice_pools = P1\n";
	char	 path[PATH_MAX], want[2 * PATH_MAX];
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	path_in_dir(path, sizeof(path), "access.conf");
	spit(path, text, 0666);
	assert_int_equal(config_load(path, 0, &cf, &pr, &e), 0);
	assert_string_equal(cf.clusters[0].ca_file, "/nonexistent/ca.pem");
	config_free(&cf);
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
	assert_int_equal(pr.n, 2);
	xsnprintf(want, sizeof(want), "%s: writable by group or others (mode "
	    "0666); run: chmod go-w %s", path, path);
	assert_string_equal(pr.v[0].text, want);
	xsnprintf(want, sizeof(want), "%s: [cluster c1] ca_file = "
	    "/nonexistent/ca.pem: cannot read it: No such file or directory; "
	    "expected the absolute path of a readable PEM file of CA "
	    "certificates", path);
	assert_string_equal(pr.v[1].text, want);
	config_problems_free(&pr);
}

/* A file and its directory: ours or root's, writable by no one else. */
static void
test_check_trusted(void **state)
{
	char	 sub[PATH_MAX], file[PATH_MAX], why[3 * PATH_MAX], want[3 *
	    PATH_MAX];

	(void)state;
	path_in_dir(sub, sizeof(sub), "trusted");
	assert_int_equal(mkdir(sub, 0700), 0);
	xsnprintf(file, sizeof(file), "%s/prog", sub);
	spit(file, "#!/bin/sh\n", 0755);
	assert_int_equal(config_check_trusted(file, why, sizeof(why)), 0);
	assert_int_equal(chmod(file, 0775), 0);
	assert_int_equal(config_check_trusted(file, why, sizeof(why)), -1);
	xsnprintf(want, sizeof(want), "writable by group or others (mode "
	    "0775); run: chmod go-w %s", file);
	assert_string_equal(why, want);
	assert_int_equal(chmod(file, 0755), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(config_check_trusted(file, why, sizeof(why)), -1);
	xsnprintf(want, sizeof(want), "its directory %s: writable by group or "
	    "others (mode 0777); run: chmod go-w %s", sub, sub);
	assert_string_equal(why, want);
	/* the sticky bit: others cannot replace a file they do not own */
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(config_check_trusted(file, why, sizeof(why)), 0);
	assert_int_equal(config_check_trusted("/nonexistent/prog", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "cannot resolve: No such file or directory");
	unlink(file);
	rmdir(sub);
}

static void
test_password_file(void **state)
{
	char	 path[PATH_MAX], want[3 * PATH_MAX], *pw;
	struct cluster_conf cl;
	struct lsc_err e;

	(void)state;
	memset(&cl, 0, sizeof(cl));
	cl.name = "c1";
	cl.secret = SECRET_FILE;
	path_in_dir(path, sizeof(path), "pwfile");
	cl.password_file = path;

	spit(path, "pw-one\nsecond line\n", 0600);
	err_clear(&e);
	pw = config_password(&cl, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "pw-one");
	config_password_free(pw);

	spit(path, "pw-crlf\r\n", 0400);
	pw = config_password(&cl, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "pw-crlf");
	config_password_free(pw);

	spit(path, "pw-nonl", 0600);
	pw = config_password(&cl, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "pw-nonl");
	config_password_free(pw);

	spit(path, "pw-open\n", 0644);
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_CONFIG);
	xsnprintf(want, sizeof(want), "cluster c1: password_file: %s is "
	    "readable by group or others (mode 0644); run chmod 600 %s", path,
	    path);
	assert_string_equal(e.msg, want);
	assert_null(strstr(e.msg, "pw-open"));

	spit(path, "pw-open\n", 0604);
	assert_null(config_password(&cl, &e));
	assert_non_null(strstr(e.msg, "(mode 0604)"));

	spit(path, "\nsecond\n", 0600);
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_CONFIG);
	xsnprintf(want, sizeof(want), "cluster c1: password_file %s: the first "
	    "line is empty", path);
	assert_string_equal(e.msg, want);

	unlink(path);
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_CONFIG);
	xsnprintf(want, sizeof(want), "cluster c1: password_file %s: cannot "
	    "open: No such file or directory", path);
	assert_string_equal(e.msg, want);

	path_in_dir(path, sizeof(path), "certs");
	assert_null(config_password(&cl, &e));
	xsnprintf(want, sizeof(want), "cluster c1: password_file: %s is not a "
	    "regular file; run mv %s elsewhere and put the secret in a "
	    "regular file", path, path);
	assert_string_equal(e.msg, want);

	cl.secret = SECRET_NONE;
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_CONFIG);
}

static void
test_password_command(void **state)
{
	struct cluster_conf cl;
	struct lsc_err e;
	char	*pw;

	(void)state;
	memset(&cl, 0, sizeof(cl));
	cl.name = "c1";
	cl.secret = SECRET_COMMAND;

	cl.password_command = "printf 'cmd-pw\\nsecond\\n'";
	err_clear(&e);
	pw = config_password(&cl, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "cmd-pw");
	config_password_free(pw);

	cl.password_command = "printf 'no newline'";
	pw = config_password(&cl, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "no newline");
	config_password_free(pw);

	/* Output larger than the buffer is drained, the first line kept. */
	cl.password_command = "echo big-one; head -c 100000 /dev/zero | "
	    "tr '\\0' x";
	pw = config_password(&cl, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "big-one");
	config_password_free(pw);

	cl.password_command = "printf 'leaked\\n'; exit 3";
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_string_equal(e.msg, "cluster c1: password_command exited with "
	    "status 3");

	cl.password_command = "true";
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_CONFIG);
	assert_string_equal(e.msg, "cluster c1: password_command printed an "
	    "empty first line");

	cl.password_command = "printf '\\nlate\\n'";
	assert_null(config_password(&cl, &e));
	assert_string_equal(e.msg, "cluster c1: password_command printed an "
	    "empty first line");

	cl.password_command = "kill -9 $$";
	assert_null(config_password(&cl, &e));
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_string_equal(e.msg, "cluster c1: password_command killed by "
	    "signal 9");
}

/* The pid a command wrote into dir/name. */
static pid_t
pid_in(const char *name)
{
	char	 path[PATH_MAX], *text;
	long	 pid;

	path_in_dir(path, sizeof(path), name);
	text = slurp(path);
	pid = strtol(text, NULL, 10);
	free(text);
	assert_true(pid > 1);
	return (pid_t)pid;
}

/*
 * Whether a process ends within five seconds of a SIGKILL (gone, or a
 * zombie no one reaped yet): waits on a pidfd, not on a clock.  -1 when
 * the kernel (or valgrind) has no pidfd_open: unknown.
 */
static int
ended(pid_t pid)
{
	struct pollfd p;
	int	 fd, rc;

	if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		return errno == ESRCH ? 1 : -1;
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	rc = poll(&p, 1, 5000);
	close(fd);
	return rc == 1;
}

static void
test_password_command_time(void **state)
{
	struct cluster_conf cl;
	struct lsc_err e;
	char	 cmd[2 * PATH_MAX], *pw;
	pid_t	 bg;

	(void)state;
	memset(&cl, 0, sizeof(cl));
	cl.name = "c1";
	cl.secret = SECRET_COMMAND;

	/* Closing its output does not end the time limit: the command
	 * printed a password, yet it did not finish in time. */
	cl.password_command = "echo pw; exec >&-; sleep 30";
	err_clear(&e);
	assert_null(config_password_command(&cl, 1, &e));
	assert_int_equal(e.kind, ERR_SYSTEM);
	assert_string_equal(e.msg, "cluster c1: password_command did not "
	    "finish within 1 seconds; killed");

	/* A process left in the background, holding the pipe, neither holds
	 * the password up nor fails it (waiting for it would run into the
	 * 5-second limit, as the case above shows). */
	xsnprintf(cmd, sizeof(cmd), "echo bg-pw; sleep 30 </dev/null "
	    "2>/dev/null & echo $! >%s/bg1", dir);
	cl.password_command = cmd;
	pw = config_password_command(&cl, 5, &e);
	assert_non_null(pw);
	assert_string_equal(pw, "bg-pw");
	config_password_free(pw);
	kill(pid_in("bg1"), SIGKILL);

	/* The timeout kills what the command started, too. */
	xsnprintf(cmd, sizeof(cmd), "sleep 30 </dev/null 2>/dev/null & "
	    "echo $! >%s/bg2; wait", dir);
	cl.password_command = cmd;
	assert_null(config_password_command(&cl, 1, &e));
	assert_string_equal(e.msg, "cluster c1: password_command did not "
	    "finish within 1 seconds; killed");
	bg = pid_in("bg2");
	if (ended(bg) == 0) {
		kill(bg, SIGKILL);
		fail_msg("the command's background process outlived it");
	}
}

/* The command inherits none of our descriptors (connections to CUCM). */
static void
test_password_command_fds(void **state)
{
	struct cluster_conf cl;
	struct lsc_err e;
	char	*pw;
	int	 fd;

	(void)state;
	memset(&cl, 0, sizeof(cl));
	cl.name = "c1";
	cl.secret = SECRET_COMMAND;
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 50), 50);
	close(fd);
	cl.password_command = "if [ -e /proc/self/fd/50 ]; then echo leaked; "
	    "else echo closed; fi";
	err_clear(&e);
	pw = config_password(&cl, &e);
	close(50);
	assert_non_null(pw);
	assert_string_equal(pw, "closed");
	config_password_free(pw);
}

static void
test_print_hides_secrets(void **state)
{
	static const char *const kinds[] = { "global", "cluster", "campaign" };
	static const char *const secs[] = {
		"global", "cluster c1", "campaign k1"
	};
	char	 path[PATH_MAX], line[128], hdr[64], *out;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	const char *const *keys;

	(void)state;
	assert_int_equal(load_text("print.conf", inline_pw, 0600, path,
	    sizeof(path), &cf, &pr, &e), 0);
	out = print_config(&cf);
	assert_null(strstr(out, "s3cret"));
	assert_null(strstr(out, "97531"));
	assert_true(printed(out, "cluster c1", "password = *"));
	assert_true(printed(out, "campaign k1", "auth_string = *"));
	assert_true(printed(out, "cluster c1", "# password_file = (not set)"));
	assert_true(printed(out, "campaign k1", "# window = (not set)"));
	/* Every key, defaults included. */
	for (size_t k = 0; k < 3; k++) {
		keys = config_keys(kinds[k]);
		assert_non_null(keys);
		for (size_t i = 0; keys[i] != NULL; i++) {
			const char *p;
			int found = 0;

			xsnprintf(line, sizeof(line), "\n%s = ", keys[i]);
			xsnprintf(hdr, sizeof(hdr), "\n[%s]\n", secs[k]);
			p = strstr(out, hdr);
			assert_non_null(p);
			found = strstr(p, line) != NULL;
			xsnprintf(line, sizeof(line), "\n# %s = (not set)",
			    keys[i]);
			found = found || strstr(p, line) != NULL;
			if (!found)
				fail_msg("config_print lacks %s in [%s]:\n%s",
				    keys[i], secs[k], out);
		}
	}
	free(out);
	config_problems_free(&pr);
	config_free(&cf);
}

static void
test_problems_hide_secrets(void **state)
{
	char	 path[PATH_MAX], *t;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	/* Wrong mode, a cut password, a bad auth string, misspelt keys, a
	 * stray line that may be a password. */
	t = subst(inline_pw, "auth_string = 97531", "auth_string = 97531x\n"
	    "pasword = s3cret-typo\nauth_strng = 97531\n"
	    "[cluster c2]\nhost = h\nusername = u\npassword = s3cret#cut\n"
	    "password = s3cret-again\n");
	assert_int_equal(load_text("leak.conf", t, 0644, path, sizeof(path),
	    &cf, &pr, &e), -1);
	free(t);
	assert_true(pr.n >= 6);
	assert_no_secret(&pr, &e);
	config_problems_free(&pr);
	config_free(&cf);

	t = subst(inline_pw, "password = \"s3cret;inline\"", "password =\n"
	    "s3cret-alone");
	assert_int_equal(load_text("leak2.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), -1);
	free(t);
	assert_no_secret(&pr, &e);
	config_problems_free(&pr);
	config_free(&cf);
}

/* ---- the file itself ----------------------------------------------------- */

static void
test_unreadable(void **state)
{
	char	 path[PATH_MAX], want[2 * PATH_MAX];
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	path_in_dir(path, sizeof(path), "no-such.conf");
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
	assert_int_equal(e.kind, ERR_CONFIG);
	xsnprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory", path);
	assert_string_equal(e.msg, want);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.v[0].text, want);
	config_problems_free(&pr);
	config_free(&cf);

	path_in_dir(path, sizeof(path), "certs");
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
	assert_int_equal(e.kind, ERR_CONFIG);
	xsnprintf(want, sizeof(want), "%s: is a directory; expected a "
	    "configuration file", path);
	assert_string_equal(e.msg, want);
	config_problems_free(&pr);

	path_in_dir(path, sizeof(path), "ca.pem/x.conf");
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
	xsnprintf(want, sizeof(want), "%s: cannot open: Not a directory",
	    path);
	assert_string_equal(e.msg, want);
	config_problems_free(&pr);

	if (geteuid() != 0) {
		path_in_dir(path, sizeof(path), "locked.conf");
		spit(path, minimal, 0000);
		assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
		assert_int_equal(e.kind, ERR_CONFIG);
		xsnprintf(want, sizeof(want), "%s: cannot open: Permission "
		    "denied", path);
		assert_string_equal(e.msg, want);
		config_problems_free(&pr);
	}

	/* An empty file is valid INI, but not a configuration. */
	assert_int_equal(load_text("empty.conf", "", 0600, path, sizeof(path),
	    &cf, &pr, &e), -1);
	assert_int_equal(pr.n, 2);
	xsnprintf(want, sizeof(want), "%s: no [cluster NAME] section; "
	    "expected at least one", path);
	assert_string_equal(pr.v[0].text, want);
	config_problems_free(&pr);

	/* A NUL byte. */
	path_in_dir(path, sizeof(path), "nul.conf");
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "[global]\n\0\n", 11), 11);
		close(fd);
	}
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), -1);
	xsnprintf(want, sizeof(want), "%s: holds a NUL byte; expected a text "
	    "file", path);
	assert_string_equal(e.msg, want);
	config_problems_free(&pr);

	/* Longer than its stat(2) size (0, as /proc's files, or grown since):
	 * read whole, not cut at that size. */
	assert_int_equal(config_load("/proc/self/status", CONFIG_CLUSTER, &cf,
	    &pr, &e), -1);
	assert_true(pr.n > 10);
	assert_string_equal(e.msg, "/proc/self/status: line 1: not a key = "
	    "value line; expected key = value, a [section] header or a "
	    "comment");
	config_problems_free(&pr);
}

/*
 * config_load() calls iniparser_load() here, in this executable: with
 * swap_from set, the file is first replaced by another (rename), as an
 * editor saving it at that moment would.
 */
static const char *swap_from, *swap_to;

dictionary *
iniparser_load(const char *ininame)
{
	dictionary	*(*real)(const char *);
	void		*sym = dlsym(RTLD_NEXT, "iniparser_load");

	assert_non_null(sym);
	memcpy(&real, &sym, sizeof(real));
	if (swap_from != NULL) {
		assert_int_equal(rename(swap_from, swap_to), 0);
		swap_from = NULL;
	}
	return real(ininame);
}

/* The file parsed is the file checked and scanned, even when its path
 * names another one by then. */
static void
test_replaced_while_read(void **state)
{
	char	 path[PATH_MAX], other[PATH_MAX], *t, *u;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	t = subst(minimal, "@DIR@", dir);
	u = subst(t, "cucm.example.com", "other.example.com");
	path_in_dir(path, sizeof(path), "read.conf");
	spit(path, t, 0600);
	path_in_dir(other, sizeof(other), "read.conf.new");
	spit(other, u, 0600);
	free(t);
	free(u);
	swap_from = other;
	swap_to = path;
	assert_int_equal(config_load(path, CONFIG_CLUSTER, &cf, &pr, &e), 0);
	assert_null(swap_from);
	assert_int_equal(pr.n, 0);
	assert_string_equal(cf.clusters[0].host, "cucm.example.com");
	assert_string_equal(cf.path, path);
	config_problems_free(&pr);
	config_free(&cf);
}

static void
test_long_lines(void **state)
{
	char	 path[PATH_MAX], want[2 * PATH_MAX], *t, *pools;
	size_t	 n;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	/* Exactly iniparser's limit, then one more. */
	for (int extra = 0; extra <= 1; extra++) {
		n = 1022 - strlen("device_pools = ") + (size_t)extra;
		pools = malloc(n + 1);
		assert_non_null(pools);
		memset(pools, 'P', n);
		pools[n] = '\0';
		t = subst(minimal, "device_pools = P1", "device_pools = @P@");
		{
			char *t2 = subst(t, "@P@", pools);

			free(t);
			t = t2;
		}
		if (extra == 0) {
			assert_int_equal(load_text("long.conf", t, 0600, path,
			    sizeof(path), &cf, &pr, &e), 0);
			assert_int_equal(strlen(cf.campaigns[0].pools[0]), n);
		} else {
			assert_int_equal(load_text("long.conf", t, 0600, path,
			    sizeof(path), &cf, &pr, &e), -1);
			xsnprintf(want, sizeof(want), "%s: line 7: longer than "
			    "1022 characters; expected shorter lines (a line "
			    "ending with '\\' continues on the next)", path);
			assert_int_equal(pr.n, 1);
			assert_string_equal(pr.v[0].text, want);
		}
		free(t);
		free(pools);
		config_problems_free(&pr);
		config_free(&cf);
	}

	t = subst(minimal, "device_pools = P1", "device_pools = P1, \\");
	assert_int_equal(load_text("cont.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), -1);
	free(t);
	/* iniparser drops such a line: its key is missing too. */
	xsnprintf(want, sizeof(want), "%s: line 7 ends with '\\' but no line "
	    "follows; expected a line to continue with", path);
	assert_int_equal(pr.n, 2);
	assert_non_null(strstr(pr.v[0].text, "device_pools: required key "
	    "missing"));
	assert_string_equal(pr.v[1].text, want);
	config_problems_free(&pr);
	config_free(&cf);
}

/* ---- device_pools_file --------------------------------------------------- */

/* Writes exactly n bytes as dir/name (NUL bytes included). */
static void
spit_bytes(const char *name, const char *bytes, size_t n)
{
	char	 path[PATH_MAX];
	int	 fd;

	path_in_dir(path, sizeof(path), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

/* minimal, its device_pools line replaced by lines. */
static char *
with_pools(const char *lines)
{
	return subst(minimal, "device_pools = P1\n", lines);
}

static const char file_only[] = "device_pools_file = @DIR@/k1.pools\n";

static void
test_pools_file(void **state)
{
	static const char names[] =
	    "\xef\xbb\xbf# pools of k1\n"
	    "\n"
	    "  Lab & Test \t\n"
	    "Pool 'A'\n"
	    "B\n"
	    "\"q\" x, y; z #1 \\ end\n"
	    "\t# an indented comment\n"
	    "Z\xc3\xbcrich \xf0\x9f\x93\x9e\n"
	    "B\n"
	    "C";
	static const char *const want[] = {
		"C", "B", "Lab & Test", "Pool 'A'", "\"q\" x, y; z #1 \\ end",
		"Z\xc3\xbcrich \xf0\x9f\x93\x9e",
	};
	char	 path[PATH_MAX], pools[PATH_MAX], line[PATH_MAX + 64];
	char	*t, *out, *big;
	size_t	 n;
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	const struct policy *p;

	(void)state;
	path_in_dir(pools, sizeof(pools), "k1.pools");

	/* Taken literally; the names of device_pools first, then the
	 * file's, each once, in order. */
	spit_bytes("k1.pools", names, strlen(names));
	t = with_pools("device_pools = C, B\ndevice_pools_file = "
	    "@DIR@/k1.pools\n");
	assert_int_equal(load_text("pools.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), 0);
	free(t);
	p = &cf.campaigns[0];
	assert_int_equal(p->npools, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < p->npools; i++)
		assert_string_equal(p->pools[i], want[i]);
	assert_int_equal(cf.campaign_confs[0].nlisted, 2);
	assert_string_equal(cf.campaign_confs[0].pools_file, pools);
	/* config_print: the path, not the names. */
	out = print_config(&cf);
	assert_true(printed(out, "campaign k1", "device_pools = C, B"));
	xsnprintf(line, sizeof(line), "device_pools_file = %s", pools);
	assert_true(printed(out, "campaign k1", line));
	assert_null(strstr(out, "Lab & Test"));
	free(out);
	config_free(&cf);

	/* The file alone. */
	t = with_pools(file_only);
	assert_int_equal(load_text("pools.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), 0);
	free(t);
	assert_int_equal(cf.campaigns[0].npools, 6);
	assert_string_equal(cf.campaigns[0].pools[0], "Lab & Test");
	assert_int_equal(cf.campaign_confs[0].nlisted, 0);
	out = print_config(&cf);
	assert_true(printed(out, "campaign k1", "# device_pools = (not set)"));
	free(out);
	config_free(&cf);

	/* No file: nothing changes. */
	assert_int_equal(load_text("pools.conf", minimal, 0600, path,
	    sizeof(path), &cf, &pr, &e), 0);
	assert_null(cf.campaign_confs[0].pools_file);
	assert_int_equal(cf.campaign_confs[0].nlisted, 1);
	config_free(&cf);

	/* An empty file is fine with device_pools, not alone. */
	spit_bytes("k1.pools", "# nothing yet\n\n", 15);
	t = with_pools("device_pools = P1\ndevice_pools_file = "
	    "@DIR@/k1.pools\n");
	assert_int_equal(load_text("pools.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), 0);
	free(t);
	assert_int_equal(cf.campaigns[0].npools, 1);
	config_free(&cf);
	t = with_pools(file_only);
	expect_one(t, "@FILE@: [campaign k1] device_pools_file = "
	    "@DIR@/k1.pools: no device pool name in it; expected at least "
	    "one, here or in device_pools");
	free(t);
	/* ... unless device_pools is wrong: that is the problem. */
	t = with_pools("device_pools = A,,B\ndevice_pools_file = "
	    "@DIR@/k1.pools\n");
	expect_one(t, "@FILE@: [campaign k1] device_pools = A,,B: an empty "
	    "device pool name; expected a comma-separated list of device "
	    "pool names (write a comma in a name as \\,)");
	free(t);

	/* 10000 names, 200 bytes each at most, 1M. */
	n = 10001 * 7;
	big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < 10001; i++)
		snprintf(big + 7 * i, 8, "P%05zu\n", i);
	spit_bytes("k1.pools", big, n - 7);
	t = with_pools(file_only);
	assert_int_equal(load_text("pools.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), 0);
	assert_int_equal(cf.campaigns[0].npools, 10000);
	assert_string_equal(cf.campaigns[0].pools[9999], "P09999");
	config_free(&cf);
	spit_bytes("k1.pools", big, n);
	expect_one(t, "@FILE@: [campaign k1] device_pools_file = "
	    "@DIR@/k1.pools: more than 10000 device pool names; expected at "
	    "most 10000 (split the pools among campaigns)");
	free(big);

	n = 1024 * 1024;
	big = malloc(n + 2);
	assert_non_null(big);
	memset(big, '#', n + 1);
	for (size_t i = 1023; i < n; i += 1024)
		big[i] = '\n';
	big[0] = 'P';
	big[1] = '\n';
	spit_bytes("k1.pools", big, n);
	assert_int_equal(load_text("pools.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), 0);
	assert_int_equal(cf.campaigns[0].npools, 1);
	assert_string_equal(cf.campaigns[0].pools[0], "P");
	config_free(&cf);
	spit_bytes("k1.pools", big, n + 1);
	expect_one(t, "@FILE@: [campaign k1] device_pools_file = "
	    "@DIR@/k1.pools: larger than 1M; expected the absolute path of a "
	    "readable file of device pool names, one per line");
	free(big);

	/* Not a regular file; unreadable. */
	path_in_dir(line, sizeof(line), "k1.fifo");
	assert_int_equal(mkfifo(line, 0600), 0);
	free(t);
	t = subst(minimal, "device_pools = P1", "device_pools_file = "
	    "@DIR@/k1.fifo");
	expect_one(t, "@FILE@: [campaign k1] device_pools_file = "
	    "@DIR@/k1.fifo: not a regular file; expected the absolute path "
	    "of a readable file of device pool names, one per line");
	free(t);
	unlink(line);
	if (geteuid() != 0) {
		spit_bytes("k1.pools", "P\n", 2);
		assert_int_equal(chmod(pools, 0), 0);
		t = with_pools(file_only);
		expect_one(t, "@FILE@: [campaign k1] device_pools_file = "
		    "@DIR@/k1.pools: cannot read it: Permission denied; "
		    "expected the absolute path of a readable file of device "
		    "pool names, one per line");
		free(t);
	}
	unlink(pools);
}

/* Each bad line, in order; past ten, a count. */
static void
test_pools_file_lines(void **state)
{
	static const char bad[] =
	    "fine\n"
	    "a\x01" "b\n"		/* 2: C0 */
	    "a\x7f\n"			/* 3: DEL */
	    "x\xc2\x85y\n"		/* 4: C1 (NEL) */
	    "\xff\n"			/* 5 */
	    "\xc0\xaf\n"		/* 6: overlong */
	    "\xed\xa0\x80\n"		/* 7: surrogate */
	    "\xe2\x82\n"		/* 8: cut short */
	    "dos line\r\n"		/* 9 */
	    "a\0b\n"			/* 10: NUL */
	    "\xf4\x90\x80\x80\n"	/* 11: past U+10FFFF */
	    "\xf4\x8f\xbf\xbf ok\n"	/* U+10FFFF */
	    "\x1b[1m\n"			/* 13 */
	    "  \t  \n"
	    "tab\tinside\n"		/* 15 */
	    "# \x01 in a comment\n"
	    "\x1b\n";			/* 17 */
	static const char *const why[] = {
		"line 2: control character",
		"line 3: control character",
		"line 4: control character",
		"line 5: not UTF-8",
		"line 6: not UTF-8",
		"line 7: not UTF-8",
		"line 8: not UTF-8",
		"line 9: control character (a carriage return: save the file "
		    "with Unix line ends)",
		"line 10: control character",
		"line 11: not UTF-8",
		"3 more lines with problems, not shown",
	};
	char	 path[PATH_MAX], pools[PATH_MAX], *t, *want[11];
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;
	size_t	 n = sizeof(why) / sizeof(why[0]);

	(void)state;
	path_in_dir(pools, sizeof(pools), "k1.pools");
	spit_bytes("k1.pools", bad, sizeof(bad) - 1);
	t = with_pools(file_only);
	assert_int_equal(load_text("lines.conf", t, 0600, path, sizeof(path),
	    &cf, &pr, &e), -1);
	free(t);
	for (size_t i = 0; i < n; i++) {
		size_t len = 2 * PATH_MAX + 256;

		want[i] = malloc(len);
		assert_non_null(want[i]);
		xsnprintf(want[i], len, "%s: [campaign k1] device_pools_file = "
		    "%s: %s; expected one device pool name per line%s", path,
		    pools, why[i], strstr(why[i], "UTF-8") ? ", in UTF-8" : "");
	}
	check_problems("bad lines", &pr, want, n);
	assert_string_equal(e.msg, want[0]);
	for (size_t i = 0; i < n; i++)
		free(want[i]);
	config_problems_free(&pr);
	config_free(&cf);
	unlink(pools);
}

/* ---- the strict parsers ------------------------------------------------- */

struct parsed {
	int64_t		 d;
	uint64_t	 u;
	int		 a, b;
};

/* A value of a type parsed as a key of any range takes it: 0, or -1. */
static int
parse_as(enum config_vtype type, const char *s, struct parsed *p)
{
	struct config_keydef k;
	char	 why[512];

	memset(&k, 0, sizeof(k));
	k.name = "value";
	k.type = type;
	k.max = INT64_MAX;
	k.off = type == V_SIZE ? offsetof(struct parsed, u) :
	    type == V_WINDOW ? offsetof(struct parsed, a) :
	    offsetof(struct parsed, d);
	k.off2 = offsetof(struct parsed, b);
	memset(p, 0, sizeof(*p));
	return s != NULL && config_set_value(&k, p, s, why, sizeof(why)) == 0 ?
	    0 : -1;
}

static int
config_parse_duration(const char *s, int64_t *seconds)
{
	struct parsed p;
	int	 rc = parse_as(V_DURATION, s, &p);

	*seconds = p.d;
	return rc;
}

static int
config_parse_window(const char *s, int *start_min, int *end_min)
{
	struct parsed p;
	int	 rc = parse_as(V_WINDOW, s, &p);

	*start_min = p.a;
	*end_min = p.b;
	return rc;
}

static int
config_parse_size(const char *s, uint64_t *bytes)
{
	struct parsed p;
	int	 rc = parse_as(V_SIZE, s, &p);

	*bytes = p.u;
	return rc;
}

static void
test_parsers(void **state)
{
	static const struct { const char *s; int64_t v; } dur[] = {
		{ "0", 0 }, { "0s", 0 }, { "45s", 45 }, { "30m", 1800 },
		{ "12h", 43200 }, { "90d", 90 * DAY }, { "2w", 14 * DAY },
		{ "106751991167300d", 106751991167300LL * DAY },
	};
	static const char *const bad_dur[] = {
		"", "90", "-1d", "+1d", " 1d", "1d ", "1 d", "1D", "1.5h",
		"1h30m", "d", "0x10s", "106751991167301d",
		"99999999999999999999s", "1y",
	};
	static const struct { const char *s; int a, b; } win[] = {
		{ "01:00-05:00", 60, 300 }, { "22:00-06:00", 1320, 360 },
		{ "00:00-23:59", 0, 1439 },
	};
	static const char *const bad_win[] = {
		"", "1:00-5:00", "01:00-01:00", "24:00-01:00", "01:60-02:00",
		"01:00 - 05:00", "01:00-05:00 ", "0100-0500", "01:00_05:00",
		"aa:bb-cc:dd",
	};
	static const struct { const char *s; uint64_t v; } sz[] = {
		{ "0", 0 }, { "512", 512 }, { "64K", 65536 },
		{ "16M", 16777216 }, { "1G", 1073741824 },
	};
	static const char *const bad_sz[] = {
		"", "16MB", "16m", "-1K", "1.5M", "K", "16 M",
		"99999999999999999999", "9999999999999G",
	};
	int64_t	 d;
	uint64_t u;
	int	 a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		assert_int_equal(config_parse_duration(dur[i].s, &d), 0);
		assert_int_equal(d, dur[i].v);
	}
	for (size_t i = 0; i < sizeof(bad_dur) / sizeof(bad_dur[0]); i++)
		if (config_parse_duration(bad_dur[i], &d) != -1)
			fail_msg("duration \"%s\" accepted", bad_dur[i]);
	for (size_t i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
		assert_int_equal(config_parse_window(win[i].s, &a, &b), 0);
		assert_int_equal(a, win[i].a);
		assert_int_equal(b, win[i].b);
	}
	for (size_t i = 0; i < sizeof(bad_win) / sizeof(bad_win[0]); i++)
		if (config_parse_window(bad_win[i], &a, &b) != -1)
			fail_msg("window \"%s\" accepted", bad_win[i]);
	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		assert_int_equal(config_parse_size(sz[i].s, &u), 0);
		assert_int_equal(u, sz[i].v);
	}
	for (size_t i = 0; i < sizeof(bad_sz) / sizeof(bad_sz[0]); i++)
		if (config_parse_size(bad_sz[i], &u) != -1)
			fail_msg("size \"%s\" accepted", bad_sz[i]);
	assert_int_equal(config_parse_duration(NULL, &d), -1);
}

/* syslog_facility takes syslog.h's values; a number is no facility. */
static void
test_syslog_facility(void **state)
{
	const struct config_keydef *k = config_find_key(
	    &config_kinds[KIND_GLOBAL], "syslog_facility");
	struct global_conf g;
	char	 why[512];

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_non_null(k);
	assert_int_equal(config_set_value(k, &g, "local3", why, sizeof(why)),
	    0);
	assert_int_equal(g.syslog_facility, LOG_LOCAL3);
	assert_int_equal(config_set_value(k, &g, "3", why, sizeof(why)), -1);
	assert_string_equal(why, "unknown value; expected daemon, user, "
	    "local0, local1, local2, local3, local4, local5, local6 or local7");
}

static void
test_lookup_and_free(void **state)
{
	char	 path[PATH_MAX];
	struct config cf;
	struct config_problems pr;
	struct lsc_err e;

	(void)state;
	config_free(NULL);
	config_problems_free(NULL);
	memset(&cf, 0, sizeof(cf));
	config_free(&cf);
	config_password_free(NULL);
	assert_null(config_keys("bogus"));
	assert_null(config_keys(NULL));

	assert_int_equal(load_text("lookup.conf", minimal, 0600, path,
	    sizeof(path), &cf, &pr, &e), 0);
	assert_non_null(config_cluster(&cf, "c1"));
	assert_non_null(config_cluster(&cf, "C1"));
	assert_null(config_cluster(&cf, "c2"));
	assert_null(config_cluster(&cf, NULL));
	assert_non_null(config_campaign(&cf, "K1"));
	assert_null(config_campaign(&cf, "c1"));
	config_free(&cf);
	config_free(&cf);	/* twice: zeroed the first time */
	config_problems_free(&pr);
}

/* ---- documentation ------------------------------------------------------- */

static int
listed(const char *const *keys, const char *key)
{
	for (size_t i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

/* roff escapes of a literal display, undone: "\e" and "\&". */
static char *
unroff(const char *s)
{
	char *a = subst(s, "\\&", ""), *b = subst(a, "\\e", "\\");

	free(a);
	return b;
}

static void
test_manual_and_example(void **state)
{
	static const char *const kinds[] = { "global", "cluster", "campaign" };
	static const char *const subsections[] = {
		".Ss The global section", ".Ss Cluster sections",
		".Ss Campaign sections"
	};
	char	 path[PATH_MAX], key[64], *man, *example, *line, *save = NULL;
	char	*copy, *lit = NULL, *litend;
	char	 documented[3][64][64];
	size_t	 ndoc[3] = { 0, 0, 0 };
	int	 kind = -1, in_example, ex_kind = -1;
	int	 in_ex[3][64];
	const char *const *keys;

	(void)state;
	xsnprintf(path, sizeof(path), "%s/../../cli/lscrenew.conf.5",
	    fixtures());
	man = slurp(path);
	example = example_text();

	/* The keys of each .Ss, from ".It Cm key". */
	copy = strdup(man);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, ".Ss ", 4) == 0 ||
		    strncmp(line, ".Sh ", 4) == 0) {
			kind = -1;
			for (int k = 0; k < 3; k++)
				if (strcmp(line, subsections[k]) == 0)
					kind = k;
			continue;
		}
		if (strncmp(line, ".It Cm ", 7) != 0)
			continue;
		if (kind == -1)
			fail_msg("lscrenew.conf.5: \"%s\" outside the key "
			    "lists", line);
		xsnprintf(key, sizeof(key), "%.*s", (int)strcspn(line + 7, " "),
		    line + 7);
		assert_true(ndoc[kind] < 64);
		xsnprintf(documented[kind][ndoc[kind]++], 64, "%s", key);
		if (!listed(config_keys(kinds[kind]), key))
			fail_msg("lscrenew.conf.5 documents %s in %s, which "
			    "the parser does not accept", key,
			    subsections[kind]);
	}
	free(copy);
	for (int k = 0; k < 3; k++) {
		keys = config_keys(kinds[k]);
		for (size_t i = 0; keys[i] != NULL; i++) {
			int found = 0;

			for (size_t j = 0; j < ndoc[k]; j++)
				found |= strcmp(documented[k][j], keys[i]) == 0;
			if (!found)
				fail_msg("%s key %s is not documented in "
				    "lscrenew.conf.5 (\"%s\")", kinds[k],
				    keys[i], subsections[k]);
		}
	}

	/* Each key appears as "key =" in the example, maybe commented,
	 * under a section of its kind. */
	memset(in_ex, 0, sizeof(in_ex));
	copy = strdup(example);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;

		if (strcmp(line, "[global]") == 0)
			ex_kind = 0;
		else if (strncmp(line, "[cluster ", 9) == 0)
			ex_kind = 1;
		else if (strncmp(line, "[campaign ", 10) == 0)
			ex_kind = 2;
		if (ex_kind == -1)
			continue;
		while (*p == '#' || *p == ';' || *p == ' ')
			p++;
		keys = config_keys(kinds[ex_kind]);
		for (size_t i = 0; keys[i] != NULL; i++) {
			size_t l = strlen(keys[i]);

			if (strncmp(p, keys[i], l) == 0 &&
			    strncmp(p + l, " =", 2) == 0)
				in_ex[ex_kind][i] = 1;
		}
	}
	free(copy);
	for (int k = 0; k < 3; k++) {
		keys = config_keys(kinds[k]);
		for (size_t i = 0; keys[i] != NULL; i++)
			if (!in_ex[k][i])
				fail_msg("etc/lscrenew.conf.example has no "
				    "\"%s =\" under a %s section", keys[i],
				    kinds[k]);
	}

	/* EXAMPLES holds the example file, verbatim. */
	in_example = 0;
	if ((lit = strstr(man, "\n.Sh EXAMPLES\n")) == NULL)
		fail_msg("lscrenew.conf.5 has no EXAMPLES section");
	lit = strstr(lit, "\n.Bd -literal\n");
	assert_non_null(lit);
	lit += strlen("\n.Bd -literal\n");
	litend = strstr(lit, "\n.Ed\n");
	assert_non_null(litend);
	litend[1] = '\0';
	in_example = 1;
	{
		char *plain = unroff(lit);

		if (strcmp(plain, example) != 0) {
			size_t i = 0;

			while (plain[i] != '\0' && plain[i] == example[i])
				i++;
			fail_msg("the EXAMPLES of lscrenew.conf.5 differ from "
			    "etc/lscrenew.conf.example at byte %zu: "
			    "\"%.40s\" vs \"%.40s\"", i, plain + i,
			    example + i);
		}
		free(plain);
	}
	assert_true(in_example);
	free(man);
	free(example);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_one_problem_each),
		cmocka_unit_test(test_all_at_once),
		cmocka_unit_test(test_inline_password_mode),
		cmocka_unit_test(test_cluster_access_checks),
		cmocka_unit_test(test_check_trusted),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_password_command),
		cmocka_unit_test(test_password_command_time),
		cmocka_unit_test(test_password_command_fds),
		cmocka_unit_test(test_print_hides_secrets),
		cmocka_unit_test(test_problems_hide_secrets),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_replaced_while_read),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_pools_file),
		cmocka_unit_test(test_pools_file_lines),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_syslog_facility),
		cmocka_unit_test(test_lookup_and_free),
		cmocka_unit_test(test_manual_and_example),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
