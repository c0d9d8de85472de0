/*
 * soap_build.c — SOAP 1.1 request envelopes.
 *
 * Values go through buf_put_xml(), which refuses what XML cannot carry;
 * element and prefix names are checked too, so no argument can break the
 * envelope.  A failure marks the buffer failed (checked once at the end).
 */
#include <stddef.h>

#include "axl/base/buf.h"
#include "axl/soap.h"


/* Operation and element names are ours, but never let one break the XML. */
static int
valid_name(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return 0;
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	    *s == '_'))
		return 0;
	for (p = s + 1; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			return 0;
	return 1;
}

int
soap_begin_ns(struct buf *b, const char *prefix, const char *body_ns,
    const char *op, unsigned long long seq)
{
	if (!valid_name(prefix) || !valid_name(op) || body_ns == NULL) {
		b->failed = 1;
		return -1;
	}
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<soapenv:Envelope xmlns:soapenv=\"" SOAP_ENV_NS "\" xmlns:");
	buf_puts(b, prefix);
	buf_puts(b, "=\"");
	buf_put_xml(b, body_ns);
	buf_printf(b, "\"><soapenv:Header/><soapenv:Body><%s:%s", prefix, op);
	if (seq != 0)
		buf_printf(b, " sequence=\"%llu\"", seq);
	buf_puts(b, ">");
	return buf_failed(b) ? -1 : 0;
}

int
soap_begin(struct buf *b, const char *body_ns, const char *op,
    unsigned long long seq)
{
	return soap_begin_ns(b, "ns", body_ns, op, seq);
}

int
soap_end_ns(struct buf *b, const char *prefix, const char *op)
{
	if (!valid_name(prefix) || !valid_name(op)) {
		b->failed = 1;
		return -1;
	}
	buf_printf(b, "</%s:%s></soapenv:Body></soapenv:Envelope>", prefix,
	    op);
	return buf_failed(b) ? -1 : 0;
}

int
soap_end(struct buf *b, const char *op)
{
	return soap_end_ns(b, "ns", op);
}

int
soap_elem_ns(struct buf *b, const char *prefix, const char *name,
    const char *text)
{
	const char *colon = prefix != NULL ? ":" : "";

	if (prefix == NULL)
		prefix = "";
	else if (!valid_name(prefix)) {
		b->failed = 1;
		return -1;
	}
	if (!valid_name(name)) {
		b->failed = 1;
		return -1;
	}
	if (text == NULL)
		return buf_failed(b) ? -1 : 0;
	buf_printf(b, "<%s%s%s>", prefix, colon, name);
	buf_put_xml(b, text);
	buf_printf(b, "</%s%s%s>", prefix, colon, name);
	return buf_failed(b) ? -1 : 0;
}

int
soap_elem(struct buf *b, const char *name, const char *text)
{
	return soap_elem_ns(b, NULL, name, text);
}
