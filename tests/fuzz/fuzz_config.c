/*
 * fuzz_config.c — libFuzzer target: any bytes as a configuration file.
 * Loading must report problems, never crash or leak.  The bytes go to a
 * memory file that config_load() opens by its /proc/self/fd path, as it
 * opens any path: no file system write per input.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axl/base/err.h"
#include "cli/config.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int fd = -1;
	static char path[64];
	struct config cf;
	struct config_problems probs = { NULL, 0 };
	struct lsc_err e;

	if (fd == -1) {
		if ((fd = memfd_create("lscrenew.conf", MFD_CLOEXEC)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 || (len > 0 &&
	    pwrite(fd, data, len, 0) != (ssize_t)len))
		abort();
	memset(&cf, 0, sizeof(cf));
	err_clear(&e);
	if (config_load(path, CONFIG_CLUSTER, &cf, &probs, &e) == 0)
		config_free(&cf);
	config_problems_free(&probs);
	return 0;
}
