/*
 * secret.c — where a cluster's AXL password comes from: a private file, a
 * command (like msmtp's passwordeval), or the configuration file itself.
 *
 * The password is read only when a connection needs it, lives in memory
 * the caller wipes (config_password_free), and never appears in a message.
 */
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axl/base/clock.h"
#include "cli/cli.h"

#define SECRET_MAX	4096	/* bytes read of a file or a command */
#define COMMAND_TIMEOUT	60	/* seconds a password_command may take */

/*
 * A path as a shell word, for the fix a person copies: left alone when
 * plain, else in single quotes.
 */
static void
shell_word(const char *s, char *buf, size_t len)
{
	size_t	 o = 0;
	int	 plain = *s != '\0';

	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-+,:@%", *p) !=
		    NULL))
			plain = 0;
	if (plain) {
		snprintf(buf, len, "%s", s);
		return;
	}
	if (len < 3) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '\'';
	for (const char *p = s; *p != '\0' && o + 6 < len; p++) {
		if (*p == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else
			buf[o++] = *p;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
}

void
config_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
}

int
config_check_private(int fd, const char *path, char *what, size_t whatlen,
    char *fix, size_t fixlen)
{
	struct stat	 st;
	char		 word[2 * 4096 + 8], user[64], owner[64];
	int		 bad_owner, bad_mode;

	if (fstat(fd, &st) == -1) {
		snprintf(what, whatlen, "%s: cannot stat: %s", path,
		    strerror(errno));
		snprintf(fix, fixlen, "ls -l %s", path);
		return -1;
	}
	shell_word(path, word, sizeof(word));
	if (!S_ISREG(st.st_mode)) {
		snprintf(what, whatlen, "%s is not a regular file", path);
		snprintf(fix, fixlen, "mv %s elsewhere and put the secret "
		    "in a regular file", word);
		return -1;
	}
	bad_owner = st.st_uid != geteuid();
	bad_mode = (st.st_mode & 077) != 0;
	if (!bad_owner && !bad_mode)
		return 0;

	config_user_name(geteuid(), user, sizeof(user));
	config_user_name(st.st_uid, owner, sizeof(owner));

	/*
	 * A file owned by another user is often right and the wrong user is
	 * running lscrenew (root checking the lscrenew user's file): both
	 * ways out are named.
	 */
	if (bad_owner && bad_mode) {
		snprintf(what, whatlen, "%s is owned by %s, not %s, and "
		    "readable by group or others (mode %04o)", path, owner,
		    user, (unsigned)(st.st_mode & 07777));
		snprintf(fix, fixlen, "chown %s %s && chmod 600 %s", user,
		    word, word);
	} else if (bad_owner) {
		snprintf(what, whatlen, "%s is owned by %s, not %s", path,
		    owner, user);
		snprintf(fix, fixlen, "chown %s %s (or run lscrenew as %s)",
		    user, word, owner);
	} else {
		snprintf(what, whatlen, "%s is readable by group or others "
		    "(mode %04o)", path, (unsigned)(st.st_mode & 07777));
		snprintf(fix, fixlen, "chmod 600 %s", word);
	}
	return -1;
}

/*
 * One node of a trusted file's path: owned by root or us, writable by no
 * one else (a directory with the sticky bit may be).  label starts the
 * message ("" for the file, "its directory DIR " for its directory).
 */
static int
untrusted(const char *path, int is_dir, const char *label, char *why,
    size_t len)
{
	struct stat	 st;
	char		 word[2 * PATH_MAX + 8], user[64], owner[64];

	if (stat(path, &st) == -1) {
		snprintf(why, len, "%scannot stat: %s", label, strerror(errno));
		return -1;
	}
	shell_word(path, word, sizeof(word));
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		config_user_name(geteuid(), user, sizeof(user));
		config_user_name(st.st_uid, owner, sizeof(owner));
		snprintf(why, len, "%sowned by %s, not root%s%s; run lscrenew "
		    "as %s, or run: chown root %s", label, owner, geteuid() !=
		    0 ? " or " : "", geteuid() != 0 ? user : "", owner, word);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(is_dir && (st.st_mode & S_ISVTX))) {
		snprintf(why, len, "%swritable by group or others (mode %04o); "
		    "run: chmod go-w %s", label,
		    (unsigned)(st.st_mode & 07777), word);
		return -1;
	}
	return 0;
}

int
config_check_trusted(const char *path, char *why, size_t len)
{
	char	 real[PATH_MAX], dir[PATH_MAX], label[PATH_MAX + 32];
	char	*slash;

	if (realpath(path, real) == NULL) {
		snprintf(why, len, "cannot resolve: %s", strerror(errno));
		return -1;
	}
	if (untrusted(path, 0, "", why, len) == -1)
		return -1;
	memcpy(dir, real, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';	/* "/x" -> "/" */
	snprintf(label, sizeof(label), "its directory %s: ", dir);
	return untrusted(dir, 1, label, why, len);
}

ssize_t
config_read_fd(int fd, char *buf, size_t len)
{
	size_t	 n = 0;
	ssize_t	 r;

	while (n < len) {
		if ((r = read(fd, buf + n, len - n)) == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/*
 * The first line of buf (without "\n" or "\r\n") in new memory; NULL when
 * it is empty or memory runs out (*oom says which).
 */
static char *
first_line(const char *buf, size_t len, int *oom)
{
	size_t	 n = 0;
	char	*s;

	*oom = 0;
	while (n < len && buf[n] != '\n' && buf[n] != '\0')
		n++;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0)
		return NULL;
	if ((s = malloc(n + 1)) == NULL) {
		*oom = 1;
		return NULL;
	}
	memcpy(s, buf, n);
	s[n] = '\0';
	return s;
}

static char *
from_file(const struct cluster_conf *cl, struct lsc_err *err)
{
	char	 buf[SECRET_MAX], what[4096 + 128], fix[2 * 4096 + 64];
	char	*pw = NULL;
	ssize_t	 n = 0;
	int	 fd, oom;

	if ((fd = open(cl->password_file, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		err_set(err, ERR_CONFIG, "cluster %s: password_file %s: "
		    "cannot open: %s", cl->name, cl->password_file,
		    strerror(errno));
		return NULL;
	}
	if (config_check_private(fd, cl->password_file, what, sizeof(what),
	    fix, sizeof(fix)) == -1) {
		err_set(err, ERR_CONFIG, "cluster %s: password_file: %s; run "
		    "%s", cl->name, what, fix);
		goto out;
	}
	if ((n = config_read_fd(fd, buf, sizeof(buf))) == -1) {
		err_set(err, ERR_CONFIG, "cluster %s: password_file %s: cannot "
		    "read: %s", cl->name, cl->password_file, strerror(errno));
		goto out;
	}
	if ((pw = first_line(buf, (size_t)n, &oom)) == NULL)
		err_set(err, oom ? ERR_SYSTEM : ERR_CONFIG, "cluster %s: "
		    "password_file %s: %s", cl->name, cl->password_file,
		    oom ? "out of memory" : "the first line is empty");
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return pw;
}

/*
 * Waits for pid until the deadline (mono ms), reading fd (-1: none) into
 * buf[0..len) until its first line, then draining it.  Stops once the
 * command ended and, with fd, a line came or fd closed: a process the
 * command leaves in the background may keep the pipe open.  0 with its
 * status; 1 when the deadline passed (the group killed and reaped); -1
 * (errno set, the group killed).
 */
static int
wait_command(pid_t pid, int fd, char *buf, size_t len, size_t *n,
    int64_t deadline, int *status)
{
	char	 sink[512];
	ssize_t	 r;
	int	 pidfd, reaped = 0, line = 0, rc = 0, saved;
	int64_t	 left;
	pid_t	 w;
	struct pollfd pf[2];
	nfds_t	 npf;

	/* Tells when the command ends; without it (a kernel before 5.3)
	 * waitpid is asked every 100 ms. */
	pidfd = pidfd_open(pid, 0);
	for (;;) {
		if (!reaped) {
			if ((w = waitpid(pid, status, WNOHANG)) == pid)
				reaped = 1;
			else if (w == -1 && errno != EINTR) {
				saved = errno;
				kill(-pid, SIGKILL);
				errno = saved;
				rc = -1;
				break;
			}
		}
		if (reaped && (line || fd == -1))
			break;
		if ((left = deadline - clock_mono_ms()) <= 0) {
			kill(-pid, SIGKILL);
			while (!reaped && waitpid(pid, status, 0) == -1 &&
			    errno == EINTR)
				;
			rc = 1;
			break;
		}
		npf = 0;
		if (fd != -1) {
			pf[npf].fd = fd;
			pf[npf++].events = POLLIN;
		}
		if (pidfd != -1 && !reaped) {
			pf[npf].fd = pidfd;
			pf[npf++].events = POLLIN;
		}
		if (pidfd == -1 && !reaped && left > 100)
			left = 100;
		if (poll(pf, npf, (int)left) <= 0)
			continue;	/* EINTR, or time to look again */
		if (fd == -1 || pf[0].revents == 0)
			continue;	/* the command ended */
		if (!line)
			r = read(fd, buf + *n, len - *n);
		else
			r = read(fd, sink, sizeof(sink));
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			close(fd);
			fd = -1;
			continue;
		}
		if (!line) {
			line = memchr(buf + *n, '\n', (size_t)r) != NULL;
			*n += (size_t)r;
			/* past len the rest is drained */
			if (*n == len)
				line = 1;
		}
	}
	explicit_bzero(sink, sizeof(sink));
	if (pidfd != -1)
		close(pidfd);
	if (fd != -1)
		close(fd);
	return rc;
}

int
cli_run_command(const char *cmd, int timeout_s, char *buf, size_t len,
    size_t *n, int *status)
{
	int	 pfd[2] = { -1, -1 }, rc = -1;
	size_t	 got = 0;
	pid_t	 pid;

	if (buf != NULL && (pipe(pfd) == -1 ||
	    fcntl(pfd[0], F_SETFD, FD_CLOEXEC) == -1))
		goto out;
	fflush(NULL);
	if ((pid = fork()) == -1)
		goto out;
	if (pid == 0) {
		/* its own group, so that a timeout kills what it started;
		 * none of our descriptors (connections to CUCM, the store) */
		setpgid(0, 0);
		if (pfd[1] != -1 && dup2(pfd[1], STDOUT_FILENO) == -1)
			_exit(127);
		closefrom(STDERR_FILENO + 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* both sides set the group: the kill that may follow cannot come
	 * first */
	setpgid(pid, pid);
	close(pfd[1]);
	pfd[1] = -1;
	rc = wait_command(pid, pfd[0], buf, len, &got, clock_mono_ms() +
	    (int64_t)timeout_s * 1000, status);
	pfd[0] = -1;	/* closed by wait_command() */
	if (n != NULL)
		*n = got;
out:
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
	return rc;
}

/*
 * Runs password_command and keeps the first line of its standard output.
 * Its standard error goes where ours goes, so that cron mails the reason
 * it failed.
 */
char *
config_password_command(const struct cluster_conf *cl, int timeout_s,
    struct lsc_err *err)
{
	char	 buf[SECRET_MAX];
	char	*pw = NULL;
	size_t	 n = 0;
	int	 status = 0, rc, oom;

	rc = cli_run_command(cl->password_command, timeout_s, buf, sizeof(buf),
	    &n, &status);
	if (rc == -1)
		err_set(err, ERR_SYSTEM, "cluster %s: password_command: %s",
		    cl->name, strerror(errno));
	else if (rc == 1)
		err_set(err, ERR_SYSTEM, "cluster %s: password_command did not "
		    "finish within %d seconds; killed", cl->name, timeout_s);
	else if (WIFSIGNALED(status))
		err_set(err, ERR_SYSTEM, "cluster %s: password_command killed "
		    "by signal %d", cl->name, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		err_set(err, ERR_SYSTEM, "cluster %s: password_command exited "
		    "with status %d%s", cl->name, WEXITSTATUS(status),
		    WEXITSTATUS(status) == 127 ? " (command not found?)" : "");
	else if ((pw = first_line(buf, n, &oom)) == NULL)
		err_set(err, oom ? ERR_SYSTEM : ERR_CONFIG, "cluster %s: "
		    "password_command %s", cl->name, oom ? "out of memory" :
		    "printed an empty first line");
	explicit_bzero(buf, sizeof(buf));
	return pw;
}

char *
config_password(const struct cluster_conf *cl, struct lsc_err *err)
{
	char *pw;

	switch (cl->secret) {
	case SECRET_FILE:
		return from_file(cl, err);
	case SECRET_COMMAND:
		return config_password_command(cl, COMMAND_TIMEOUT, err);
	case SECRET_INLINE:
		if (cl->password == NULL || *cl->password == '\0')
			break;
		if ((pw = strdup(cl->password)) == NULL)
			err_set(err, ERR_SYSTEM, "cluster %s: out of memory",
			    cl->name);
		return pw;
	case SECRET_NONE:
		break;
	}
	err_set(err, ERR_CONFIG, "cluster %s: no password source; set one of "
	    "password_file, password_command or password", cl->name);
	return NULL;
}

void
config_password_free(char *pw)
{
	if (pw == NULL)
		return;
	explicit_bzero(pw, strlen(pw));
	free(pw);
}
