/*
 * store_probe.c — probe results and the CA certificates phones sent.
 */
#include <stdio.h>
#include <string.h>

#include "jobs/store_int.h"
#include "jobs/store_probe.h"

#define PROBE_COLS "id, cluster, phone, at, address, port, outcome, reason," \
	" kind, subject, issuer, serial, not_before, not_after, sha256, aki," \
	" chain, verified, verify_error, class, class_reason"

/* The rows of one key: a phone by name, else an address probed alone. */
#define PROBE_KEY "cluster, phone IS NULL, COALESCE(phone, address)"

static void
bind_probe(sqlite3_stmt *st, const struct store_probe *p)
{
	const char *t[] = { p->cluster, p->phone, NULL, p->address, NULL,
	    p->outcome, p->reason, p->kind, p->subject, p->issuer, p->serial,
	    NULL, NULL, p->sha256, p->aki, p->chain, NULL, p->verify_error,
	    p->class, p->class_reason };

	for (int i = 0; i < (int)(sizeof(t) / sizeof(t[0])); i++)
		store_bind_text(st, i + 1, t[i]);
	sqlite3_bind_int64(st, 3, p->at);
	sqlite3_bind_int64(st, 5, p->port);
	if (p->outcome != NULL && strcmp(p->outcome, "presented") == 0) {
		sqlite3_bind_int64(st, 12, p->not_before);
		sqlite3_bind_int64(st, 13, p->not_after);
	}
	if (p->verified >= 0)
		sqlite3_bind_int(st, 17, p->verified != 0);
}

static int
add_ca(struct store *s, const struct store_probe_ca *c, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_prepare(s, "INSERT OR IGNORE INTO probe_ca (sha256,"
	    " subject, issuer, ski, aki, self_signed, der, first_seen)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, c->sha256);
	store_bind_text(st, 2, c->subject);
	store_bind_text(st, 3, c->issuer);
	store_bind_text(st, 4, c->ski);
	store_bind_text(st, 5, c->aki);
	sqlite3_bind_int(st, 6, c->self_signed != 0);
	sqlite3_bind_blob(st, 7, c->der, (int)c->der_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, c->first_seen);
	return store_step_once(s, st, "recording a phone's CA certificate", e);
}

int
store_probe_add(struct store *s, const struct store_probe *p,
    const struct store_probe_ca *cas, size_t ncas, int64_t *id,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	int own = sqlite3_get_autocommit(s->db);
	size_t i;

	if (own && store_begin(s, e) == -1)
		return -1;
	for (i = 0; i < ncas; i++)
		if (add_ca(s, &cas[i], e) == -1)
			goto fail;
	st = store_prepare(s, "INSERT INTO probe (cluster, phone, at,"
	    " address, port, outcome, reason, kind, subject, issuer, serial,"
	    " not_before, not_after, sha256, aki, chain, verified,"
	    " verify_error, class, class_reason) VALUES (?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
	if (st == NULL)
		goto fail;
	bind_probe(st, p);
	if (store_step_once(s, st, "recording a probe", e) == -1)
		goto fail;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	if (own && store_commit(s, e) == -1)
		goto fail;
	return 0;
fail:
	if (own)
		store_rollback(s);
	return -1;
}

static void
row_to_probe(sqlite3_stmt *st, struct store_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->cluster = store_col_text(st, 1);
	p->phone = store_col_text(st, 2);
	p->at = sqlite3_column_int64(st, 3);
	p->address = store_col_text(st, 4);
	p->port = (unsigned)sqlite3_column_int64(st, 5);
	p->outcome = store_col_text(st, 6);
	p->reason = store_col_text(st, 7);
	p->kind = store_col_text(st, 8);
	p->subject = store_col_text(st, 9);
	p->issuer = store_col_text(st, 10);
	p->serial = store_col_text(st, 11);
	p->not_before = sqlite3_column_int64(st, 12);
	p->not_after = sqlite3_column_int64(st, 13);
	p->sha256 = store_col_text(st, 14);
	p->aki = store_col_text(st, 15);
	p->chain = store_col_text(st, 16);
	p->verified = sqlite3_column_type(st, 17) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 17);
	p->verify_error = store_col_text(st, 18);
	p->class = store_col_text(st, 19);
	p->class_reason = store_col_text(st, 20);
}

static int
walk_probes(struct store *s, sqlite3_stmt *st, store_probe_fn fn, void *arg,
    struct lsc_err *e)
{
	struct store_probe p;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_probe(st, &p);
		if (fn(arg, &p, e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading probes", e);
}

int
store_each_latest_probe(struct store *s, const char *cluster,
    store_probe_fn fn, void *arg, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_prepare(s, "SELECT " PROBE_COLS " FROM (SELECT *,"
	    " ROW_NUMBER() OVER (PARTITION BY " PROBE_KEY " ORDER BY at DESC,"
	    " id DESC) AS n FROM probe WHERE ?1 IS NULL OR cluster = ?1)"
	    " WHERE n = 1 ORDER BY cluster, COALESCE(phone, address),"
	    " phone IS NULL", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	return walk_probes(s, st, fn, arg, e);
}

int
store_each_phone_probe(struct store *s, const char *cluster,
    const char *phone, unsigned limit, store_probe_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_prepare(s, "SELECT " PROBE_COLS " FROM probe WHERE"
	    " cluster = ? AND phone = ? ORDER BY at DESC, id DESC LIMIT ?", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, phone);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (sqlite3_int64)limit);
	return walk_probes(s, st, fn, arg, e);
}

int
store_each_probe_ca(struct store *s, store_probe_ca_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	struct store_probe_ca c;
	int rc;

	st = store_prepare(s, "SELECT sha256, subject, issuer, ski, aki,"
	    " self_signed, der, first_seen FROM probe_ca ORDER BY sha256", e);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.sha256 = store_col_text(st, 0);
		c.subject = store_col_text(st, 1);
		c.issuer = store_col_text(st, 2);
		c.ski = store_col_text(st, 3);
		c.aki = store_col_text(st, 4);
		c.self_signed = sqlite3_column_int(st, 5);
		c.der = sqlite3_column_blob(st, 6);
		c.der_len = (size_t)sqlite3_column_bytes(st, 6);
		c.first_seen = sqlite3_column_int64(st, 7);
		if (fn(arg, &c, e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading the phones' CAs", e);
}

int
store_probe_prune(struct store *s, int64_t before, unsigned long *n,
    struct lsc_err *e)
{
	char sql[512];

	/* each phone's (and each lone address's) latest probe stays */
	snprintf(sql, sizeof(sql), "DELETE FROM probe WHERE at < %lld AND id"
	    " NOT IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION"
	    " BY " PROBE_KEY " ORDER BY at DESC, id DESC) AS k FROM probe)"
	    " WHERE k = 1)", (long long)before);
	if (store_exec(s, sql, e) == -1)
		return -1;
	*n += (unsigned long)sqlite3_changes(s->db);
	if (store_exec(s, "DELETE FROM probe_ca WHERE NOT EXISTS (SELECT 1"
	    " FROM probe WHERE instr(' ' || chain || ' ', ' ' ||"
	    " probe_ca.sha256 || ' ') > 0)", e) == -1)
		return -1;
	*n += (unsigned long)sqlite3_changes(s->db);
	return 0;
}
