/*
 * fuzz_config.c — libFuzzer target: any bytes as a configuration file.
 * Loading must report problems, never crash or leak.
 */
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
	char path[] = "/tmp/lscrenew-fuzz-XXXXXX";
	struct config cf;
	struct config_problems probs = { NULL, 0 };
	struct lsc_err e;
	int fd;

	if ((fd = mkstemp(path)) == -1)
		return 0;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	memset(&cf, 0, sizeof(cf));
	err_clear(&e);
	if (config_load(path, CONFIG_CLUSTER, &cf, &probs, &e) == 0)
		config_free(&cf);
	config_problems_free(&probs);
	unlink(path);
	return 0;
}
