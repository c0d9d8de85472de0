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
 * A row is four columns: the name (the key), the description and the
 * issuer (free text), and x, the rest packed with '|' between the values:
 * the pool as its place in the statement's CASE, the model, CAPF operation
 * and status as the numbers the device row holds (named by the type tables
 * read with the count), the LSC's expiry, the last registration's time,
 * upgradefinishtime, the last IP and (last, so it may hold anything) the
 * last node.  Each column costs its tags: so packed, a row is about 160
 * bytes instead of 260, and 40,000 phones fit in 12 MB with RisPort70.
 */
enum inv_col { IC_NAME, IC_DESC, IC_ISSUER, IC_PACKED, IC__MAX };

static const char *const inv_cols[IC__MAX + 1] = { "n", "e", "i", "x", NULL };

enum inv_packed {
	IX_POOL, IX_MODEL, IX_OP, IX_STATUS, IX_VALID, IX_SEEN, IX_FINISH,
	IX_IP, IX_NODE, IX__MAX
};

static const char inv_packed[] =
	" || '|' || d.tkmodel || '|' || d.tkcertificateoperation"
	" || '|' || d.tkcertificatestatus || '|' || NVL(d.lscvaliduntil, 0)"
	" || '|' || NVL(rd.lastseen, 0) || '|' || NVL(d.upgradefinishtime, '')"
	" || '|' || NVL(rd.lastknownipaddress, '')"
	" || '|' || NVL(rd.lastknownucm, '') AS x";

static const char inv_from[] =
	" FROM device d INNER JOIN devicepool dp ON d.fkdevicepool = dp.pkid"
	" LEFT OUTER JOIN registrationdynamic rd ON rd.fkdevice = d.pkid";

/* The type tables whose enums the rows carry, as numbered in the count. */
enum { TT_COUNT, TT_OP, TT_STATUS, TT_MODEL };

static const char *const type_tables[] = {
	NULL, "typecertificateoperation", "typecertificatestatus", "typemodel"
};

struct tname {
	int		 table;
	long		 key;
	char		*name;
};

struct types {
	struct tname	*v;
	size_t		 n, cap;
	int		 sorted;
};

struct inv_read {
	struct axl_client	*c;
	const struct axl_selector *sel;	/* this statement's selectors */
	size_t			 nsel;
	const char		**pools;	/* its pools, each once */
	size_t			 npools;
	struct types		*types;
	axl_phone_fn		 fn;
	void			*arg;
	struct axl_inventory_info *info;
	unsigned long		 bound;	/* rows past which CUCM is wrong */
	unsigned long		 count;	/* rows CUCM counted for it */
	unsigned long		 start;	/* info->read before it */
	char			*last;	/* the key: last name delivered */
};

static int
by_key(const void *a, const void *b)
{
	const struct tname *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void
types_free(struct types *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* A whole decimal number in s, at most max; -1 if it is none. */
static long
number(const char *s, long max)
{
	char	*end;
	long	 n;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	n = strtol(s, &end, 10);
	return *end != '\0' || n > max ? -1 : n;
}

/* The name enum v of type table t has, or NULL with the error set. */
static const char *
type_name(struct types *t, const char *phone, int table, const char *v,
    struct lsc_err *err)
{
	struct tname k, *hit = NULL;

	if (!t->sorted) {
		if (t->n > 0)
			qsort(t->v, t->n, sizeof(*t->v), by_key);
		t->sorted = 1;
	}
	k.table = table;
	if ((k.key = number(v, LONG_MAX - 1)) >= 0 && t->n > 0)
		hit = bsearch(&k, t->v, t->n, sizeof(*t->v), by_key);
	if (hit == NULL)
		err_set(err, ERR_PARSE, "%s: enum \"%.20s\" is not in %s", phone,
		    v, type_tables[table]);
	return hit != NULL ? hit->name : NULL;
}

/* A row of the count and the type tables. */
static int
on_type(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	struct inv_read *ir = arg;
	struct types *t = ir->types;
	const char *const *v = rec->values;
	long	 table = number(v[0], TT_MODEL), key = number(v[1], LONG_MAX - 1);
	struct tname *nv;

	if (table < 0 || key < 0)
		return err_set(err, ERR_PARSE, "the count or type row (%.20s, "
		    "%.20s) is not two numbers", v[0] != NULL ? v[0] : "",
		    v[1] != NULL ? v[1] : "");
	if (table == TT_COUNT) {
		ir->count = (unsigned long)key;
		return 0;
	}
	if (t->n == t->cap) {
		t->cap = t->cap > 0 ? t->cap * 2 : 64;
		if ((nv = realloc(t->v, t->cap * sizeof(*nv))) == NULL)
			return err_set(err, ERR_SYSTEM, "out of memory");
		t->v = nv;
	}
	nv = &t->v[t->n];
	nv->table = (int)table;
	nv->key = key;
	if ((nv->name = strdup(v[2] != NULL ? v[2] : "")) == NULL)
		return err_set(err, ERR_SYSTEM, "out of memory");
	t->n++;
	t->sorted = 0;
	return 0;
}

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

	buf_printf(&sql, "SELECT FIRST %u d.name AS n, d.description AS e, "
	    "d.lscissuername AS i, CASE dp.name", first);
	for (size_t i = 0; i < ir->npools; i++) {
		buf_puts(&sql, " WHEN ");
		buf_put_sql_literal(&sql, ir->pools[i]);
		buf_printf(&sql, " THEN %zu", i);
	}
	buf_printf(&sql, " END%s%s", inv_packed, inv_from);
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

/* Splits the packed column x of phone name into f (in buf). */
static int
unpack(const char *name, const char *x, char *buf, size_t size,
    char *f[IX__MAX], struct lsc_err *err)
{
	size_t	 n = x != NULL ? strlen(x) : 0, i;
	char	*p = buf, *bar;

	if (n == 0 || n >= size)
		return err_set(err, ERR_PARSE, "%s: column x is %s", name,
		    n == 0 ? "empty" : "too long");
	memcpy(buf, x, n + 1);
	for (i = 0; i < IX__MAX; i++) {
		f[i] = p;
		if (i + 1 == IX__MAX)	/* the node: the rest */
			break;
		if ((bar = strchr(p, '|')) == NULL)
			return err_set(err, ERR_PARSE, "%s: column x \"%.60s\" "
			    "holds %zu values, not %d", name, x, i + 1,
			    IX__MAX);
		*bar = '\0';
		p = bar + 1;
	}
	return 0;
}

static int
on_row(void *arg, const struct soap_record *rec, struct lsc_err *err)
{
	struct inv_read *ir = arg;
	const char *const *v = rec->values;
	struct axl_phone ph;
	char	 buf[1024], *f[IX__MAX], *key;
	long	 pool;

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
	if (unpack(ph.name, v[IC_PACKED], buf, sizeof(buf), f, err) == -1)
		return -1;
	if ((pool = number(f[IX_POOL], (long)ir->npools - 1)) < 0)
		return err_set(err, ERR_PARSE, "%s: device pool \"%.20s\" is "
		    "not one asked for", ph.name, f[IX_POOL]);
	if (epoch_column(ph.name, "lscvaliduntil", f[IX_VALID],
	    &ph.lsc_valid_until, err) == -1 ||
	    epoch_column(ph.name, "lastseen", f[IX_SEEN], &ph.last_seen,
	    err) == -1 ||
	    (ph.model = type_name(ir->types, ph.name, TT_MODEL, f[IX_MODEL],
	    err)) == NULL ||
	    (ph.cert_operation = type_name(ir->types, ph.name, TT_OP,
	    f[IX_OP], err)) == NULL ||
	    (ph.cert_status = type_name(ir->types, ph.name, TT_STATUS,
	    f[IX_STATUS], err)) == NULL)
		return -1;
	ph.description = v[IC_DESC];
	ph.device_pool = ir->pools[pool];
	ph.finish_time = f[IX_FINISH];
	ph.have_lsc = 1;
	ph.lsc_issuer = nonempty(v[IC_ISSUER]);
	ph.last_ip = nonempty(f[IX_IP]);
	ph.last_node = nonempty(f[IX_NODE]);
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

/*
 * The number of phones of the statement's selectors, and in the first
 * statement the names of the type tables' enums (one small call).
 */
static int
count_phones(struct inv_read *ir, struct lsc_err *err)
{
	static const char *const record[] = { "return", "row", NULL };
	static const char *const fields[] = { "kind", "enum", "name", NULL };
	struct axl_request r;
	struct buf sql = BUF_INIT;
	int	 rc = -1;

	memset(&r, 0, sizeof(r));
	buf_init(&r.body);
	if (ir->types->n == 0)
		buf_puts(&sql, "SELECT 1 AS kind, enum, name FROM "
		    "typecertificateoperation UNION ALL SELECT 2, enum, name "
		    "FROM typecertificatestatus UNION ALL SELECT 3, enum, name "
		    "FROM typemodel UNION ALL SELECT 0, COUNT(*), ''");
	else
		buf_puts(&sql, "SELECT 0 AS kind, COUNT(*) AS enum, '' AS name");
	buf_puts(&sql, inv_from);
	put_filter(&sql, ir->sel, ir->nsel);
	if (build_sql(ir->c, &r, &sql, err) == -1)
		goto out;
	r.spec.ns = ir->c->ns;
	r.spec.record = record;
	r.spec.fields = fields;
	r.spec.on_record = on_type;
	r.spec.arg = ir;
	ir->count = ULONG_MAX;
	if (axl_call(ir->c, &r, err) == -1)
		goto out;
	if (ir->count == ULONG_MAX) {
		err_set(err, ERR_PARSE, "executeSQLQuery: no phone count in "
		    "the reply");
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

/* Whether s is among the n pools of v. */
static int
listed(const char **v, size_t n, const char *s)
{
	while (n-- > 0)
		if (strcmp(v[n], s) == 0)
			return 1;
	return 0;
}

int
axl_inventory(struct axl_client *c, const struct axl_selector *sel, size_t n,
    axl_phone_fn fn, axl_pause_fn pause, void *arg,
    struct axl_inventory_info *info, struct lsc_err *err)
{
	struct types types;
	struct inv_read ir;
	const char **pools = NULL;
	size_t	 i, j, k;
	int	 rc = 0;

	memset(info, 0, sizeof(*info));
	memset(&types, 0, sizeof(types));
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
	if (n > 0 && (pools = calloc(n, sizeof(*pools))) == NULL)
		return err_set(err, ERR_SYSTEM, "out of memory");
	for (i = 0; i < n && rc == 0; i += k) {
		k = n - i < POOLS_PER_QUERY ? n - i : POOLS_PER_QUERY;
		memset(&ir, 0, sizeof(ir));
		ir.c = c;
		ir.sel = sel + i;
		ir.nsel = k;
		ir.pools = pools;
		for (j = 0; j < k; j++)	/* each pool once in the CASE */
			if (!listed(pools, ir.npools, sel[i + j].pool))
				pools[ir.npools++] = sel[i + j].pool;
		ir.types = &types;
		ir.fn = fn;
		ir.arg = arg;
		ir.info = info;
		if ((rc = count_phones(&ir, err)) == 0) {
			info->expected += ir.count;
			ir.start = info->read;
			/* phones added while it is read are welcome, not a
			 * stream without an end */
			ir.bound = info->expected + info->expected / 10 + 100;
			rc = read_stream(&ir, pause, err);
		}
		free(ir.last);
	}
	types_free(&types);
	free(pools);
	/* refused before a phone came: no SQL right, or a data dictionary
	 * without these columns */
	if (rc == 0 || info->read > 0 || (err->kind != ERR_FAULT &&
	    err->kind != ERR_AUTH))
		return rc;
	info->fallback = 1;
	info->expected = 0;
	(void)snprintf(info->why, sizeof(info->why), "%s", err->msg);
	err_clear(err);
	return fallback(c, sel, n, fn, pause, arg, err);
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
