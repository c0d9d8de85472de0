/*
 * fuzz_store.c — libFuzzer target: a stored phone row holding anything
 * (a damaged file, an edit by hand), read back by the store and decided
 * by the policy.  The input is up to 12 values separated by NUL bytes,
 * for the columns below; a value that reads as a whole number is stored
 * as an integer, any other as text.  Reading must never crash, leak or
 * read out of bounds, and what it makes of the row must be a memory the
 * policy can decide.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axl/base/err.h"
#include "jobs/policy.h"
#include "jobs/store.h"
#include "jobs/store_int.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const cols[] = { "state", "op_phase", "reason",
	"cert_operation", "cert_status", "deadline", "attempts", "failures",
	"lsc_valid_until", "next_retry", "description", "first_offline" };
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static struct store *store;

static void
bind(sqlite3_stmt *st, int i, const char *v, size_t len)
{
	char	*end;
	long long n;

	if (len > 0 && len < 24 && memchr(v, '\0', len) == NULL) {
		char	 num[24];

		memcpy(num, v, len);
		num[len] = '\0';
		n = strtoll(num, &end, 10);
		if (*end == '\0') {
			sqlite3_bind_int64(st, i, n);
			return;
		}
	}
	sqlite3_bind_text(st, i, v, (int)len, SQLITE_TRANSIENT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *v = (const char *)data, *end = v + len, *z;
	struct store_phone p;
	struct phone_memory m;
	struct observation o;
	struct policy pol;
	struct policy_ctx ctx;
	struct lsc_err e;
	sqlite3_stmt *st;
	int	 found;

	if (store == NULL && (store = store_open_memory(&e)) == NULL)
		abort();
	if (sqlite3_exec(store->db, "DELETE FROM phone", NULL, NULL,
	    NULL) != SQLITE_OK || sqlite3_prepare_v2(store->db,
	    "INSERT INTO phone (cluster, name, state, op_phase, reason,"
	    " cert_operation, cert_status, deadline, attempts, failures,"
	    " lsc_valid_until, next_retry, description, first_offline)"
	    " VALUES ('sim', 'SEP001122334455', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?)", -1, &st, NULL) != SQLITE_OK)
		abort();
	for (size_t i = 0; i < NCOLS && v <= end; i++) {
		z = memchr(v, '\0', (size_t)(end - v));
		bind(st, (int)i + 1, v, (size_t)((z != NULL ? z : end) - v));
		v = (z != NULL ? z : end) + 1;
	}
	/* a NOT NULL column left unbound fails the insert: nothing to read */
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
	err_clear(&e);
	if (store_phone_get(store, "sim", "SEP001122334455", &p, &found,
	    &e) == -1 || !found)
		return 0;
	memset(&o, 0, sizeof(o));
	o.present = 1;
	o.have_lsc_data = 1;
	o.cert_operation = p.cert_operation;
	o.cert_status = p.cert_status;
	o.lsc_valid_until = p.lsc_valid_until;
	o.registered = REG_YES;
	policy_defaults(&pol);
	memset(&ctx, 0, sizeof(ctx));
	ctx.now = 1800000000;
	ctx.may_write = 1;
	ctx.budget_left = 1;
	(void)policy_decide(&o, &p.mem, &pol, &ctx, p.name, &m);
	if ((unsigned)m.state >= PS__MAX || (unsigned)m.phase > OP_GROUPED ||
	    strlen(p.damaged) >= sizeof(p.damaged))
		abort();
	return 0;
}
