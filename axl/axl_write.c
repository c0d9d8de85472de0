/*
 * axl_write.c — the writes: updatePhone with the CAPF fields, applyPhone,
 * restartPhone, resetPhone; whether the account may write at all; the
 * upgradeFinishTime format.
 *
 * Every value is checked before a byte is built, and a write is marked so
 * that neither axl_call() nor the transport sends it twice unless the
 * failure proves it was not applied.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/base/buf.h"
#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/soap.h"

/* A name no device can have: longer than any device name CUCM allows. */
#define PROBE_NAME	"LSCRENEW-WRITE-PROBE-NO-SUCH-DEVICE"

/* A write by name whose reply is a StandardResponse. */
static int
write_by_name(struct axl_client *c, enum axl_op op, const char *name,
    const struct axl_capf *capf, struct lsc_err *err)
{
	static const char *const scalars[] = { "return", NULL };
	struct axl_request r;
	int	 rc = -1;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	if (capf != NULL && capf->auth_string != NULL)
		buf_secret(&r.body);	/* the CAPF authentication string */
	r.write = 1;
	r.object = name;
	r.spec.scalars = scalars;
	if (axl_begin(c, &r, op, err) == -1)
		goto out;
	soap_elem(&r.body, "name", name);
	if (capf != NULL) {
		/* UpdatePhoneReq's order (AXLSoap.xsd 12.5/14.0/15.0). */
		soap_elem(&r.body, "certificateOperation", capf->operation);
		soap_elem(&r.body, "authenticationMode", capf->auth_mode);
		soap_elem(&r.body, "keySize", capf->key_size);
		soap_elem(&r.body, "keyOrder", capf->key_order);
		soap_elem(&r.body, "ecKeySize", capf->ec_key_size);
		soap_elem(&r.body, "authenticationString", capf->auth_string);
		soap_elem(&r.body, "upgradeFinishTime", capf->finish_time);
	}
	if (axl_finish_body(&r, err) == -1)
		goto out;
	r.spec.ns = c->ns;
	rc = axl_call(c, &r, err);
out:
	/* It may hold the phone's CAPF authentication string. */
	buf_free(&r.body, 1);
	return rc;
}

/* Every value of an updatePhone, checked before anything is built. */
static int
check_capf(const char *name, const struct axl_capf *f, struct lsc_err *err)
{
	const char *const vals[] = {
		f->operation, f->auth_mode, f->auth_string, f->key_order,
		f->key_size, f->ec_key_size, f->finish_time
	};
	const char *const what[] = {
		"certificateOperation", "authenticationMode",
		"authenticationString", "keyOrder", "keySize", "ecKeySize",
		"upgradeFinishTime"
	};
	int64_t	 epoch;
	size_t	 i;

	if (f->operation == NULL)
		return err_set(err, ERR_USAGE, "%s: updatePhone: no certificate"
		    " operation", name);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (axl_check_xml(AXL_OP_UPDATEPHONE, what[i], vals[i],
		    err) == -1)
			return err_prefix(err, "%s", name);
	if (f->finish_time != NULL &&
	    axl_parse_finish_time(f->finish_time, &epoch) == -1)
		return err_set(err, ERR_USAGE, "%s: updatePhone: "
		    "upgradeFinishTime \"%s\" is not YYYY:MM:DD:HH:MM", name,
		    f->finish_time);
	return 0;
}

int
axl_update_capf(struct axl_client *c, const char *name,
    const struct axl_capf *capf, struct lsc_err *err)
{
	if (name == NULL || capf == NULL)
		return err_set(err, ERR_USAGE, "updatePhone: no phone");
	if (axl_check_xml(AXL_OP_UPDATEPHONE, "the phone name", name,
	    err) == -1 || check_capf(name, capf, err) == -1)
		return -1;
	return write_by_name(c, AXL_OP_UPDATEPHONE, name, capf, err);
}

int
axl_notify_phone(struct axl_client *c, const char *name, enum axl_notify how,
    struct lsc_err *err)
{
	enum axl_op op = AXL_NOTIFY_OP(how);

	if ((int)how < 0 || how >= AXL_NOTIFY__MAX)
		return err_set(err, ERR_USAGE, "notify: unknown action");
	if (name == NULL)
		return err_set(err, ERR_USAGE, "%s: no phone", axl_op_name(op));
	if (axl_check_xml(op, "the phone name", name, err) == -1)
		return -1;
	return write_by_name(c, op, name, NULL, err);
}

int
axl_can_write(struct axl_client *c, int *can, struct lsc_err *err)
{
	struct lsc_err e;

	*can = 0;
	err_clear(&e);
	if (write_by_name(c, AXL_OP_UPDATEPHONE, PROBE_NAME, NULL, &e) == 0 ||
	    e.kind == ERR_NOTFOUND) {
		*can = 1;
		return 0;
	}
	if (e.kind == ERR_AUTH && e.http_status == 401)
		return 0;	/* a read-only account */
	if (err != NULL)
		*err = e;
	return -1;
}

/* --- upgradeFinishTime ---------------------------------------------------- */

int
axl_format_finish_time(int64_t epoch, char *out, size_t outlen)
{
	struct tm tm;
	time_t	 t;
	int	 n;

	if (epoch < 0 || epoch > 253402300799LL)	/* 9999-12-31 */
		return -1;
	t = (time_t)epoch;
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	n = snprintf(out, outlen, "%04d:%02d:%02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int
axl_parse_finish_time(const char *s, int64_t *epoch)
{
	int	 f[5], i, j, pos = 0;
	static const int widths[] = { 4, 2, 2, 2, 2 };

	if (s == NULL || strlen(s) != 16)
		return -1;
	for (i = 0; i < 5; i++) {
		if (i > 0 && s[pos++] != ':')
			return -1;
		f[i] = 0;
		for (j = 0; j < widths[i]; j++, pos++) {
			if (s[pos] < '0' || s[pos] > '9')
				return -1;
			f[i] = f[i] * 10 + (s[pos] - '0');
		}
	}
	if ((*epoch = clock_timegm(f[0], f[1], f[2], f[3], f[4], 0)) == -1)
		return -1;
	return 0;
}
