/*
 * axl_read.c — the reads: a cluster's inventory in one executeSQLQuery
 * stream (listPhone per pool when SQL cannot be used), and whether a pool
 * exists.
 *
 * The stream is paged by key, not by offset: each page asks for the names
 * after the last one delivered, so a page re-asked after a "Query request
 * too large" fault or a dropped reply starts where the phones stopped and
 * none is delivered twice.  A page is sized from the bytes a row took, to
 * stay under the 2 MB Cisco asks of a query while others run (the hard
 * limit is 8 MB), and the population counted first bounds the whole read.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/soap.h"

#define MAX_REPAGES	16
#define PAGE_BYTES	(2u << 20)	/* a page's reply, at most */
#define PAGE_ROWS_MAX	20000u
#define POOLS_PER_QUERY	100		/* pools named in one statement */
#define LISTPHONE_MAX	200000ul	/* phones in one pool, at most */

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

/* --- the inventory stream -------------------------------------------------- */

/*
 * The columns, each under a one-letter name: a row of the reply is about
 * half the size it is under the column names (the tags are most of it),
 * and the whole cluster is read in a few pages.
 */
enum inv_col {
	IC_NAME, IC_DESC, IC_POOL, IC_MODEL, IC_OP, IC_STATUS, IC_FINISH,
	IC_VALID, IC_ISSUER, IC_IP, IC_NODE, IC_SEEN, IC__MAX
};

static const char *const inv_cols[IC__MAX + 1] = {
	"n", "e", "p", "m", "o", "s", "f", "v", "i", "a", "c", "t", NULL
};

static const char inv_select[] =
	"d.name AS n, d.description AS e, dp.name AS p, tm.name AS m, "
	"tco.name AS o, tcs.name AS s, d.upgradefinishtime AS f, "
	"d.lscvaliduntil AS v, d.lscissuername AS i, "
	"rd.lastknownipaddress AS a, rd.lastknownucm AS c, "
	"rd.lastseen AS t";

static const char inv_from[] =
	" FROM device d INNER JOIN devicepool dp ON d.fkdevicepool = dp.pkid"
	" INNER JOIN typemodel tm ON d.tkmodel = tm.enum"
	" INNER JOIN typecertificateoperation tco ON"
	" d.tkcertificateoperation = tco.enum"
	" INNER JOIN typecertificatestatus tcs ON"
	" d.tkcertificatestatus = tcs.enum"
	" LEFT OUTER JOIN registrationdynamic rd ON rd.fkdevice = d.pkid";

struct inv_read {
	struct axl_client	*c;
	const struct axl_selector *sel;	/* this statement's selectors */
	size_t			 nsel;
	axl_phone_fn		 fn;
	void			*arg;
	struct axl_inventory_info *info;
	unsigned long		 bound;	/* rows past which CUCM is wrong */
	unsigned long		 count;	/* rows CUCM counted for it */
	unsigned long		 start;	/* info->read before it */
	char			*last;	/* the key: last name delivered */
};

/*
 * The WHERE clause of the selectors: pools without a pattern in one IN
 * list, then one term per pattern (upper case on both sides: listPhone
 * matches names whatever their case, Informix's LIKE does not).
 */
static void
put_filter(struct buf *b, const struct axl_selector *sel, size_t n)
{
	size_t	 i, j, terms = 0;
	int	 open;

	buf_puts(b, " WHERE d.tkclass = 1 AND (");
	for (open = 0, i = 0; i < n; i++) {
		if (sel[i].name_like != NULL)
			continue;
		buf_puts(b, open ? ", " : "dp.name IN (");
		buf_put_sql_literal(b, sel[i].pool);
		open = 1;
	}
	if (open) {
		buf_puts(b, ")");
		terms++;
	}
	for (i = 0; i < n; i++) {
		if (sel[i].name_like == NULL)
			continue;
		for (j = 0; j < i; j++)	/* one term per pattern */
			if (sel[j].name_like != NULL &&
			    strcmp(sel[j].name_like, sel[i].name_like) == 0)
				break;
		if (j < i)
			continue;
		buf_puts(b, terms++ ? " OR (dp.name IN (" : "(dp.name IN (");
		for (open = 0, j = i; j < n; j++) {
			if (sel[j].name_like == NULL ||
			    strcmp(sel[j].name_like, sel[i].name_like) != 0)
				continue;
			if (open)
				buf_puts(b, ", ");
			buf_put_sql_literal(b, sel[j].pool);
			open = 1;
		}
		buf_puts(b, ") AND UPPER(d.name) LIKE UPPER(");
		buf_put_sql_literal(b, sel[i].name_like);
		buf_puts(b, "))");
	}
	buf_puts(b, ")");
}

static int
build_page(struct axl_client *c, struct axl_request *r,
    const struct inv_read *ir, unsigned first, struct lsc_err *err)
{
	struct buf sql = BUF_INIT;
	int	 rc;

	buf_printf(&sql, "SELECT FIRST %u %s%s", first, inv_select, inv_from);
	put_filter(&sql, ir->sel, ir->nsel);
	if (ir->last != NULL) {
		buf_puts(&sql, " AND d.name > ");
		buf_put_sql_literal(&sql, ir->last);
	}
	buf_puts(&sql, " ORDER BY d.name");
	rc = build_sql(c, r, &sql, err);
	buf_free(&sql, 0);
	return rc;
}

static int
on_row(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	struct inv_read *ir = arg;
	const char *const *v = rec->values;
	struct axl_phone ph;
	char	*key;

	if (v[IC_NAME] == NULL || v[IC_NAME][0] == '\0')
		return err_set(err, ERR_PARSE, "a row without a device name");
	/* a row at or before the key: the cluster did not honour it, and
	 * reading on would deliver phones twice or never end */
	if (ir->last != NULL && strcmp(v[IC_NAME], ir->last) == 0)
		return err_set(err, ERR_PARSE, "CUCM sent %s again (rows "
		    "after it were asked for)", v[IC_NAME]);
	if (++ir->info->read > ir->bound)
		return err_set(err, ERR_PARSE, "CUCM sent more than %lu "
		    "phones although it counted %lu: read stopped", ir->bound,
		    ir->info->expected);
	memset(&ph, 0, sizeof(ph));
	ph.name = v[IC_NAME];
	if (epoch_column(ph.name, "lscvaliduntil", v[IC_VALID],
	    &ph.lsc_valid_until, err) == -1 ||
	    epoch_column(ph.name, "lastseen", v[IC_SEEN], &ph.last_seen,
	    err) == -1)
		return -1;
	ph.description = v[IC_DESC];
	ph.device_pool = v[IC_POOL];
	ph.model = v[IC_MODEL];
	ph.cert_operation = v[IC_OP];
	ph.cert_status = v[IC_STATUS];
	ph.finish_time = v[IC_FINISH];
	ph.have_lsc = 1;
	ph.lsc_issuer = nonempty(v[IC_ISSUER]);
	ph.last_ip = nonempty(v[IC_IP]);
	ph.last_node = nonempty(v[IC_NODE]);
	if ((key = strdup(ph.name)) == NULL)
		return err_set(err, ERR_SYSTEM, "out of memory");
	free(ir->last);
	ir->last = key;
	return ir->fn(ir->arg, &ph, err);
}

/* Rows for the next page: what fits in PAGE_BYTES at the size seen. */
static unsigned
next_page(unsigned page, uint64_t bytes, size_t rows, unsigned cap)
{
	uint64_t n;

	if (rows == 0)
		return page;
	n = PAGE_BYTES / (bytes / rows + 1);
	if (n > cap)
		n = cap;
	return n > 0 ? (unsigned)n : 1;
}

/* Reads one statement's pages. */
static int
read_stream(struct inv_read *ir, axl_pause_fn pause, struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	struct axl_client *c = ir->c;
	struct axl_request r;
	unsigned cap = c->page_cap > 0 ? c->page_cap : PAGE_ROWS_MAX;
	unsigned page = c->page[AXL_OP_EXECUTESQLQUERY];
	uint64_t bytes;
	unsigned long left;
	unsigned ask;
	int	 repages = 0, rc = -1;

	if (page > cap)
		page = cap;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = inv_cols;
	r.spec.on_record = on_row;
	r.spec.arg = ir;
	for (;;) {
		/* one row more than the count leaves: a short page ends the
		 * stream without an empty page after it, and a phone added
		 * meanwhile fills it and asks for the next */
		left = ir->info->read - ir->start;
		left = left < ir->count ? ir->count - left : 0;
		ask = left <= page && left < cap ? (unsigned)left + 1 : page;
		if (build_page(c, &r, ir, ask, err) == -1)
			break;
		r.pageable = ask > 1;
		bytes = c->stats->bytes_in;
		if (axl_call(c, &r, err) == 0) {
			if (r.records < ask) {
				rc = 0;
				break;
			}
			page = next_page(page, c->stats->bytes_in - bytes,
			    r.records, cap);
			if (pause != NULL && pause(ir->arg, err) == -1)
				break;
			continue;
		}
		if (ask <= 1 || repages >= MAX_REPAGES)
			break;
		if (err->kind == ERR_TOOLARGE && err->suggest_rows > 0 &&
		    (unsigned long)err->suggest_rows <= ask)
			page = (unsigned)(err->suggest_rows * 4 / 5);
		else if (err->kind == ERR_TOOLARGE || r.dropped)
			page = ask / 2;
		else
			break;
		if (page < 1)
			page = 1;
		/* never asked for more again in this run */
		c->page_cap = cap = page;
		repages++;
		c->stats->retries++;
	}
	buf_free(&r.body, 0);
	return rc;
}

/* The number of phones the selectors hold (one small call). */
static int
count_phones(struct axl_client *c, const struct axl_selector *sel, size_t n,
    unsigned long *count, struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	static const char *const scalars[] = { "return/row/total", NULL };
	struct axl_request r;
	struct buf sql = BUF_INIT;
	char	*end;
	int	 rc = -1;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	buf_printf(&sql, "SELECT COUNT(*) AS total%s", inv_from);
	put_filter(&sql, sel, n);
	if (build_sql(c, &r, &sql, err) == -1)
		goto out;
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.scalars = scalars;
	if (axl_call(c, &r, err) == -1)
		goto out;
	if (r.scalar[0] < '0' || r.scalar[0] > '9' ||
	    (*count = strtoul(r.scalar, &end, 10), *end != '\0')) {
		err_set(err, ERR_PARSE, "executeSQLQuery: the phone count "
		    "\"%.40s\" is not a number", r.scalar);
		goto out;
	}
	rc = 0;
out:
	buf_free(&sql, 0);
	buf_free(&r.body, 0);
	return rc;
}

/* listPhone per selector, when SQL cannot be used. */
static int
fallback(struct axl_client *c, const struct axl_selector *sel, size_t n,
    axl_phone_fn fn, axl_pause_fn pause, void *arg, struct lsc_err *err)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (axl_list_phones(c, sel[i].pool, sel[i].name_like, fn, arg,
		    err) == -1)
			return err_prefix(err, "device pool \"%s\"",
			    sel[i].pool);
		if (pause != NULL && i + 1 < n && pause(arg, err) == -1)
			return -1;
	}
	return 0;
}

int
axl_inventory(struct axl_client *c, const struct axl_selector *sel, size_t n,
    axl_phone_fn fn, axl_pause_fn pause, void *arg,
    struct axl_inventory_info *info, struct lsc_err *err)
{
	struct inv_read ir;
	unsigned long count;
	size_t	 i, k;
	int	 rc;

	memset(info, 0, sizeof(*info));
	if (fn == NULL || (n > 0 && sel == NULL))
		return err_set(err, ERR_USAGE, "inventory: no selector");
	for (i = 0; i < n; i++) {
		if (sel[i].pool == NULL)
			return err_set(err, ERR_USAGE, "inventory: no device "
			    "pool");
		if (check_sql("the device pool name", sel[i].pool, err) == -1 ||
		    check_sql("the name pattern", sel[i].name_like, err) == -1)
			return -1;
	}
	for (i = 0; i < n; i += k) {
		k = n - i < POOLS_PER_QUERY ? n - i : POOLS_PER_QUERY;
		memset(&ir, 0, sizeof(ir));
		ir.c = c;
		ir.sel = sel + i;
		ir.nsel = k;
		ir.fn = fn;
		ir.arg = arg;
		ir.info = info;
		if ((rc = count_phones(c, sel + i, k, &count, err)) == 0) {
			info->expected += count;
			ir.count = count;
			ir.start = info->read;
			/* phones added while it is read are welcome, not a
			 * stream without an end */
			ir.bound = info->expected + info->expected / 10 + 100;
			rc = read_stream(&ir, pause, err);
		}
		free(ir.last);
		if (rc == -1) {
			/* refused before a phone came: no SQL right, or a
			 * data dictionary without these columns */
			if (info->read > 0 || (err->kind != ERR_FAULT &&
			    err->kind != ERR_AUTH))
				return -1;
			info->fallback = 1;
			info->expected = 0;
			(void)snprintf(info->why, sizeof(info->why), "%s",
			    err->msg);
			err_clear(err);
			return fallback(c, sel, n, fn, pause, arg, err);
		}
	}
	return 0;
}

/* --- listPhone ----------------------------------------------------------- */

enum phone_field {
	PF_NAME, PF_DESC, PF_MODEL, PF_POOL, PF_OP, PF_STATUS, PF_FINISH
};

static const char *const phone_fields[] = {
	"name", "description", "model", "devicePoolName",
	"certificateOperation", "certificateStatus", "upgradeFinishTime", NULL
};

struct pool_read {
	const char	*pool;
	const char	*name_like;
	axl_phone_fn	 fn;
	void		*arg;
	unsigned long	 read;
	unsigned long	 at;		/* records of this page so far */
	unsigned long	 given;		/* records of this skip delivered */
};

static int
on_phone(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	struct pool_read *l = arg;
	const char *const *v = rec->values;
	struct axl_phone ph;

	if (v[PF_NAME] == NULL || v[PF_NAME][0] == '\0')
		return err_set(err, ERR_PARSE, "a phone without a name");
	if (++l->read > LISTPHONE_MAX)
		return err_set(err, ERR_PARSE, "listPhone: more than %lu "
		    "phones in one pool: read stopped", LISTPHONE_MAX);
	/* a page asked again after a drop: what came before the drop was
	 * delivered already */
	if (++l->at <= l->given)
		return 0;
	l->given = l->at;
	/*
	 * searchCriteria is a LIKE pattern, where '_' matches any character:
	 * keep only the pool asked for.
	 */
	if (v[PF_POOL] != NULL && strcasecmp(v[PF_POOL], l->pool) != 0)
		return 0;
	memset(&ph, 0, sizeof(ph));
	ph.name = v[PF_NAME];
	ph.description = v[PF_DESC];
	ph.model = v[PF_MODEL];
	ph.device_pool = v[PF_POOL] != NULL && v[PF_POOL][0] != '\0' ?
	    v[PF_POOL] : l->pool;
	ph.cert_operation = v[PF_OP];
	ph.cert_status = v[PF_STATUS];
	ph.finish_time = v[PF_FINISH];
	return l->fn(l->arg, &ph, err);
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
	    "<certificateStatus/><upgradeFinishTime/></returnedTags>");
	buf_printf(b, "<skip>%llu</skip><first>%u</first>", skip, first);
	return axl_finish_body(r, err);
}

/*
 * Reads page after page until one comes back shorter than asked.  A
 * "Query request too large" fault re-pages below the suggested row count,
 * a connection dropped mid-reply halves the page; both retry the same skip
 * (the records delivered before the drop are not delivered again) and the
 * smaller page is kept for the later pools.
 */
int
axl_list_phones(struct axl_client *c, const char *pool, const char *name_like,
    axl_phone_fn fn, void *arg, struct lsc_err *err)
{
	static const char *const record[] = { "return", "phone", NULL };
	struct pool_read l;
	struct axl_request r;
	unsigned long long skip = 0;
	unsigned page = c->page[AXL_OP_LISTPHONE], smaller;
	int	 repages = 0, rc = -1;

	if (pool == NULL || fn == NULL)
		return err_set(err, ERR_USAGE, "listPhone: no device pool");
	if (axl_check_xml(AXL_OP_LISTPHONE, "the device pool name", pool,
	    err) == -1 || axl_check_xml(AXL_OP_LISTPHONE, "the name pattern",
	    name_like, err) == -1)
		return -1;
	memset(&l, 0, sizeof(l));
	l.pool = pool;
	l.name_like = name_like;
	l.fn = fn;
	l.arg = arg;
	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	r.spec.ns = c->ns;
	r.spec.record = record;
	r.spec.fields = phone_fields;
	r.spec.on_record = on_phone;
	r.spec.arg = &l;
	for (;;) {
		if (build_list(c, &r, &l, skip, page, err) == -1)
			break;
		r.pageable = page > 1;
		l.at = 0;
		if (axl_call(c, &r, err) == 0) {
			c->page[AXL_OP_LISTPHONE] = page;
			if (r.records < page) {
				rc = 0;
				break;
			}
			skip += page;
			l.given = 0;
			continue;
		}
		if (page <= 1 || repages >= MAX_REPAGES)
			break;
		if (err->kind == ERR_TOOLARGE) {
			smaller = page / 2;
			if (err->suggest_rows > 0 &&
			    (unsigned long)err->suggest_rows <= page) {
				smaller = (unsigned)(err->suggest_rows * 4 / 5);
				if (smaller >= page)
					smaller = page - 1;
			}
		} else if (r.dropped)
			smaller = page / 2;
		else
			break;
		page = smaller > 0 ? smaller : 1;
		repages++;
		c->stats->retries++;
	}
	buf_free(&r.body, 0);
	return rc;
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
