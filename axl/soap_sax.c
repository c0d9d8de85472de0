/*
 * soap_sax.c — the SAX2 callbacks that walk a SOAP reply.
 *
 * The parser never builds a tree: a record's wanted values are collected
 * into one small buffer, handed to the callback when the record element
 * ends, and forgotten.  A DOCTYPE is refused the moment libxml2 reports it
 * (before any internal subset is parsed), so entity expansion and external
 * entities never happen; no DTD is loaded and nothing is fetched.  Depth,
 * value length and path length are capped here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/soap.h"
#include "axl/soap_int.h"

#define XSI_NS		"http://www.w3.org/2001/XMLSchema-instance"

static const char *const fault_names[SOAP_FF__MAX] = {
	"faultcode", "faultstring", "axlcode", "axlmessage", "request"
};

void
soap_fail(struct soap_parser *p, enum err_kind kind, const char *fmt, ...)
{
	char	 msg[LSC_ERR_MSGLEN];
	va_list	 ap;

	if (!p->failed) {
		p->failed = 1;
		va_start(ap, fmt);
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		err_clear(&p->err);
		err_set(&p->err, kind, "%s", msg);
	}
	xmlStopParser(p->ctxt);
}

static int
ns_is(const xmlChar *uri, const char *want)
{
	return uri != NULL && strcmp((const char *)uri, want) == 0;
}

static int
name_is(const xmlChar *local, const char *want)
{
	return strcmp((const char *)local, want) == 0;
}

/* Whether the attributes hold xsi:nil="true" (or "1"). */
static int
is_nil(int nattr, const xmlChar **attrs)
{
	size_t	 len;
	int	 i;

	for (i = 0; i < nattr; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (!name_is(a[0], "nil") || !ns_is(a[2], XSI_NS))
			continue;
		len = (size_t)(a[4] - a[3]);
		if ((len == 4 && memcmp(a[3], "true", 4) == 0) ||
		    (len == 1 && a[3][0] == '1'))
			return 1;
	}
	return 0;
}

static void
begin_capture(struct soap_parser *p, enum soap_capture cap, size_t index,
    const xmlChar *local)
{
	p->cap = cap;
	p->cap_index = index;
	p->cap_depth = p->depth;
	p->cap_len = 0;
	(void)snprintf(p->cap_name, sizeof(p->cap_name), "%s",
	    (const char *)local);
}

static struct buf *
capture_buf(struct soap_parser *p)
{
	switch (p->cap) {
	case SOAP_CAP_FIELD:
		return &p->rec;
	case SOAP_CAP_CONTEXT:
		return &p->ctx[p->cap_index];
	case SOAP_CAP_SCALAR:
		return &p->scal[p->cap_index];
	case SOAP_CAP_FAULT:
		return &p->fbuf[p->cap_index];
	default:
		return NULL;
	}
}

/* Starts a record: clears its values and takes the "@attr" fields. */
static void
start_record(struct soap_parser *p, int nattr, const xmlChar **attrs)
{
	size_t	 i, len;
	int	 j;

	p->in_record = 1;
	p->record_depth = p->depth;
	buf_reset(&p->rec);
	memset(p->have, 0, sizeof(p->have));
	for (i = 0; i < p->nfields; i++) {
		if (p->field_attr[i] == NULL)
			continue;
		for (j = 0; j < nattr; j++) {
			const xmlChar **a = attrs + 5 * j;

			if (a[2] != NULL || !name_is(a[0], p->field_attr[i]))
				continue;
			len = (size_t)(a[4] - a[3]);
			if (len > SOAP_MAX_VALUE) {
				soap_fail(p, ERR_PARSE, "attribute %s longer "
				    "than %d bytes", p->field_attr[i],
				    SOAP_MAX_VALUE);
				return;
			}
			p->off[i] = p->rec.len;
			p->have[i] = 1;
			buf_append(&p->rec, a[3], len);
			buf_append(&p->rec, "", 1);
			break;
		}
	}
}

static void
end_record(struct soap_parser *p)
{
	const char *values[SOAP_MAX_FIELDS];
	const char *context[SOAP_MAX_FIELDS];
	struct soap_record r;
	size_t	 i;

	p->in_record = 0;
	if (buf_failed(&p->rec)) {
		soap_fail(p, ERR_SYSTEM, "out of memory");
		return;
	}
	for (i = 0; i < p->nfields; i++)
		values[i] = p->have[i] ? p->rec.data + p->off[i] : NULL;
	for (i = 0; i < p->ncontext; i++)
		context[i] = p->ctx_have[i] ? p->ctx[i].data : NULL;
	r.values = values;
	r.context = context;
	r.index = p->nrecords++;
	if (p->spec->on_record == NULL)
		return;
	err_clear(&p->err);
	if (p->spec->on_record(p->spec->arg, &r, &p->err) == -1) {
		if (p->err.kind == ERR_NONE)
			err_set(&p->err, ERR_SYSTEM, "record callback failed");
		p->failed = 1;
		xmlStopParser(p->ctxt);
	}
}

/* An element inside the response element, at path p->path. */
static void
start_in_response(struct soap_parser *p, const xmlChar *local, int nattr,
    const xmlChar **attrs)
{
	const struct soap_spec *s = p->spec;
	size_t	 i;
	int	 nil;

	nil = is_nil(nattr, attrs);
	if (p->record_path != NULL) {
		if (!p->in_record && strcmp(p->path, p->record_path) == 0) {
			start_record(p, nattr, attrs);
			return;
		}
		if (!p->in_record && p->depth == p->record_parent_depth + 1 &&
		    strncmp(p->path, p->record_path,
		    p->record_parent_len) == 0 && (p->record_parent_len == 0 ||
		    p->path[p->record_parent_len] == '/')) {
			/* an element among the records that is not one: a
			 * page the reader cannot account for */
			soap_fail(p, ERR_PARSE, "unexpected element %s among "
			    "the %s records", (const char *)local,
			    p->record_name);
			return;
		}
		if (p->in_record) {
			for (i = 0; i < p->nfields; i++) {
				if (p->field_path[i] == NULL || p->have[i] ||
				    strcmp(p->path, p->field_path[i]) != 0)
					continue;
				if (nil)
					return;
				p->have[i] = 1;
				p->off[i] = p->rec.len;
				begin_capture(p, SOAP_CAP_FIELD, i, local);
				return;
			}
		}
	}
	for (i = 0; i < p->ncontext; i++) {
		if (strcmp(p->path, p->ctx_parent[i]) == 0)
			p->ctx_have[i] = 0;
		if (strcmp(p->path, s->context[i]) == 0 && !nil) {
			buf_reset(&p->ctx[i]);
			p->ctx_have[i] = 1;
			begin_capture(p, SOAP_CAP_CONTEXT, i, local);
			return;
		}
	}
	for (i = 0; i < p->nscalars; i++) {
		if (p->scal_have[i] || nil ||
		    strcmp(p->path, s->scalars[i]) != 0)
			continue;
		p->scal_have[i] = 1;
		begin_capture(p, SOAP_CAP_SCALAR, i, local);
		return;
	}
}

static void
start_in_fault(struct soap_parser *p, const xmlChar *local)
{
	size_t	 i;

	for (i = 0; i < SOAP_FF__MAX; i++) {
		if (p->fhave[i] || !name_is(local, fault_names[i]))
			continue;
		p->fhave[i] = 1;
		begin_capture(p, SOAP_CAP_FAULT, i, local);
		return;
	}
}

static void
start_body_child(struct soap_parser *p, const xmlChar *local,
    const xmlChar *uri)
{
	const struct soap_spec *s = p->spec;

	if (p->body != SOAP_BODY_NONE) {
		soap_fail(p, ERR_PARSE, "more than one element in the SOAP "
		    "Body");
		return;
	}
	if (name_is(local, "Fault") && ns_is(uri, SOAP_ENV_NS)) {
		p->body = SOAP_BODY_FAULT;
		return;
	}
	if (s->response != NULL && !name_is(local, s->response)) {
		soap_fail(p, ERR_PARSE, "unexpected reply element %s "
		    "(expected %s)", (const char *)local, s->response);
		return;
	}
	if (s->ns != NULL && !ns_is(uri, s->ns)) {
		soap_fail(p, ERR_PARSE, "reply %s in namespace %s, expected %s",
		    (const char *)local,
		    uri != NULL ? (const char *)uri : "(none)", s->ns);
		return;
	}
	p->body = SOAP_BODY_RESPONSE;
}

static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **nss, int nattr, int ndef,
    const xmlChar **attrs)
{
	struct soap_parser *p = ctx;
	size_t	 len, at, add;

	(void)prefix;
	(void)nns;
	(void)nss;
	(void)ndef;
	if (p->failed)
		return;
	if (p->depth >= SOAP_MAX_DEPTH) {
		soap_fail(p, ERR_PARSE, "reply nested deeper than %d elements",
		    SOAP_MAX_DEPTH);
		return;
	}
	p->depth++;
	if (p->cap != SOAP_CAP_NONE) {
		/* Markup inside a leaf is ignored, but the path stays the
		 * leaf's: its end tags must not cut the path short. */
		if (p->depth >= 5)
			p->pathlen[p->depth - 4] = p->pathlen[p->depth - 5];
		return;
	}

	switch (p->depth) {
	case 1:
		p->root_seen = 1;
		p->root_other = !name_is(local, "Envelope");
		if (p->root_other || !ns_is(uri, SOAP_ENV_NS)) {
			soap_fail(p, ERR_PARSE, "not a SOAP 1.1 envelope "
			    "(root element %s in namespace %s)",
			    (const char *)local,
			    uri != NULL ? (const char *)uri : "(none)");
			return;
		}
		p->env_seen = 1;
		return;
	case 2:
		if (ns_is(uri, SOAP_ENV_NS) && name_is(local, "Header")) {
			p->in_header = 1;
			return;
		}
		if (ns_is(uri, SOAP_ENV_NS) && name_is(local, "Body") &&
		    !p->in_body) {
			p->in_body = 1;
			return;
		}
		soap_fail(p, ERR_PARSE, "unexpected element %s in the SOAP "
		    "Envelope", (const char *)local);
		return;
	case 3:
		if (p->in_body && !p->in_header)
			start_body_child(p, local, uri);
		return;
	default:
		break;
	}
	if (p->in_header || p->body_done)
		return;
	if (p->body == SOAP_BODY_FAULT) {
		start_in_fault(p, local);
		return;
	}
	if (p->body != SOAP_BODY_RESPONSE)
		return;

	/* Path below the response element (depth 3). */
	len = p->depth == 4 ? 0 : p->pathlen[p->depth - 5];
	at = len;
	add = strlen((const char *)local) + (len > 0 ? 1 : 0);
	if (add >= sizeof(p->path) - len) {
		soap_fail(p, ERR_PARSE, "element path in the reply too long");
		return;
	}
	if (len > 0)
		p->path[at++] = '/';
	memcpy(p->path + at, local, add - (len > 0 ? 1 : 0));
	len += add;
	p->path[len] = '\0';
	p->pathlen[p->depth - 4] = len;
	start_in_response(p, local, nattr, attrs);
}

static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct soap_parser *p = ctx;
	struct buf *b;

	(void)local;
	(void)prefix;
	(void)uri;
	if (p->failed)
		return;
	if (p->cap != SOAP_CAP_NONE && p->cap_depth == p->depth) {
		b = capture_buf(p);
		buf_append(b, "", 1);	/* NUL-separated within rec */
		if (p->cap != SOAP_CAP_FIELD)
			b->len--;	/* single values: keep len exact */
		p->cap = SOAP_CAP_NONE;
	}
	if (p->in_record && p->depth == p->record_depth)
		end_record(p);
	switch (p->depth) {
	case 1:
		p->env_done = 1;
		break;
	case 2:
		p->in_header = 0;
		break;
	case 3:
		if (p->in_body && p->body != SOAP_BODY_NONE)
			p->body_done = 1;
		break;
	default:
		break;
	}
	p->depth--;
	if (p->depth >= 4 && p->body == SOAP_BODY_RESPONSE)
		p->path[p->pathlen[p->depth - 4]] = '\0';
	else if (p->depth < 4)
		p->path[0] = '\0';
}

static void
on_chars(void *ctx, const xmlChar *ch, int len)
{
	struct soap_parser *p = ctx;
	struct buf *b;
	size_t	 max;

	if (p->failed || p->cap == SOAP_CAP_NONE || p->cap_depth != p->depth ||
	    len <= 0)
		return;
	max = p->cap == SOAP_CAP_FAULT ? sizeof(p->fault.faultstring) - 1 :
	    SOAP_MAX_VALUE;
	if ((size_t)len > max - p->cap_len) {
		if (p->cap == SOAP_CAP_FAULT) {
			/* A fault's text is only shown: keep its start. */
			len = (int)(max - p->cap_len);
			if (len == 0)
				return;
		} else {
			soap_fail(p, ERR_PARSE, "value of %s longer than %d "
			    "bytes", p->cap_name, SOAP_MAX_VALUE);
			return;
		}
	}
	b = capture_buf(p);
	if (buf_append(b, ch, (size_t)len) == -1) {
		soap_fail(p, ERR_SYSTEM, "out of memory");
		return;
	}
	p->cap_len += (size_t)len;
}

static void
on_doctype(void *ctx, const xmlChar *name, const xmlChar *eid,
    const xmlChar *sid)
{
	struct soap_parser *p = ctx;

	(void)name;
	(void)eid;
	(void)sid;
	soap_fail(p, ERR_PARSE, "reply has a DOCTYPE (refused: SOAP forbids "
	    "one)");
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pid,
    const xmlChar *sid, xmlChar *content)
{
	struct soap_parser *p = ctx;

	(void)name;
	(void)type;
	(void)pid;
	(void)sid;
	(void)content;
	soap_fail(p, ERR_PARSE, "reply declares an entity (refused)");
}

static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

static void
on_xml_error(void *ctx, xmlErrorPtr e)
{
	struct soap_parser *p = ctx;
	size_t	 n;

	if (e == NULL || e->level < XML_ERR_ERROR || p->xml_failed)
		return;
	p->xml_failed = 1;
	p->xml_line = e->line;
	(void)snprintf(p->xml_msg, sizeof(p->xml_msg), "%s",
	    e->message != NULL ? e->message : "unknown error");
	n = strlen(p->xml_msg);
	while (n > 0 && (p->xml_msg[n - 1] == '\n' || p->xml_msg[n - 1] == ' '))
		p->xml_msg[--n] = '\0';
}


void
soap_sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_chars;
	sax->cdataBlock = on_chars;
	sax->internalSubset = on_doctype;
	sax->externalSubset = on_doctype;
	sax->entityDecl = on_entity_decl;
	sax->getEntity = on_get_entity;
	sax->getParameterEntity = on_get_entity;
	sax->serror = on_xml_error;
}
