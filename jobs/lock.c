/*
 * lock.c — one run at a time per state directory.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axl/base/clock.h"
#include "jobs/lock.h"

struct lsc_lock {
	int	 fd;
};

/* Who holds the lock, from what the holder wrote. */
static void
holder(int fd, char *buf, size_t len)
{
	char text[64];
	long long pid = 0, since = 0;
	ssize_t n;
	char when[40];

	snprintf(buf, len, "another lscrenew");
	n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return;
	text[n] = '\0';
	if (sscanf(text, "%lld %lld", &pid, &since) != 2 || pid <= 0)
		return;
	clock_fmt(CLOCK_SECONDS " UTC", "?", since, when, sizeof(when));
	snprintf(buf, len, "pid %lld since %s", pid, when);
}

struct lsc_lock *
lock_acquire(const char *dir, int64_t now, struct lsc_err *e)
{
	char path[4096], who[128], text[64];
	struct lsc_lock *l = NULL;
	int fd = -1, n;

	n = snprintf(path, sizeof(path), "%s/lock", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		err_set(e, ERR_SYSTEM, "%s: path too long", dir);
		return NULL;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		err_set(e, ERR_SYSTEM, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			holder(fd, who, sizeof(who));
			err_set(e, ERR_LOCKED, "state directory %s is in use "
			    "by %s", dir, who);
		} else
			err_set(e, ERR_SYSTEM, "%s: lock: %s", path,
			    strerror(errno));
		close(fd);
		return NULL;
	}
	n = snprintf(text, sizeof(text), "%ld %lld\n", (long)getpid(),
	    (long long)now);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, text, (size_t)n, 0) != n) {
		err_set(e, ERR_SYSTEM, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if ((l = malloc(sizeof(*l))) == NULL) {
		err_set(e, ERR_SYSTEM, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	l->fd = fd;
	return l;
}

void
lock_release(struct lsc_lock *l)
{
	if (l == NULL)
		return;
	/* Leave the file: removing it would race with the next holder.
	 * Emptying it is a courtesy; the flock is what counts. */
	if (ftruncate(l->fd, 0) == -1) {
		/* nothing to do: closing releases the lock anyway */
	}
	close(l->fd);
	free(l);
}
