/*
 * replay.c — runs a fuzz target over files, without libFuzzer: each file
 * named, or each file of each directory named, is passed once to
 * LLVMFuzzerTestOneInput.  make check runs every corpus of tests/fuzz/
 * through its target so that a regression shows in CI.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay(const char *path, unsigned long *n)
{
	FILE	*f;
	char	*data = NULL;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) == -1 ||
	    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) == -1 ||
	    (data = malloc((size_t)len + 1)) == NULL ||
	    fread(data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		if (f != NULL)
			fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	(void)LLVMFuzzerTestOneInput((const uint8_t *)data, (size_t)len);
	free(data);
	(*n)++;
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long n = 0;
	struct dirent *de;
	struct stat st;
	char	 path[4096];
	DIR	*d;

	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			if (replay(argv[i], &n) == -1)
				return 1;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			return 1;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' ||
			    snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name) >= (int)sizeof(path))
				continue;
			if (replay(path, &n) == -1) {
				closedir(d);
				return 1;
			}
		}
		closedir(d);
	}
	printf("%s: %lu inputs replayed\n", argv[0], n);
	return 0;
}
