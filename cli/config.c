/*
 * config.c — lscrenew.conf(5): loading and checking the configuration.
 *
 * iniparser reads the file; the rest of this layer decides what the values
 * mean.  config_load() reads the file once (refusing what is not a small
 * regular text file), scans its lines for what iniparser would hide
 * (config_scan.c), lets iniparser parse it, and reads each section through
 * the key tables (config_section.c, config_keys.c, config_value.c), and
 * each campaign's device_pools_file (config_pools.c).  Every problem found
 * on the way is collected, then sorted into file order.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/config_int.h"

#define MAX_FILE	(1024 * 1024)	/* bytes in a configuration file */

/* ---- problems ------------------------------------------------------------ */

static int
found_cmp(const void *a, const void *b)
{
	const struct config_found *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the problems, in file order, to the caller's list. */
static void
hand_over(struct config_ctx *c, struct config_problems *probs)
{
	if (c->pn == 0)
		return;
	qsort(c->pv, c->pn, sizeof(*c->pv), found_cmp);
	if ((probs->v = calloc(c->pn, sizeof(*probs->v))) == NULL) {
		c->oom = 1;
		return;
	}
	for (size_t i = 0; i < c->pn; i++) {
		probs->v[i].text = c->pv[i].text;
		c->pv[i].text = NULL;
	}
	probs->n = c->pn;
}

/* ---- loading ------------------------------------------------------------- */

/* The first message iniparser reported while loading (its first line). */
static char ini_error[512];

static int ini_errback(const char *, ...) __attribute__((format(printf, 1, 2)));

static int
ini_errback(const char *fmt, ...)
{
	va_list ap;

	if (ini_error[0] != '\0')
		return 0;
	va_start(ap, fmt);
	vsnprintf(ini_error, sizeof(ini_error), fmt, ap);
	va_end(ap);
	ini_error[strcspn(ini_error, "\n")] = '\0';
	return 0;
}

/* iniparser's message, naming the file by its path, not the descriptor. */
static const char *
ini_message(const char *fdpath, const char *path, char *buf, size_t len)
{
	const char *at = strstr(ini_error, fdpath);

	if (at == NULL)
		return ini_error;
	snprintf(buf, len, "%.*s%s%s", (int)(at - ini_error), ini_error, path,
	    at + strlen(fdpath));
	return buf;
}

static int
file_problem(struct config_ctx *c, struct lsc_err *err, enum err_kind kind,
    const char *why)
{
	config_problem(c, 0, NULL, NULL, NULL, "%s", why);
	return err_set(err, kind, "%s: %s", c->path, why);
}

/* Opens and reads the file, refusing what is not a regular file. */
static int
read_config(struct config_ctx *c, char **text, size_t *len, struct stat *st,
    struct lsc_err *err)
{
	char		 why[512];
	char		*buf = NULL;
	size_t		 cap;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		int e = errno;

		snprintf(why, sizeof(why), "cannot open: %s", strerror(e));
		return file_problem(c, err, e == ENOENT || e == EACCES ||
		    e == EPERM || e == ENOTDIR || e == ELOOP ||
		    e == ENAMETOOLONG ? ERR_CONFIG : ERR_SYSTEM, why);
	}
	c->fd = fd;
	if (fstat(fd, st) == -1) {
		snprintf(why, sizeof(why), "cannot stat: %s", strerror(errno));
		return file_problem(c, err, ERR_SYSTEM, why);
	}
	if (S_ISDIR(st->st_mode))
		return file_problem(c, err, ERR_CONFIG, "is a directory; "
		    "expected a configuration file");
	if (!S_ISREG(st->st_mode))
		return file_problem(c, err, ERR_CONFIG, "not a regular file; "
		    "expected a configuration file");
	if (st->st_size > MAX_FILE)
		return file_problem(c, err, ERR_CONFIG, "too large; expected "
		    "at most 1M");
	/* a buffer the size fstat gave; the full one only if the file grew */
	for (cap = (size_t)st->st_size + 1;; cap = MAX_FILE + 1) {
		if ((buf = malloc(cap)) == NULL)
			return file_problem(c, err, ERR_SYSTEM, "out of memory");
		if (lseek(fd, 0, SEEK_SET) == -1 ||
		    (n = config_read_fd(fd, buf, cap)) == -1) {
			snprintf(why, sizeof(why), "cannot read: %s",
			    strerror(errno));
			free(buf);
			return file_problem(c, err, ERR_SYSTEM, why);
		}
		if ((size_t)n < cap || cap == MAX_FILE + 1)
			break;
		explicit_bzero(buf, cap);
		free(buf);
	}
	if (n > MAX_FILE || memchr(buf, '\0', (size_t)n) != NULL) {
		explicit_bzero(buf, (size_t)n);
		free(buf);
		return file_problem(c, err, ERR_CONFIG, n > MAX_FILE ? "too "
		    "large; expected at most 1M" : "holds a NUL byte; expected "
		    "a text file");
	}
	*text = buf;
	*len = (size_t)n;
	return 0;
}

/* iniparser keeps the values, passwords among them, in its dictionary. */
static void
wipe_dictionary(dictionary *d)
{
	for (ssize_t i = 0; i < d->size; i++)
		if (d->val[i] != NULL)
			explicit_bzero(d->val[i], strlen(d->val[i]));
}

int
config_load(const char *path, unsigned flags, struct config *cfg,
    struct config_problems *probs, struct lsc_err *err)
{
	struct config_ctx c;
	struct stat	 st;
	dictionary	*d = NULL;
	char		*text = NULL, fdpath[64], why[sizeof(ini_error) + 4096];
	size_t		 len = 0;
	int		 rc = -1;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.flags = flags;
	c.fd = -1;
	memset(cfg, 0, sizeof(*cfg));
	memset(probs, 0, sizeof(*probs));
	err_clear(err);

	if (read_config(&c, &text, &len, &st, err) == -1) {
		hand_over(&c, probs);
		goto out;
	}
	if ((cfg->path = strdup(path)) == NULL ||
	    config_global_defaults(&cfg->global) == -1) {
		c.oom = 1;
		goto done;
	}
	config_scan(&c, text, len);

	/* iniparser reads the file checked above, whatever the path names
	 * by now: it opens it again through the descriptor */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", c.fd);
	ini_error[0] = '\0';
	iniparser_set_error_callback(ini_errback);
	d = iniparser_load(fdpath);
	iniparser_set_error_callback(NULL);
	if (d == NULL) {
		if (c.pn == 0)
			config_problem(&c, 0, NULL, NULL, NULL, "%s",
			    ini_error[0] != '\0' ? ini_message(fdpath, path,
			    why, sizeof(why)) : "iniparser cannot read it");
		goto done;
	}
	config_sections(&c, d, cfg);
done:
	hand_over(&c, probs);
	if (c.oom) {
		config_problems_free(probs);
		err_set(err, ERR_SYSTEM, "%s: out of memory", path);
	} else if (probs->n > 0)
		err_set(err, ERR_CONFIG, "%s", probs->v[0].text);
	else
		rc = 0;
out:
	if (d != NULL) {
		wipe_dictionary(d);
		iniparser_freedict(d);
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	for (size_t i = 0; i < c.sn; i++) {
		free(c.sv[i].sec);
		free(c.sv[i].key);
	}
	free(c.sv);
	for (size_t i = 0; i < c.pn; i++)
		free(c.pv[i].text);
	free(c.pv);
	if (c.fd != -1)
		close(c.fd);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	config_clear_fields(&config_kinds[KIND_GLOBAL], &cfg->global, NULL);
	for (size_t i = 0; i < cfg->nclusters; i++) {
		free(cfg->clusters[i].name);
		config_clear_fields(&config_kinds[KIND_CLUSTER],
		    &cfg->clusters[i], NULL);
	}
	free(cfg->clusters);
	for (size_t i = 0; i < cfg->ncampaigns; i++) {
		config_clear_fields(&config_kinds[KIND_CAMPAIGN],
		    &cfg->campaigns[i], cfg->campaign_confs != NULL ?
		    &cfg->campaign_confs[i] : NULL);
		policy_clear(&cfg->campaigns[i]);
	}
	free(cfg->campaigns);
	free(cfg->campaign_confs);
	memset(cfg, 0, sizeof(*cfg));
}

void
config_problems_free(struct config_problems *probs)
{
	if (probs == NULL)
		return;
	for (size_t i = 0; i < probs->n; i++)
		free(probs->v[i].text);
	free(probs->v);
	probs->v = NULL;
	probs->n = 0;
}

