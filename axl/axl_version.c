/*
 * axl_version.c — getCCMVersion: which release answers, and which AXL
 * schema version every later request names (SOAPAction and namespace).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/base/buf.h"
#include "axl/base/err.h"

/* Parses "14.0.1.13900-155" into 14 and 0. */
static int
parse_release(const char *s, long *major, long *minor)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	*major = strtol(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9' || *major > 1000)
		return -1;
	*minor = strtol(end + 1, &end, 10);
	if (*minor > 1000 || (*end != '\0' && *end != '.' && *end != '-'))
		return -1;
	return 0;
}

int
axl_connect(struct axl_client *c, char *release, size_t releaselen,
    struct lsc_err *err)
{
	static const char *const scalars[] = {
		"return/componentVersion/version", NULL
	};
	/*
	 * 12.5 first: CUCM 12.5, 14 and 15 all take it.  A release that no
	 * longer does (N-2) answers HTTP 599 "Incorrect axl version"; then
	 * the newer schemas, newest first.
	 */
	static const char *const probe[] = { "12.5", "15.0", "14.0" };
	static const char *const ns[] = {
		AXL_NS_BASE "12.5", AXL_NS_BASE "15.0", AXL_NS_BASE "14.0"
	};
	struct axl_request r;
	const char *pick;
	long	 major, minor, want_major;
	size_t	 i;
	int	 rc = -1;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		buf_reset(&r.body);
		r.version = probe[i];
		r.spec.scalars = scalars;
		if (axl_begin(c, &r, AXL_OP_GETCCMVERSION, err) == -1 ||
		    axl_finish_body(&r, err) == -1)
			goto out;
		r.spec.ns = ns[i];
		if (axl_call(c, &r, err) == 0)
			break;
		if (err->kind != ERR_HTTP || err->http_status != 599)
			goto out;
	}
	if (i == sizeof(probe) / sizeof(probe[0]))
		goto out;	/* 599 to every schema we know */
	if (r.scalar[0] == '\0') {
		err_set(err, ERR_PARSE, "getCCMVersion: the reply has no "
		    "version");
		goto out;
	}
	if (parse_release(r.scalar, &major, &minor) == -1) {
		err_set(err, ERR_PARSE, "getCCMVersion: unexpected version "
		    "\"%s\"", r.scalar);
		goto out;
	}
	if (release != NULL && releaselen > 0)
		(void)snprintf(release, releaselen, "%s", r.scalar);
	if (major < 12 || (major == 12 && minor < 5)) {
		err_set(err, ERR_FAULT, "CUCM %ld.%ld is older than 12.5, the "
		    "oldest release lscrenew supports", major, minor);
		goto out;
	}
	if (major >= 15)
		pick = "15.0";
	else if (major >= 14)
		pick = "14.0";
	else
		pick = "12.5";
	if (!c->auto_version) {
		want_major = strtol(c->version, NULL, 10);
		if (want_major > major) {
			err_set(err, ERR_FAULT, "CUCM %ld.%ld does not accept "
			    "AXL schema %s (use %s or auto)", major, minor,
			    c->version, pick);
			goto out;
		}
	} else
		axl_set_version(c, pick);
	rc = 0;
out:
	buf_free(&r.body, 0);
	return rc;
}
