/*
 * config_section.c — the sections of lscrenew.conf(5): [global],
 * [cluster NAME] and [campaign NAME].
 *
 * iniparser hands back each section's keys; here each section gets the
 * defaults of its kind, each key is set through the key tables, and what
 * no single key can tell is checked: unknown keys and sections (with "did
 * you mean"), missing keys, the one password source, retry_cap against
 * retry_base, a campaign's device pools (config_pools.c), and that each
 * campaign names a cluster that exists.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <syslog.h>

#include "cli/config_int.h"

/* ---- defaults ------------------------------------------------------------ */

int
config_global_defaults(struct global_conf *g)
{
	memset(g, 0, sizeof(*g));
	g->log = LOG_TO_STDERR;
	g->log_level = 1;
	g->random_delay = 0;
	g->retention = 400 * DAY;
	g->run_timeout = 5 * HOUR;
	g->syslog_facility = LOG_DAEMON;
	g->probe_concurrency = 32;
	g->probe_rate = 20;
	g->probe_port = 443;
	g->state_dir = strdup("/var/lib/lscrenew");
	return g->state_dir == NULL ? -1 : 0;
}

static int
cluster_defaults(struct cluster_conf *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->port = 8443;
	cl->ris_port = 8443;
	cl->secret = SECRET_NONE;
	cl->ris_rate = 12.0;
	cl->ris_retry_wait = 30;
	cl->connect_timeout = 10;
	cl->timeout = 120;
	cl->page_size = 1000;
	cl->max_response = 16 * 1024 * 1024;
	cl->retry_attempts = 5;
	cl->retry_budget = 2 * MINUTE;
	cl->axl_version = strdup("auto");
	return cl->axl_version == NULL ? -1 : 0;
}

/* ---- keys ---------------------------------------------------------------- */

static void
unknown_key(struct config_ctx *c, int line, const struct config_kind *k,
    const char *sec, const char *key, const char *val)
{
	const char		 *names[MAX_KEYS], *best;
	const struct config_kind *other = NULL, *o;
	const char		 *shown = config_hide_value(key) ? "*" : val;

	for (size_t i = 0; i < k->nkeys; i++)
		names[i] = k->keys[i].name;
	if ((best = config_closest(key, names, k->nkeys)) != NULL) {
		config_problem(c, line, sec, key, shown, "unknown key; did you "
		    "mean %s?", best);
		return;
	}
	if (config_find_any_key(key, &other) != NULL) {
		config_problem(c, line, sec, key, shown, "unknown key here; %s "
		    "belongs in %s", key, other->where);
		return;
	}
	/* A misspelt key of another kind of section. */
	for (int i = 0; i < KIND__MAX; i++) {
		if ((o = &config_kinds[i]) == k)
			continue;
		for (size_t j = 0; j < o->nkeys; j++)
			names[j] = o->keys[j].name;
		if ((best = config_closest(key, names, o->nkeys)) != NULL) {
			config_problem(c, line, sec, key, shown, "unknown key; "
			    "did you mean %s (which belongs in %s)?", best,
			    o->where);
			return;
		}
	}
	config_problem(c, line, sec, key, shown, "unknown key; expected one of "
	    "the keys of %s in lscrenew.conf(5)", k->where);
}

/*
 * Parses the keys of one section into base (F_AUX keys into aux); seen[i]
 * tells which of the kind's keys were given: 1 valid, 2 wrong.
 */
static void
parse_section(struct config_ctx *c, dictionary *d, const char *sec,
    const struct config_kind *k, void *base, void *aux, unsigned char *seen)
{
	const char		  **keys = NULL, *key, *val;
	const struct config_keydef *def;
	char			   why[1024], exp[256];
	int			   nk, line;
	size_t			   idx;

	memset(seen, 0, MAX_KEYS);
	if ((nk = iniparser_getsecnkeys(d, sec)) > 0) {
		if ((keys = calloc((size_t)nk, sizeof(*keys))) == NULL ||
		    iniparser_getseckeys(d, sec, keys) == NULL) {
			c->oom = 1;
			goto out;
		}
	}
	for (int i = 0; i < nk; i++) {
		key = keys[i] + strlen(sec) + 1;
		/* no value: not a key but a section named [SEC:KEY] (iniparser
		 * joins section and key with ':'), refused as a section */
		if ((val = iniparser_getstring(d, keys[i], NULL)) == NULL)
			continue;
		line = config_line_of(c, sec, key);
		if ((def = config_find_key(k, key)) == NULL) {
			unknown_key(c, line, k, sec, key, val);
			continue;
		}
		idx = (size_t)(def - k->keys);
		switch (config_set_value(def, def->flags & F_AUX ? aux : base,
		    val, why, sizeof(why))) {
		case 0:
			seen[idx] = 1;
			break;
		case -1:
			seen[idx] = 2;	/* given, but wrong */
			config_problem(c, line, sec, key,
			    def->flags & F_SECRET ? "*" : val, "%s", why);
			break;
		default:
			c->oom = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < k->nkeys; i++)
		if ((k->keys[i].flags & F_REQUIRED) && !seen[i]) {
			config_form(&k->keys[i], exp, sizeof(exp));
			config_problem(c, config_line_of(c, sec, NULL), sec,
			    k->keys[i].name, NULL, "required key missing; "
			    "expected %s", exp);
		}
out:
	free(keys);
}

static size_t
key_index(const struct config_kind *k, const char *name)
{
	return (size_t)(config_find_key(k, name) - k->keys);
}

/* ---- rules across keys --------------------------------------------------- */

/* Password source and RisPort70 defaults. */
static void
cluster_finish(struct config_ctx *c, const char *sec, struct cluster_conf *cl,
    const unsigned char *seen)
{
	static const char *const src[] = {
		"password_file", "password_command", "password"
	};
	static const enum secret_source kind_of[] = {
		SECRET_FILE, SECRET_COMMAND, SECRET_INLINE
	};
	const struct config_kind *k = &config_kinds[KIND_CLUSTER];
	const char	*val;
	size_t		 given[3], first = 0;
	int		 n = 0;

	/* The first source in the file is the one; any other is reported. */
	for (size_t i = 0; i < 3; i++)
		if (seen[key_index(k, src[i])]) {
			given[n++] = i;
			if (config_line_of(c, sec, src[i]) <
			    config_line_of(c, sec, src[given[first]]))
				first = (size_t)n - 1;
		}
	if (n > 0)
		cl->secret = kind_of[given[first]];
	for (int j = 0; j < n; j++) {
		size_t i = given[j];

		if ((size_t)j == first)
			continue;
		val = i == 2 ? "*" :
		    *config_str_field(cl, config_find_key(k, src[i])->off);
		config_problem(c, config_line_of(c, sec, src[i]), sec, src[i],
		    val != NULL ? val : "", "a second password source (%s is "
		    "also set); expected exactly one of password_file, "
		    "password_command or password", src[given[first]]);
	}
	if (n == 0)
		config_problem(c, config_line_of(c, sec, NULL), sec, NULL, NULL,
		    "no password source; expected one of password_file, "
		    "password_command or password");
	if (cl->ris_host == NULL && cl->host != NULL &&
	    (cl->ris_host = strdup(cl->host)) == NULL)
		c->oom = 1;
	if (!seen[key_index(k, "ris_port")])
		cl->ris_port = cl->port;
}

/* The device pools, the auth_string rules and retry_cap >= retry_base. */
static void
campaign_finish(struct config_ctx *c, const char *sec, struct policy *p,
    struct campaign_conf *cc, const unsigned char *seen)
{
	const struct config_kind *k = &config_kinds[KIND_CAMPAIGN];
	char	 a[32], b[32];
	int	 need;
	const char *mode;

	config_campaign_pools(c, sec, p, cc, seen[key_index(k,
	    "device_pools")], seen[key_index(k, "device_pools_file")]);
	need = p->auth_mode == AUTH_STRING || p->install_auth_mode ==
	    AUTH_STRING;
	mode = p->auth_mode == AUTH_STRING ? "auth_mode" : "install_auth_mode";
	if (need && !seen[key_index(k, "auth_string")])
		config_problem(c, config_line_of(c, sec, mode), sec,
		    "auth_string", NULL, "required by %s = auth-string; "
		    "expected 4 to 10 digits", mode);
	if (!need && seen[key_index(k, "auth_string")] == 1)
		config_problem(c, config_line_of(c, sec, "auth_string"), sec,
		    "auth_string", "*", "not used: neither auth_mode nor "
		    "install_auth_mode is auth-string; expected no "
		    "auth_string");
	if (p->retry_cap < p->retry_base &&
	    seen[key_index(k, "retry_cap")] != 2 &&
	    seen[key_index(k, "retry_base")] != 2) {
		config_fmt_duration(p->retry_cap, a, sizeof(a));
		config_fmt_duration(p->retry_base, b, sizeof(b));
		if (seen[key_index(k, "retry_cap")])
			config_problem(c, config_line_of(c, sec, "retry_cap"),
			    sec, "retry_cap", a, "less than retry_base (%s); "
			    "expected at least retry_base", b);
		else
			config_problem(c, config_line_of(c, sec, "retry_base"),
			    sec, "retry_base", b, "more than retry_cap (%s, "
			    "the default); expected at most retry_cap", a);
	}
}

/* ---- sections ------------------------------------------------------------ */

/* One section of the file, whatever it is. */
static void
walk_section(struct config_ctx *c, dictionary *d, const char *sec,
    struct config *cfg)
{
	unsigned char	 seen[MAX_KEYS];
	char		 word[16], *nm;
	const char	*name, *best;
	static const char *const kind_names[] = {
		"global", "cluster", "campaign"
	};
	int		 line = config_line_of(c, sec, NULL);
	size_t		 wl;
	struct cluster_conf *cl;
	struct policy	*p;
	struct campaign_conf *cc;

	wl = strcspn(sec, " \t");
	for (name = sec + wl; config_is_space((unsigned char)*name); name++)
		;
	snprintf(word, sizeof(word), "%.*s", (int)(wl < 15 ? wl : 15), sec);

	if (wl == 6 && strncmp(sec, "global", 6) == 0) {
		c->nkind[KIND_GLOBAL]++;
		if (*name != '\0')
			config_problem(c, line, sec, NULL, NULL, "[global] "
			    "takes no name; expected [global]");
		parse_section(c, d, sec, &config_kinds[KIND_GLOBAL],
		    &cfg->global, NULL, seen);
		return;
	}
	if ((wl == 7 && strncmp(sec, "cluster", 7) == 0) ||
	    (wl == 8 && strncmp(sec, "campaign", 8) == 0)) {
		if (*name == '\0') {
			config_problem(c, line, sec, NULL, NULL, "missing "
			    "name; expected [%s NAME]", word);
			return;
		}
		if (!config_valid_name(name))
			config_problem(c, line, sec, NULL, NULL, "\"%s\" is "
			    "not a valid name; expected [%s NAME], NAME made "
			    "of letters, digits, '-', '_' and '.'", name, word);
		if ((nm = strdup(name)) == NULL) {
			c->oom = 1;
			return;
		}
		if (wl == 7) {
			c->nkind[KIND_CLUSTER]++;
			if ((cl = reallocarray(cfg->clusters,
			    cfg->nclusters + 1, sizeof(*cl))) == NULL) {
				free(nm);
				c->oom = 1;
				return;
			}
			cfg->clusters = cl;
			cl = &cfg->clusters[cfg->nclusters];
			if (cluster_defaults(cl) == -1) {
				free(cl->axl_version);
				free(nm);
				c->oom = 1;
				return;
			}
			cl->name = nm;
			cfg->nclusters++;
			parse_section(c, d, sec, &config_kinds[KIND_CLUSTER],
			    cl, NULL, seen);
			cluster_finish(c, sec, cl, seen);
		} else {
			c->nkind[KIND_CAMPAIGN]++;
			if ((p = reallocarray(cfg->campaigns,
			    cfg->ncampaigns + 1, sizeof(*p))) != NULL)
				cfg->campaigns = p;
			if ((cc = reallocarray(cfg->campaign_confs,
			    cfg->ncampaigns + 1, sizeof(*cc))) != NULL)
				cfg->campaign_confs = cc;
			if (p == NULL || cc == NULL) {
				free(nm);
				c->oom = 1;
				return;
			}
			p = &cfg->campaigns[cfg->ncampaigns];
			cc = &cfg->campaign_confs[cfg->ncampaigns];
			policy_defaults(p);
			memset(cc, 0, sizeof(*cc));
			p->name = nm;
			cfg->ncampaigns++;
			parse_section(c, d, sec, &config_kinds[KIND_CAMPAIGN],
			    p, cc, seen);
			campaign_finish(c, sec, p, cc, seen);
		}
		return;
	}
	if ((best = config_closest(word, kind_names, 3)) != NULL)
		config_problem(c, line, sec, NULL, NULL, "unknown section; did "
		    "you mean [%s%s%s]?", best, *name != '\0' ? " " : "",
		    name);
	else
		config_problem(c, line, sec, NULL, NULL, "unknown section; "
		    "expected [global], [cluster NAME] or [campaign NAME]");
}

/* Each campaign's cluster exists; its name is made the cluster's own. */
static void
check_references(struct config_ctx *c, struct config *cfg)
{
	const struct cluster_conf *cl;
	const char	**names = NULL, *best;
	char		  sec[300], *nm;
	int		  line;

	if (cfg->nclusters > 0 &&
	    (names = calloc(cfg->nclusters, sizeof(*names))) == NULL) {
		c->oom = 1;
		return;
	}
	for (size_t i = 0; i < cfg->nclusters; i++)
		names[i] = cfg->clusters[i].name;
	for (size_t i = 0; i < cfg->ncampaigns; i++) {
		struct policy *p = &cfg->campaigns[i];

		if (p->cluster == NULL)
			continue;
		if ((cl = config_cluster(cfg, p->cluster)) != NULL) {
			if ((nm = strdup(cl->name)) == NULL) {
				c->oom = 1;
				break;
			}
			free(p->cluster);
			p->cluster = nm;
			continue;
		}
		snprintf(sec, sizeof(sec), "campaign %s", p->name);
		best = config_closest(p->cluster, names, cfg->nclusters);
		line = config_line_of(c, sec, "cluster");
		if (best != NULL)
			config_problem(c, line, sec, "cluster", p->cluster,
			    "no such cluster; did you mean %s?", best);
		else
			config_problem(c, line, sec, "cluster", p->cluster,
			    "no such cluster; expected the name of a "
			    "[cluster NAME] section");
	}
	free(names);
}

void
config_sections(struct config_ctx *c, dictionary *d, struct config *cfg)
{
	for (int i = 0; i < iniparser_getnsec(d); i++)
		walk_section(c, d, iniparser_getsecname(d, i), cfg);
	check_references(c, cfg);
	if (c->flags & CONFIG_CLUSTER)
		config_access(c, cfg);
	if (c->nkind[KIND_CLUSTER] == 0)
		config_problem(c, LINE_END, NULL, NULL, NULL, "no [cluster "
		    "NAME] section; expected at least one");
	if (c->nkind[KIND_CAMPAIGN] == 0)
		config_problem(c, LINE_END, NULL, NULL, NULL, "no [campaign "
		    "NAME] section; expected at least one");
}

const struct cluster_conf *
config_cluster(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->nclusters; i++)
		if (strcasecmp(cfg->clusters[i].name, name) == 0)
			return &cfg->clusters[i];
	return NULL;
}

const struct policy *
config_campaign(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->ncampaigns; i++)
		if (strcasecmp(cfg->campaigns[i].name, name) == 0)
			return &cfg->campaigns[i];
	return NULL;
}
