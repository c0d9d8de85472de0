/*
 * fuzz_soap.c — libFuzzer target: any bytes as a listPhone, executeSQLQuery
 * or RisPort70 reply, fed to the streaming parser in two pieces.  The parser
 * must never crash, leak or read out of bounds, whatever it is given.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axl/base/err.h"
#include "axl/soap.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct seen {
	size_t	 nfields;
	size_t	 bytes;
};

/* Touches every value, so a dangling pointer shows under ASan. */
static int
on_record(void *arg, const struct soap_record *r, struct lsc_err *e)
{
	struct seen *s = arg;

	(void)e;
	for (size_t i = 0; i < s->nfields; i++)
		if (r->values[i] != NULL)
			s->bytes += strlen(r->values[i]);
	return 0;
}

static const char *const phone_record[] = { "return", "phone", NULL };
static const char *const phone_fields[] = { "name", "@uuid", "description",
	"devicePoolName", "certificateStatus", NULL };
static const char *const ris_record[] = { "selectCmDeviceReturn",
	"SelectCmDeviceResult", "CmNodes", "item", "CmDevices", "item", NULL };
static const char *const ris_fields[] = { "Name", "Status", "TimeStamp",
	"IPAddress/item/IP", NULL };
static const char *const ris_context[] = { "selectCmDeviceReturn/"
	"SelectCmDeviceResult/CmNodes/item/Name", NULL };
static const char *const ris_scalars[] = { "selectCmDeviceReturn/"
	"SelectCmDeviceResult/TotalDevicesFound", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct soap_spec spec[2];
	struct soap_parser *p;
	struct lsc_err e;
	struct seen seen[2] = { { 5, 0 }, { 4, 0 } };
	size_t cut;

	memset(spec, 0, sizeof(spec));
	spec[0].ns = "http://www.cisco.com/AXL/API/14.0";
	spec[0].response = "listPhoneResponse";
	spec[0].record = phone_record;
	spec[0].fields = phone_fields;
	spec[1].ns = "http://schemas.cisco.com/ast/soap";
	spec[1].response = "selectCmDeviceResponse";
	spec[1].record = ris_record;
	spec[1].fields = ris_fields;
	spec[1].context = ris_context;
	spec[1].scalars = ris_scalars;
	for (int i = 0; i < 2; i++) {
		spec[i].on_record = on_record;
		spec[i].arg = &seen[i];
		err_clear(&e);
		if ((p = soap_parser_new(&spec[i], &e)) == NULL)
			continue;
		cut = len > 0 ? data[0] % (len + 1) : 0;
		if (soap_parser_feed(p, (const char *)data, cut, &e) == 0 &&
		    soap_parser_feed(p, (const char *)data + cut, len - cut,
		    &e) == 0 && soap_parser_finish(p, &e) == 1)
			(void)soap_parser_fault(p);
		soap_parser_free(p);
	}
	return 0;
}
