/*
 * axl_read.c — the reads: a pool's phones (listPhone) and their LSC and
 * registration columns (executeSQLQuery), paged; whether a pool exists.
 *
 * Paged reads go through paged(), which re-pages on "Query request too
 * large" and on a connection dropped mid-reply, and remembers in the client
 * the smaller page that got through, so the next pool starts there instead
 * of paying for the same fault again.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/buf.h"
#include "axl/err.h"
#include "axl/soap.h"

#define MAX_REPAGES	16

/* One paged read of a pool, and whom its records go to. */
struct pool_read {
	const char	*pool;
	const char	*name_like;
	axl_phone_fn	 phone;		/* listPhone */
	axl_lsc_fn	 lsc;		/* executeSQLQuery */
	void		*arg;
};

typedef int	(*build_fn)(struct axl_client *, struct axl_request *,
		    const struct pool_read *, unsigned long long skip,
		    unsigned first, struct lsc_err *);

/* Input that will go into an SQL literal: no control character at all. */
static int
check_sql(const char *what, const char *s, struct lsc_err *err)
{
	const unsigned char *p;

	if (s == NULL)
		return 0;
	if (axl_check_xml(AXL_OP_EXECUTESQLQUERY, what, s, err) == -1)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(err, ERR_CONFIG, "executeSQLQuery: %s "
			    "holds a control character", what);
	return 0;
}

/* --- paging --------------------------------------------------------------- */

/*
 * Reads page after page until one comes back shorter than asked.  A
 * "Query request too large" fault re-pages below the suggested row count,
 * a connection dropped mid-reply halves the page; both retry the same skip
 * and the smaller page is kept for the rest of the read.  A smaller page
 * that got through is kept in the client for the later reads of op.
 */
static int
paged(struct axl_client *c, struct axl_request *r, enum axl_op op,
    build_fn build, const struct pool_read *pr, struct lsc_err *err)
{
	unsigned long long skip = 0;
	unsigned page = c->page[op], smaller;
	int	 repages = 0;

	for (;;) {
		if (build(c, r, pr, skip, page, err) == -1)
			return -1;
		r->pageable = page > 1;
		if (axl_call(c, r, err) == 0) {
			c->page[op] = page;	/* never more than before */
			if (r->records < page)
				return 0;
			skip += page;
			continue;
		}
		if (page <= 1 || repages >= MAX_REPAGES)
			return -1;
		if (err->kind == ERR_TOOLARGE) {
			smaller = page / 2;
			if (err->suggest_rows > 0 &&
			    (unsigned long)err->suggest_rows <= page) {
				smaller = (unsigned)(err->suggest_rows * 4 / 5);
				if (smaller >= page)
					smaller = page - 1;
			}
		} else if (r->dropped)
			smaller = page / 2;
		else
			return -1;
		page = smaller > 0 ? smaller : 1;
		repages++;
		c->stats->retries++;
	}
}

/* One paged read of a pool: records at record/, fields, each to on. */
static int
read_pool(struct axl_client *c, enum axl_op op, const char *const *record,
    const char *const *fields, soap_record_fn on, build_fn build,
    struct pool_read *pr, struct lsc_err *err)
{
	struct axl_request r;
	int	 rc;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = fields;
	r.spec.on_record = on;
	r.spec.arg = pr;
	rc = paged(c, &r, op, build, pr, err);
	buf_free(&r.body, 0);
	return rc;
}

/* --- listPhone ------------------------------------------------------ */

enum phone_field {
	PF_NAME, PF_UUID, PF_DESC, PF_MODEL, PF_POOL, PF_OP, PF_STATUS,
	PF_FINISH, PF_AUTH
};

static const char *const phone_fields[] = {
	"name", "@uuid", "description", "model", "devicePoolName",
	"certificateOperation", "certificateStatus", "upgradeFinishTime",
	"authenticationMode", NULL
};

static int
on_phone(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	const struct pool_read *l = arg;
	const char *const *v = rec->values;
	struct axl_phone ph;

	if (v[PF_NAME] == NULL || v[PF_NAME][0] == '\0')
		return err_set(err, ERR_PARSE, "a phone without a name");
	/*
	 * searchCriteria is a LIKE pattern, where '_' matches any character:
	 * keep only the pool asked for.
	 */
	if (v[PF_POOL] != NULL && strcasecmp(v[PF_POOL], l->pool) != 0)
		return 0;
	ph.name = v[PF_NAME];
	ph.uuid = v[PF_UUID];
	ph.description = v[PF_DESC];
	ph.model = v[PF_MODEL];
	ph.device_pool = v[PF_POOL];
	ph.cert_operation = v[PF_OP];
	ph.cert_status = v[PF_STATUS];
	ph.finish_time = v[PF_FINISH];
	ph.auth_mode = v[PF_AUTH];
	return l->phone(l->arg, &ph, err);
}

static int
build_list(struct axl_client *c, struct axl_request *r,
    const struct pool_read *l, unsigned long long skip, unsigned first,
    struct lsc_err *err)
{
	struct buf *b = &r->body;

	if (axl_begin(c, r, AXL_OP_LISTPHONE, err) == -1)
		return -1;
	/* Schema order: searchCriteria, returnedTags (LPhone order), skip,
	 * first. */
	buf_puts(b, "<searchCriteria>");
	soap_elem(b, "name", l->name_like);
	soap_elem(b, "devicePoolName", l->pool);
	buf_puts(b, "</searchCriteria><returnedTags><name/><description/>"
	    "<model/><devicePoolName/><certificateOperation/>"
	    "<authenticationMode/><certificateStatus/><upgradeFinishTime/>"
	    "</returnedTags>");
	buf_printf(b, "<skip>%llu</skip><first>%u</first>", skip, first);
	return axl_finish_body(r, err);
}

int
axl_list_phones(struct axl_client *c, const char *pool, const char *name_like,
    axl_phone_fn fn, void *arg, struct lsc_err *err)
{
	static const char *const record[] = { "return", "phone", NULL };
	struct pool_read l;

	if (pool == NULL || fn == NULL)
		return err_set(err, ERR_USAGE, "listPhone: no device pool");
	if (axl_check_xml(AXL_OP_LISTPHONE, "the device pool name", pool,
	    err) == -1 || axl_check_xml(AXL_OP_LISTPHONE, "the name pattern",
	    name_like, err) == -1)
		return -1;
	memset(&l, 0, sizeof(l));
	l.pool = pool;
	l.name_like = name_like;
	l.phone = fn;
	l.arg = arg;
	return read_pool(c, AXL_OP_LISTPHONE, record, phone_fields, on_phone,
	    build_list, &l, err);
}

/* --- executeSQLQuery ------------------------------------------------------ */

enum lsc_field {
	LF_NAME, LF_VALID, LF_ISSUER, LF_IP, LF_NODE, LF_SEEN
};

static const char *const lsc_fields[] = {
	"name", "lscvaliduntil", "lscissuername", "lastknownipaddress",
	"lastknownucm", "lastseen", NULL
};

/* An epoch column: empty or NULL is 0; anything but digits is an error. */
static int
epoch_column(const char *name, const char *col, const char *v, int64_t *out,
    struct lsc_err *err)
{
	char	*end;
	long long n;

	*out = 0;
	if (v == NULL || v[0] == '\0' || strcmp(v, "NULL") == 0)
		return 0;
	if (v[0] < '0' || v[0] > '9')
		goto bad;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n == LLONG_MAX)
		goto bad;
	*out = n;
	return 0;
bad:
	return err_set(err, ERR_PARSE, "%s: %s \"%s\" is not a number", name,
	    col, v);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static int
on_lsc(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	const struct pool_read *l = arg;
	const char *const *v = rec->values;
	struct axl_lsc x;

	if (v[LF_NAME] == NULL || v[LF_NAME][0] == '\0')
		return err_set(err, ERR_PARSE, "a row without a device name");
	x.name = v[LF_NAME];
	if (epoch_column(x.name, "lscvaliduntil", v[LF_VALID],
	    &x.valid_until, err) == -1 ||
	    epoch_column(x.name, "lastseen", v[LF_SEEN], &x.last_seen,
	    err) == -1)
		return -1;
	x.issuer = nonempty(v[LF_ISSUER]);
	x.last_ip = nonempty(v[LF_IP]);
	x.last_node = nonempty(v[LF_NODE]);
	return l->lsc(l->arg, &x, err);
}

/* The executeSQLQuery request for the SQL text built in sql. */
static int
build_sql(struct axl_client *c, struct axl_request *r, const struct buf *sql,
    struct lsc_err *err)
{
	if (buf_failed(sql))
		return err_set(err, ERR_SYSTEM, "executeSQLQuery: out of "
		    "memory");
	if (axl_begin(c, r, AXL_OP_EXECUTESQLQUERY, err) == -1)
		return -1;
	soap_elem(&r->body, "sql", sql->data);
	return axl_finish_body(r, err);
}

static int
build_lsc(struct axl_client *c, struct axl_request *r,
    const struct pool_read *l, unsigned long long skip, unsigned first,
    struct lsc_err *err)
{
	struct buf sql = BUF_INIT;
	int	 rc;

	buf_printf(&sql, "SELECT SKIP %llu FIRST %u d.name, d.lscvaliduntil, "
	    "d.lscissuername, rd.lastknownipaddress, rd.lastknownucm, "
	    "rd.lastseen FROM device d INNER JOIN devicepool dp ON "
	    "d.fkdevicepool = dp.pkid LEFT OUTER JOIN registrationdynamic rd "
	    "ON rd.fkdevice = d.pkid WHERE dp.name = ", skip, first);
	buf_put_sql_literal(&sql, l->pool);
	if (l->name_like != NULL) {
		/* listPhone matches names whatever their case; Informix's
		 * LIKE does not: compare both in upper case */
		buf_puts(&sql, " AND UPPER(d.name) LIKE UPPER(");
		buf_put_sql_literal(&sql, l->name_like);
		buf_puts(&sql, ")");
	}
	buf_puts(&sql, " AND d.tkclass = 1 ORDER BY d.name");
	rc = build_sql(c, r, &sql, err);
	buf_free(&sql, 0);
	return rc;
}

int
axl_list_lsc(struct axl_client *c, const char *pool, const char *name_like,
    axl_lsc_fn fn, void *arg, struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	struct pool_read l;

	if (pool == NULL || fn == NULL)
		return err_set(err, ERR_USAGE, "executeSQLQuery: no device "
		    "pool");
	if (check_sql("the device pool name", pool, err) == -1 ||
	    check_sql("the name pattern", name_like, err) == -1)
		return -1;
	memset(&l, 0, sizeof(l));
	l.pool = pool;
	l.name_like = name_like;
	l.lsc = fn;
	l.arg = arg;
	return read_pool(c, AXL_OP_EXECUTESQLQUERY, record, lsc_fields, on_lsc,
	    build_lsc, &l, err);
}

int
axl_pool_exists(struct axl_client *c, const char *pool, int *exists,
    struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	static const char *const fields[] = { "name", NULL };
	struct axl_request r;
	struct buf sql = BUF_INIT;
	int	 rc = -1;

	*exists = 0;
	if (pool == NULL)
		return err_set(err, ERR_USAGE, "executeSQLQuery: no device "
		    "pool");
	if (check_sql("the device pool name", pool, err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	buf_puts(&sql, "SELECT name FROM devicepool WHERE name = ");
	buf_put_sql_literal(&sql, pool);
	if (build_sql(c, &r, &sql, err) == -1)
		goto out;
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = fields;
	if (axl_call(c, &r, err) == -1)
		goto out;
	*exists = r.records > 0;
	rc = 0;
out:
	buf_free(&sql, 0);
	buf_free(&r.body, 0);
	return rc;
}
