/*
 * config_print.c — the effective configuration, as "lscrenew config"
 * shows it: every key of every section with its value, defaults included,
 * written so that the file would read back the same.  Secrets are "*".
 * A campaign's device_pools_file is shown as its path, and device_pools
 * as the names written there, not those the file added.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config_int.h"

/* A value as it must be written to be read back the same. */
static void
print_text(FILE *f, const char *name, const char *v)
{
	size_t n = strlen(v);

	if (strpbrk(v, ";#") != NULL || n == 0 ||
	    config_is_space((unsigned char)v[0]) ||
	    config_is_space((unsigned char)v[n - 1]) || v[0] == '"' ||
	    v[0] == '\'')
		fprintf(f, "%s = %c%s%c\n", name, strchr(v, '"') ? '\'' : '"',
		    v, strchr(v, '"') ? '\'' : '"');
	else
		fprintf(f, "%s = %s\n", name, v);
}

static void
print_pools(FILE *f, const char *name, char *const *v, size_t n)
{
	char	*buf, *p;
	size_t	 len = 1;

	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 2;
	if ((p = buf = malloc(len)) == NULL) {
		fprintf(f, "# %s = (out of memory)\n", name);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			*p++ = ',';
			*p++ = ' ';
		}
		for (const char *s = v[i]; *s != '\0'; s++) {
			if (*s == ',' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
	}
	*p = '\0';
	print_text(f, name, buf);
	free(buf);
}

/* The keys of a kind: F_AUX keys from aux, the others from obj. */
static void
print_keys(FILE *f, const struct config_kind *k, const void *obj,
    const void *aux)
{
	const struct config_keydef *d;
	const void	*base;
	const char	*s;
	char		 buf[64];
	int		 iv, iv2;
	int64_t		 i64;
	uint64_t	 u64;
	unsigned	 u;
	double		 dbl;

	for (size_t i = 0; i < k->nkeys; i++) {
		d = &k->keys[i];
		if ((base = d->flags & F_AUX ? aux : obj) == NULL)
			continue;
		switch (d->type) {
		case V_STRING:
		case V_CHOICE:
			memcpy(&s, (const char *)base + d->off, sizeof(s));
			if (s == NULL)
				fprintf(f, "# %s = (not set)\n", d->name);
			else if (d->flags & F_SECRET)
				fprintf(f, "%s = *\n", d->name);
			else
				print_text(f, d->name, s);
			break;
		case V_ENUM:
			iv = config_int_field(base, d->off);
			s = "?";
			for (int j = 0; d->names[j] != NULL; j++)
				if ((d->values != NULL ? d->values[j] : j) ==
				    iv)
					s = d->names[j];
			fprintf(f, "%s = %s\n", d->name, s);
			break;
		case V_BOOL:
			fprintf(f, "%s = %s\n", d->name,
			    config_int_field(base, d->off) ? "yes" : "no");
			break;
		case V_INT:
			fprintf(f, "%s = %d\n", d->name,
			    config_int_field(base, d->off));
			break;
		case V_UINT:
			memcpy(&u, (const char *)base + d->off, sizeof(u));
			fprintf(f, "%s = %u\n", d->name, u);
			break;
		case V_DURATION:
			memcpy(&i64, (const char *)base + d->off, sizeof(i64));
			config_fmt_duration(i64, buf, sizeof(buf));
			fprintf(f, "%s = %s\n", d->name, buf);
			break;
		case V_SIZE:
			memcpy(&u64, (const char *)base + d->off, sizeof(u64));
			config_fmt_size(u64, buf, sizeof(buf));
			fprintf(f, "%s = %s\n", d->name, buf);
			break;
		case V_MILLI:
			memcpy(&dbl, (const char *)base + d->off, sizeof(dbl));
			config_fmt_milli((int64_t)(dbl * 1000.0 + 0.5), buf,
			    sizeof(buf));
			fprintf(f, "%s = %s\n", d->name, buf);
			break;
		case V_WINDOW:
			iv = config_int_field(base, d->off);
			iv2 = config_int_field(base, d->off2);
			if (iv < 0 || iv2 < 0)
				fprintf(f, "# %s = (not set)\n", d->name);
			else
				fprintf(f, "%s = %02d:%02d-%02d:%02d\n",
				    d->name, iv / 60, iv % 60, iv2 / 60,
				    iv2 % 60);
			break;
		case V_LIST: {
			char *const	*lv;
			size_t		 ln;

			memcpy(&lv, (const char *)base + d->off, sizeof(lv));
			memcpy(&ln, (const char *)base + d->off2, sizeof(ln));
			if (ln == 0)
				fprintf(f, "# %s = (not set)\n", d->name);
			else
				print_pools(f, d->name, lv, ln);
			break;
		}
		}
	}
}

void
config_print(const struct config *cfg, FILE *f)
{
	fprintf(f, "# effective configuration of %s\n",
	    cfg->path != NULL ? cfg->path : CONFIG_DEFAULT_PATH);
	fprintf(f, "\n[global]\n");
	print_keys(f, &config_kinds[KIND_GLOBAL], &cfg->global, NULL);
	for (size_t i = 0; i < cfg->nclusters; i++) {
		fprintf(f, "\n[cluster %s]\n", cfg->clusters[i].name);
		print_keys(f, &config_kinds[KIND_CLUSTER], &cfg->clusters[i],
		    NULL);
	}
	for (size_t i = 0; i < cfg->ncampaigns; i++) {
		struct policy			 view = cfg->campaigns[i];
		const struct campaign_conf	*cc = NULL;

		/* device_pools: its own names, the first nlisted. */
		if (cfg->campaign_confs != NULL) {
			cc = &cfg->campaign_confs[i];
			view.npools = cc->nlisted;
		}
		fprintf(f, "\n[campaign %s]\n", view.name);
		print_keys(f, &config_kinds[KIND_CAMPAIGN], &view, cc);
	}
}
