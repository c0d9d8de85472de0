/*
 * conn.c — connecting to a cluster: the password from its source, the
 * HTTPS transport, the AXL schema version, the RisPort70 client.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* https://host:port/path, with an IPv6 literal in brackets. */
static void
url_of(char *buf, size_t len, const char *host, int port, const char *path)
{
	int v6 = strchr(host, ':') != NULL && host[0] != '[';

	snprintf(buf, len, "https://%s%s%s:%d%s", v6 ? "[" : "", host,
	    v6 ? "]" : "", port, path);
}

int
conn_open(struct conn *c, const struct cluster_conf *cc,
    struct axl_stats *stats, struct lsc_clock *clock, int64_t deadline_ms,
    struct lsc_err *e)
{
	struct http_options ho;
	struct axl_options ao;
	struct ris_options ro;
	char axl_url[512], ris_url[512];
	char *password = NULL;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->conf = cc;
	url_of(axl_url, sizeof(axl_url), cc->host, cc->port, "/axl/");
	url_of(ris_url, sizeof(ris_url), cc->ris_host != NULL ? cc->ris_host :
	    cc->host, cc->ris_port > 0 ? cc->ris_port : cc->port,
	    "/realtimeservice2/services/RISService70");

	/* its message names the cluster already */
	if ((password = config_password(cc, e)) == NULL)
		return -1;
	memset(&ho, 0, sizeof(ho));
	ho.ca_file = cc->ca_file;
	ho.ca_path = cc->ca_path;
	ho.proxy = cc->proxy;
	ho.username = cc->username;
	ho.password = password;
	ho.connect_timeout_ms = (long)cc->connect_timeout * 1000;
	ho.timeout_ms = (long)cc->timeout * 1000;
	ho.max_response = cc->max_response;
	ho.trace = log_level() >= LOG_LEVEL_TRACE ? log_trace : NULL;
	if ((c->http = http_curl_new(&ho, e)) == NULL)
		goto out;

	memset(&ao, 0, sizeof(ao));
	ao.url = axl_url;
	ao.version = cc->axl_version;
	ao.page_size = cc->page_size;
	ao.retry.attempts = (int)cc->retry_attempts;
	ao.retry.base_ms = 2000;
	ao.retry.cap_ms = 30000;
	ao.retry.budget_ms = cc->retry_budget * 1000;
	if (cc->retry_budget == 0)
		ao.retry.attempts = 1;	/* no time to wait: no retry */
	ao.clock = clock;
	ao.stats = stats;
	if ((c->axl = axl_new(c->http, &ao, e)) == NULL)
		goto out;
	axl_set_deadline(c->axl, deadline_ms);

	memset(&ro, 0, sizeof(ro));
	ro.url = ris_url;
	ro.rate_per_minute = cc->ris_rate;
	ro.max_names = 1000;
	ro.attempts = 4;
	ro.rate_wait_ms = cc->ris_retry_wait * 1000;
	ro.clock = clock;
	ro.stats = stats;
	if ((c->ris = ris_new(c->http, &ro, e)) == NULL)
		goto out;

	if (axl_connect(c->axl, c->release, sizeof(c->release), e) == -1)
		goto out;
	ret = 0;
out:
	config_password_free(password);
	if (ret == -1) {
		err_prefix(e, "cluster %s", cc->name);
		conn_close(c);
	}
	return ret;
}

void
conn_close(struct conn *c)
{
	ris_free(c->ris);
	axl_free(c->axl);
	http_free(c->http);
	c->ris = NULL;
	c->axl = NULL;
	c->http = NULL;
}
