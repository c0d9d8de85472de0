/*
 * bat.c — BAT custom files, for administrators who push the CAPF
 * operation themselves with Bulk Administration (Update Phones, custom
 * file of device names).
 *
 * Which phones: those in state "due" that were registered when last
 * evaluated (seen registered by the run that last wrote them: last_seen at
 * or after the row's update).  That is the phones lscrenew found due and
 * online but did not write: the maintenance window was closed, the run
 * limit was reached, writes were held, or the run was not allowed to
 * write.  A BAT push reaches them now.  Left out: offline phones (a push
 * does not start on them either: that is what left-behind is for), phones
 * in flight, failed or needing attention (fix the cause first), and phones
 * reset by an administrator and not evaluated since (registration
 * unknown).
 *
 * On a stream: one section per device pool that has such phones, headed
 * by a comment line "# <cluster>/<pool> (<n> phones)", a blank line
 * between sections; nothing at all when no phone qualifies (cron stays
 * silent).  The comment lines are for reading: upload the per-pool files
 * report_write_bat_dir() writes, which hold only device names, one per
 * line (LF), in name order.
 */
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

static int
bat_due(const struct store_phone *p)
{
	return p->mem.state == PS_DUE && p->last_seen > 0 &&
	    p->last_seen >= p->updated;
}

/* The phones come by cluster, pool and name: a new pool opens a group. */
static int
phone_cb(void *arg, const struct store_phone *ph, struct lsc_err *e)
{
	struct report_bat *bt = arg;
	struct report_bat_pool *p = bt->n > 0 ? &bt->p[bt->n - 1] : NULL;
	const char *pool = ph->pool != NULL ? ph->pool : "";
	const char **v;

	if (ph->mem.state == PS_GONE)
		return 0;
	/* every pool gets its group (and its BAT file), due phones or not */
	if (p == NULL || strcmp(p->key.cluster, ph->cluster) != 0 ||
	    strcmp(p->key.pool, pool) != 0) {
		if ((p = report_grow(bt->p, bt->n, &bt->cap, sizeof(*p),
		    16)) == NULL)
			return report_syserr(e, "listing phones");
		bt->p = p;
		p = &bt->p[bt->n];
		memset(p, 0, sizeof(*p));
		p->key.cluster = report_phones_dup(&bt->strings, ph->cluster);
		p->key.campaign = "";
		p->key.pool = report_phones_dup(&bt->strings, pool);
		if (p->key.cluster == NULL || p->key.pool == NULL)
			return report_syserr(e, "listing phones");
		bt->n++;
	}
	if (!bat_due(ph) || ph->name == NULL)
		return 0;
	if ((v = report_grow(p->names, p->n, &p->cap, sizeof(*v), 16)) == NULL)
		return report_syserr(e, "listing phones");
	p->names = v;
	if ((p->names[p->n] = report_phones_dup(&bt->strings, ph->name)) ==
	    NULL)
		return report_syserr(e, "listing phones");
	p->n++;
	return 0;
}

int
report_bat_collect(struct report_ctx *ctx, struct report_bat *bt)
{
	struct store_filter f;

	memset(bt, 0, sizeof(*bt));
	report_filter(ctx->o, &f);
	f.order = STORE_ORDER_POOL;
	return store_each_phone(ctx->store, &f, phone_cb, bt, ctx->e);
}

void
report_bat_free(struct report_bat *bt)
{
	if (bt == NULL)
		return;
	for (size_t i = 0; i < bt->n; i++)
		free(bt->p[i].names);
	free(bt->p);
	report_phones_free(&bt->strings);
	memset(bt, 0, sizeof(*bt));
}

int
report_bat(struct report_ctx *ctx)
{
	struct report_bat bt;
	struct buf *b = ctx->out;
	int sections = 0, rc = -1;

	if (report_bat_collect(ctx, &bt) == -1)
		goto out;
	for (size_t i = 0; i < bt.n; i++) {
		const struct report_bat_pool *p = &bt.p[i];

		if (p->n == 0)
			continue;
		if (sections++ > 0)
			buf_puts(b, "\n");
		buf_puts(b, "# ");
		buf_put_text(b, p->key.cluster, strlen(p->key.cluster));
		buf_puts(b, "/");
		buf_put_text(b, p->key.pool, strlen(p->key.pool));
		buf_printf(b, " (%zu phone%s)\n", p->n, p->n == 1 ? "" : "s");
		for (size_t k = 0; k < p->n; k++) {
			buf_put_text(b, p->names[k], strlen(p->names[k]));
			buf_puts(b, "\n");
		}
		ctx->res.rows += p->n;
	}
	rc = 0;
out:
	report_bat_free(&bt);
	return rc;
}
