/*
 * fuzz_sql.c — libFuzzer target: any bytes as the executeSQLQuery page of
 * the inventory (the rows: names, descriptions, issuers, the packed column
 * x of pool, enums, dates, addresses), read by the AXL client as a run
 * reads it, after a count of 3 phones.
 * Every page asked after the first gets the same bytes.  It must report
 * what it cannot use, never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axl/axl.h"
#include "axl/axl_int.h"
#include "axl/base/err.h"
#include "tests/unit/fake_http.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The count of 3 phones, with the type tables' names (the enums the rows'
 * packed column x carries). */
#define COUNT_3 "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap." \
	"org/soap/envelope/\"><soapenv:Body><ns:executeSQLQueryResponse " \
	"xmlns:ns=\"http://www.cisco.com/AXL/API/14.0\"><return><row><kind>1" \
	"</kind><enum>1</enum><name>No Pending Operation</name></row><row>" \
	"<kind>2</kind><enum>1</enum><name>None</name></row><row><kind>2" \
	"</kind><enum>3</enum><name>Upgrade Success</name></row><row><kind>3" \
	"</kind><enum>622</enum><name>Cisco 7841</name></row><row><kind>0" \
	"</kind><enum>3</enum><name/></row></return>" \
	"</ns:executeSQLQueryResponse></soapenv:Body></soapenv:Envelope>"

/* Touches every field, so a dangling pointer shows under ASan. */
static int
on_phone(void *arg, const struct axl_phone *p, struct lsc_err *e)
{
	const char *const s[] = { p->name, p->description, p->model,
		p->device_pool, p->cert_operation, p->cert_status,
		p->finish_time, p->lsc_issuer, p->last_ip, p->last_node };
	size_t	*n = arg;

	(void)e;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		*n += s[i] != NULL ? strlen(s[i]) : 0;
	*n += (size_t)(p->lsc_valid_until + p->last_seen + p->have_lsc);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct axl_selector sel = { "HQ Phones", NULL };
	struct axl_inventory_info info;
	struct fake_http *f = fake_http_new();
	struct fake_clock clk;
	struct axl_options o;
	struct axl_client *c;
	struct lsc_err e;
	size_t	 n = 0;

	fake_clock_init(&clk);
	fake_http_push_body(f, 200, COUNT_3, 0);
	fake_http_push_bytes(f, data, len, 8);
	memset(&o, 0, sizeof(o));
	o.url = "https://cucm.example:8443/axl/";
	o.version = "14.0";
	o.retry.attempts = 1;
	o.clock = &clk.c;
	err_clear(&e);
	if ((c = axl_new(&f->t, &o, &e)) != NULL) {
		axl_set_version(c, "14.0");
		(void)axl_inventory(c, &sel, 1, on_phone, NULL, &n, &info, &e);
		axl_free(c);
	}
	http_free(&f->t);
	return 0;
}
