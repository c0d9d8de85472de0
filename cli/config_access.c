/*
 * config_access.c — what a command that talks to a cluster or runs the
 * configured commands checks beyond the text (CONFIG_CLUSTER): the CA
 * files can be read, an inline password is private, and no other user can
 * change what lscrenew does or runs.  Like ssh and sudo, lscrenew refuses
 * a configuration file, a device_pools_file, or the program password_command
 * or hook names, when someone else could write it or replace it.
 *
 * A command that only reads the state store (status, report, phone,
 * probe, reset, config) makes none of these checks, so that a reporting
 * host needs nothing of the cluster's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/config_int.h"

/* The key's expected form, as its other problems give it. */
static void
problem(struct config_ctx *c, const char *sec, const char *key,
    const char *val, const char *why)
{
	const struct config_keydef *d = config_find_any_key(key, NULL);
	char exp[256];

	config_form(d, exp, sizeof(exp));
	config_problem(c, config_line_of(c, sec, key), sec, key, val,
	    "%s; expected %s", why, exp);
}

static void
check_ca(struct config_ctx *c, const char *sec, const char *key,
    const char *v, int is_dir)
{
	struct stat	 st;
	char		 why[256];
	int		 fd;

	if (v == NULL)
		return;
	if ((fd = open(v, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    (is_dir ? O_DIRECTORY : 0))) == -1) {
		snprintf(why, sizeof(why), errno == ENOTDIR ? "not a directory" :
		    "cannot read it: %s", strerror(errno));
		problem(c, sec, key, v, why);
		return;
	}
	if (!is_dir && (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)))
		problem(c, sec, key, v, "not a regular file");
	close(fd);
}

/*
 * The program a shell command's first word names, found as the shell
 * would (a word with a '/' as it is, else along PATH): 1 with its path in
 * buf; 0 when there is none to check (a word the shell would expand, a
 * builtin, or a program that is not there: the command fails when run).
 */
static int
command_program(const char *cmd, char *buf, size_t len)
{
	const char	*path, *p, *e;
	size_t		 n;

	cmd += strspn(cmd, " \t");
	n = strcspn(cmd, " \t");
	if (n == 0 || n >= PATH_MAX || strcspn(cmd, "$`'\"\\;&|<>()*?[]~{}=")
	    < n)
		return 0;
	if (memchr(cmd, '/', n) != NULL) {
		snprintf(buf, len, "%.*s", (int)n, cmd);
		return access(buf, F_OK) == 0;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = p + strcspn(p, ":");
		if ((size_t)snprintf(buf, len, "%.*s/%.*s", (int)(e - p), p,
		    (int)n, cmd) < len && access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The program a command key names, when someone else could change it. */
static void
check_program(struct config_ctx *c, const char *sec, const char *key,
    const char *cmd)
{
	char prog[PATH_MAX], why[2 * PATH_MAX + 160];

	if (cmd == NULL || !command_program(cmd, prog, sizeof(prog)) ||
	    config_check_trusted(prog, why, sizeof(why)) == 0)
		return;
	config_problem(c, config_line_of(c, sec, key), sec, key, cmd,
	    "%s: %s", prog, why);
}

void
config_access(struct config_ctx *c, struct config *cfg)
{
	char	 sec[300], why[2 * PATH_MAX + 160], fix[2 * PATH_MAX + 64];

	if (config_check_trusted(c->path, why, sizeof(why)) == -1)
		config_problem(c, 0, NULL, NULL, NULL, "%s", why);
	check_program(c, "global", "hook", cfg->global.hook);
	for (size_t i = 0; i < cfg->nclusters; i++) {
		const struct cluster_conf *cl = &cfg->clusters[i];

		snprintf(sec, sizeof(sec), "cluster %s", cl->name);
		check_ca(c, sec, "ca_file", cl->ca_file, 0);
		check_ca(c, sec, "ca_path", cl->ca_path, 1);
		if (cl->secret == SECRET_COMMAND)
			check_program(c, sec, "password_command",
			    cl->password_command);
		if (cl->secret == SECRET_INLINE &&
		    config_check_private(c->fd, c->path, why, sizeof(why),
		    fix, sizeof(fix)) == -1)
			config_problem(c, config_line_of(c, sec, "password"),
			    sec, "password", "*", "%s; expected a file only "
			    "its owner can read to hold a password: run %s",
			    why, fix);
	}
	for (size_t i = 0; i < cfg->ncampaigns; i++) {
		const char *f = cfg->campaign_confs[i].pools_file;

		snprintf(sec, sizeof(sec), "campaign %s", cfg->campaigns[i].name);
		if (f != NULL && access(f, F_OK) == 0 &&
		    config_check_trusted(f, why, sizeof(why)) == -1)
			config_problem(c, config_line_of(c, sec,
			    "device_pools_file"), sec, "device_pools_file", f,
			    "%s", why);
	}
}
