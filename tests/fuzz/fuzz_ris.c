/*
 * fuzz_ris.c — libFuzzer target: any bytes as RisPort70's answer to
 * selectCmDevice, read by the RisPort70 client (nodes merged, totals,
 * duplicates) as a run reads it.  It must report what it cannot use,
 * never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axl/base/err.h"
#include "axl/ris.h"
#include "tests/unit/fake_http.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Touches every field, so a dangling pointer shows under ASan. */
static int
on_device(void *arg, const struct ris_device *d, struct lsc_err *e)
{
	size_t	*n = arg;

	(void)e;
	*n += strlen(d->name) + (size_t)d->registered + (size_t)d->timestamp;
	*n += d->status != NULL ? strlen(d->status) : 0;
	*n += d->ip != NULL ? strlen(d->ip) : 0;
	*n += d->node != NULL ? strlen(d->node) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "SEP001122334455",
		"SEP00112233445A", "SEP001122334455", "CSFJDOE" };
	struct fake_http *f = fake_http_new();
	struct fake_clock clk;
	struct ris_options o;
	struct ris_client *c;
	struct lsc_err e;
	size_t	 n = 0;

	fake_clock_init(&clk);
	/* the body for every try (a cut answer is asked again, smaller) */
	fake_http_push_bytes(f, data, len, 8);
	memset(&o, 0, sizeof(o));
	o.url = "https://cucm.example:8443/realtimeservice2/services/"
	    "RISService70";
	o.rate_per_minute = 0;
	o.max_names = 2;
	o.clock = &clk.c;
	err_clear(&e);
	if ((c = ris_new(&f->t, &o, &e)) != NULL) {
		(void)ris_select(c, names, sizeof(names) / sizeof(names[0]),
		    on_device, &n, &e);
		ris_free(c);
	}
	http_free(&f->t);
	return 0;
}
