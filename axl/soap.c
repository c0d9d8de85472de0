/*
 * soap.c — SOAP 1.1 envelopes out; records and faults streamed in through
 * libxml2's SAX2 push parser.
 *
 * The parser never builds a tree: a record's wanted values are collected
 * into one small buffer, handed to the callback when the record element
 * ends, and forgotten.  A DOCTYPE is refused the moment libxml2 reports it
 * (before any internal subset is parsed), so entity expansion and external
 * entities never happen; no DTD is loaded and nothing is fetched.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "axl/buf.h"
#include "axl/err.h"
#include "axl/http.h"
#include "axl/soap.h"

#define XSI_NS		"http://www.w3.org/2001/XMLSchema-instance"
#define PATH_MAX_LEN	1024	/* bytes of a path below the response */
#define PROLOG_MAX	4096	/* bytes allowed before the Envelope */

enum body_kind {
	BODY_NONE,
	BODY_RESPONSE,
	BODY_FAULT
};

enum capture {
	CAP_NONE,
	CAP_FIELD,
	CAP_CONTEXT,
	CAP_SCALAR,
	CAP_FAULT
};

enum fault_field {
	FF_CODE,
	FF_STRING,
	FF_AXLCODE,
	FF_AXLMESSAGE,
	FF_REQUEST,
	FF__MAX
};

static const char *const fault_names[FF__MAX] = {
	"faultcode", "faultstring", "axlcode", "axlmessage", "request"
};

struct soap_parser {
	const struct soap_spec *spec;
	xmlParserCtxtPtr ctxt;

	struct lsc_err	 err;		/* first failure */
	int		 failed;
	uint64_t	 fed;		/* bytes fed so far */
	int		 nonblank;	/* fed more than white space */
	int		 finished;	/* soap_parser_finish() result + 2 */
	char		 xml_msg[200];	/* first libxml2 error */
	int		 xml_line;
	int		 xml_failed;

	/* Where we are. */
	int		 depth;		/* Envelope is 1 */
	int		 env_seen, env_done;
	int		 in_header, in_body;
	enum body_kind	 body;
	int		 body_done;

	/* Path below the response element, '/'-separated. */
	char		 path[PATH_MAX_LEN];
	size_t		 pathlen[SOAP_MAX_DEPTH + 1];

	/* Specification, as joined paths. */
	char		*record_path;	/* NULL: no records */
	size_t		 nfields;
	char		*field_path[SOAP_MAX_FIELDS];
	const char	*field_attr[SOAP_MAX_FIELDS];	/* "@x": "x" */
	size_t		 ncontext;
	char		*ctx_parent[SOAP_MAX_FIELDS];
	size_t		 nscalars;

	/* The current record. */
	int		 in_record;
	int		 record_depth;
	struct buf	 rec;
	size_t		 off[SOAP_MAX_FIELDS];
	int		 have[SOAP_MAX_FIELDS];
	size_t		 nrecords;

	/* Values outside records. */
	struct buf	 ctx[SOAP_MAX_FIELDS];
	int		 ctx_have[SOAP_MAX_FIELDS];
	struct buf	 scal[SOAP_MAX_FIELDS];
	int		 scal_have[SOAP_MAX_FIELDS];

	/* The leaf being captured. */
	enum capture	 cap;
	size_t		 cap_index;
	int		 cap_depth;
	size_t		 cap_len;
	char		 cap_name[64];

	struct buf	 fbuf[FF__MAX];
	int		 fhave[FF__MAX];
	struct soap_fault fault;
};

/* --- building ---------------------------------------------------------- */

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

/* --- parsing ------------------------------------------------------------ */

/* Records the first failure and stops libxml2. */
static void
fail(struct soap_parser *p, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct soap_parser *p, enum err_kind kind, const char *fmt, ...)
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
begin_capture(struct soap_parser *p, enum capture cap, size_t index,
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
	case CAP_FIELD:
		return &p->rec;
	case CAP_CONTEXT:
		return &p->ctx[p->cap_index];
	case CAP_SCALAR:
		return &p->scal[p->cap_index];
	case CAP_FAULT:
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
				fail(p, ERR_PARSE, "attribute %s longer than "
				    "%d bytes", p->field_attr[i],
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
		fail(p, ERR_SYSTEM, "out of memory");
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
		if (p->in_record) {
			for (i = 0; i < p->nfields; i++) {
				if (p->field_path[i] == NULL || p->have[i] ||
				    strcmp(p->path, p->field_path[i]) != 0)
					continue;
				if (nil)
					return;
				p->have[i] = 1;
				p->off[i] = p->rec.len;
				begin_capture(p, CAP_FIELD, i, local);
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
			begin_capture(p, CAP_CONTEXT, i, local);
			return;
		}
	}
	for (i = 0; i < p->nscalars; i++) {
		if (p->scal_have[i] || nil ||
		    strcmp(p->path, s->scalars[i]) != 0)
			continue;
		p->scal_have[i] = 1;
		begin_capture(p, CAP_SCALAR, i, local);
		return;
	}
}

static void
start_in_fault(struct soap_parser *p, const xmlChar *local)
{
	size_t	 i;

	for (i = 0; i < FF__MAX; i++) {
		if (p->fhave[i] || !name_is(local, fault_names[i]))
			continue;
		p->fhave[i] = 1;
		begin_capture(p, CAP_FAULT, i, local);
		return;
	}
}

static void
start_body_child(struct soap_parser *p, const xmlChar *local,
    const xmlChar *uri)
{
	const struct soap_spec *s = p->spec;

	if (p->body != BODY_NONE) {
		fail(p, ERR_PARSE, "more than one element in the SOAP Body");
		return;
	}
	if (name_is(local, "Fault") && ns_is(uri, SOAP_ENV_NS)) {
		p->body = BODY_FAULT;
		return;
	}
	if (s->response != NULL && !name_is(local, s->response)) {
		fail(p, ERR_PARSE, "unexpected reply element %s (expected %s)",
		    (const char *)local, s->response);
		return;
	}
	if (s->ns != NULL && !ns_is(uri, s->ns)) {
		fail(p, ERR_PARSE, "reply %s in namespace %s, expected %s",
		    (const char *)local,
		    uri != NULL ? (const char *)uri : "(none)", s->ns);
		return;
	}
	p->body = BODY_RESPONSE;
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
		fail(p, ERR_PARSE, "reply nested deeper than %d elements",
		    SOAP_MAX_DEPTH);
		return;
	}
	p->depth++;
	if (p->cap != CAP_NONE)
		return;		/* markup inside a leaf: ignored */

	switch (p->depth) {
	case 1:
		if (!name_is(local, "Envelope") || !ns_is(uri, SOAP_ENV_NS)) {
			fail(p, ERR_PARSE, "not a SOAP 1.1 envelope "
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
		fail(p, ERR_PARSE, "unexpected element %s in the SOAP "
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
	if (p->body == BODY_FAULT) {
		start_in_fault(p, local);
		return;
	}
	if (p->body != BODY_RESPONSE)
		return;

	/* Path below the response element (depth 3). */
	len = p->depth == 4 ? 0 : p->pathlen[p->depth - 5];
	at = len;
	add = strlen((const char *)local) + (len > 0 ? 1 : 0);
	if (add >= sizeof(p->path) - len) {
		fail(p, ERR_PARSE, "element path in the reply too long");
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
	if (p->cap != CAP_NONE && p->cap_depth == p->depth) {
		b = capture_buf(p);
		buf_append(b, "", 1);	/* NUL-separated within rec */
		if (p->cap != CAP_FIELD)
			b->len--;	/* single values: keep len exact */
		p->cap = CAP_NONE;
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
		if (p->in_body && p->body != BODY_NONE)
			p->body_done = 1;
		break;
	default:
		break;
	}
	p->depth--;
	if (p->depth >= 4 && p->body == BODY_RESPONSE)
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

	if (p->failed || p->cap == CAP_NONE || p->cap_depth != p->depth ||
	    len <= 0)
		return;
	max = p->cap == CAP_FAULT ? sizeof(p->fault.faultstring) - 1 :
	    SOAP_MAX_VALUE;
	if ((size_t)len > max - p->cap_len) {
		if (p->cap == CAP_FAULT) {
			/* A fault's text is only shown: keep its start. */
			len = (int)(max - p->cap_len);
			if (len == 0)
				return;
		} else {
			fail(p, ERR_PARSE, "value of %s longer than %d bytes",
			    p->cap_name, SOAP_MAX_VALUE);
			return;
		}
	}
	b = capture_buf(p);
	if (buf_append(b, ch, (size_t)len) == -1) {
		fail(p, ERR_SYSTEM, "out of memory");
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
	fail(p, ERR_PARSE, "reply has a DOCTYPE (refused: SOAP forbids one)");
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
	fail(p, ERR_PARSE, "reply declares an entity (refused)");
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

/* Joins a NULL-terminated path array with '/'. */
static char *
join(const char *const *parts)
{
	struct buf b = BUF_INIT;
	size_t	 i;

	for (i = 0; parts[i] != NULL; i++) {
		if (i > 0)
			buf_puts(&b, "/");
		buf_puts(&b, parts[i]);
	}
	return buf_take(&b);
}

static size_t
count(const char *const *v)
{
	size_t	 n = 0;

	if (v != NULL)
		while (v[n] != NULL)
			n++;
	return n;
}

struct soap_parser *
soap_parser_new(const struct soap_spec *spec, struct lsc_err *err)
{
	struct soap_parser *p = NULL;
	xmlSAXHandler sax;
	struct buf b = BUF_INIT;
	const char *slash;
	size_t	 i;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		err_set(err, ERR_SYSTEM, "out of memory");
		return NULL;
	}
	p->spec = spec;
	err_clear(&p->err);
	p->nfields = count(spec->fields);
	p->ncontext = count(spec->context);
	p->nscalars = count(spec->scalars);
	if (p->nfields > SOAP_MAX_FIELDS || p->ncontext > SOAP_MAX_FIELDS ||
	    p->nscalars > SOAP_MAX_FIELDS) {
		err_set(err, ERR_SYSTEM, "reply specification has more than "
		    "%d values", SOAP_MAX_FIELDS);
		goto fail;
	}
	if (spec->record != NULL && spec->record[0] != NULL) {
		if ((p->record_path = join(spec->record)) == NULL)
			goto nomem;
		for (i = 0; i < p->nfields; i++) {
			if (spec->fields[i][0] == '@') {
				p->field_attr[i] = spec->fields[i] + 1;
				continue;
			}
			buf_reset(&b);
			buf_printf(&b, "%s/%s", p->record_path,
			    spec->fields[i]);
			if ((p->field_path[i] = buf_take(&b)) == NULL)
				goto nomem;
		}
	}
	for (i = 0; i < p->ncontext; i++) {
		slash = strrchr(spec->context[i], '/');
		buf_reset(&b);
		if (slash != NULL)
			buf_append(&b, spec->context[i],
			    (size_t)(slash - spec->context[i]));
		if ((p->ctx_parent[i] = buf_take(&b)) == NULL)
			goto nomem;
	}

	xmlInitParser();
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.cdataBlock = on_chars;
	sax.internalSubset = on_doctype;
	sax.externalSubset = on_doctype;
	sax.entityDecl = on_entity_decl;
	sax.getEntity = on_get_entity;
	sax.getParameterEntity = on_get_entity;
	sax.serror = on_xml_error;
	p->ctxt = xmlCreatePushParserCtxt(&sax, p, NULL, 0, NULL);
	if (p->ctxt == NULL)
		goto nomem;
	/* NONET; and neither NOENT nor DTDLOAD nor HUGE. */
	(void)xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET);
	return p;
nomem:
	err_set(err, ERR_SYSTEM, "out of memory");
fail:
	buf_free(&b, 0);
	soap_parser_free(p);
	return NULL;
}

/* The error to report for a libxml2 failure. */
static void
xml_failure(struct soap_parser *p, int at_end)
{
	const char *what;

	if (p->failed)
		return;
	if (!p->nonblank)
		what = "empty reply";
	else if (at_end && !p->env_done)
		what = "reply truncated";
	else
		what = "malformed reply";
	if (p->xml_failed && p->nonblank)
		fail(p, ERR_PARSE, "%s (XML parse error at line %d: %s)", what,
		    p->xml_line, p->xml_msg);
	else
		fail(p, ERR_PARSE, "%s", what);
}

int
soap_parser_feed(struct soap_parser *p, const char *data, size_t len,
    struct lsc_err *err)
{
	size_t	 n, i;
	int	 rc;

	while (!p->failed && len > 0) {
		n = len > INT_MAX ? INT_MAX : len;
		for (i = 0; !p->nonblank && i < n; i++)
			if (data[i] != ' ' && data[i] != '\t' &&
			    data[i] != '\r' && data[i] != '\n')
				p->nonblank = 1;
		rc = xmlParseChunk(p->ctxt, data, (int)n, 0);
		p->fed += n;
		data += n;
		len -= n;
		if (p->failed)
			break;
		if (rc != 0 || p->xml_failed)
			xml_failure(p, 0);
		else if (!p->env_seen && p->fed > PROLOG_MAX)
			fail(p, ERR_PARSE, "no SOAP envelope in the first %d "
			    "bytes of the reply", PROLOG_MAX);
	}
	if (p->failed) {
		if (err != NULL && err != &p->err)
			*err = p->err;
		return -1;
	}
	return 0;
}

int
soap_parser_sink(void *arg, const char *data, size_t len)
{
	struct soap_parser *p = arg;

	return soap_parser_feed(p, data, len, NULL);
}

/* The longest prefix of s[0..n) that ends with a complete UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t n)
{
	size_t	 i, need;
	unsigned char c;

	if (n == 0)
		return 0;
	i = n - 1;
	while (i > 0 && n - i < 4 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	c = (unsigned char)s[i];
	if (c < 0x80)
		need = 1;
	else if ((c & 0xe0) == 0xc0)
		need = 2;
	else if ((c & 0xf0) == 0xe0)
		need = 3;
	else
		need = 4;
	return n - i < need ? i : n;
}

/* Copies a captured fault value, cut at a UTF-8 boundary. */
static void
fault_copy(char *dst, size_t dstlen, const struct buf *b, int have)
{
	size_t	 n;

	dst[0] = '\0';
	if (!have || b->data == NULL)
		return;
	n = utf8_cut(b->data, b->len < dstlen - 1 ? b->len : dstlen - 1);
	memcpy(dst, b->data, n);
	dst[n] = '\0';
}

/* Leading and trailing white space: "< axlcode > -1 </ axlcode >". */
static void
trim(char *s)
{
	size_t	 n, i = 0;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	if (i > 0)
		memmove(s, s + i, strlen(s + i) + 1);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void
build_fault(struct soap_parser *p)
{
	struct soap_fault *f = &p->fault;
	char	 code[32];
	char	*end;
	long	 v;

	fault_copy(f->faultcode, sizeof(f->faultcode), &p->fbuf[FF_CODE],
	    p->fhave[FF_CODE]);
	fault_copy(f->faultstring, sizeof(f->faultstring),
	    &p->fbuf[FF_STRING], p->fhave[FF_STRING]);
	fault_copy(f->axlmessage, sizeof(f->axlmessage),
	    &p->fbuf[FF_AXLMESSAGE], p->fhave[FF_AXLMESSAGE]);
	fault_copy(f->request, sizeof(f->request), &p->fbuf[FF_REQUEST],
	    p->fhave[FF_REQUEST]);
	fault_copy(code, sizeof(code), &p->fbuf[FF_AXLCODE],
	    p->fhave[FF_AXLCODE]);
	trim(f->faultcode);
	trim(f->faultstring);
	trim(f->axlmessage);
	trim(f->request);
	trim(code);
	f->axlcode = 0;
	if (code[0] != '\0') {
		v = strtol(code, &end, 10);
		if (*end == '\0' && v != LONG_MIN && v != LONG_MAX)
			f->axlcode = v;
	}
}

int
soap_parser_finish(struct soap_parser *p, struct lsc_err *err)
{
	if (p->finished)
		goto out;
	if (!p->failed) {
		if (xmlParseChunk(p->ctxt, NULL, 0, 1) != 0 || p->xml_failed)
			xml_failure(p, 1);
	}
	if (!p->failed) {
		if (!p->env_done)
			xml_failure(p, 1);
		else if (p->body == BODY_NONE)
			fail(p, ERR_PARSE, "reply has an empty SOAP Body");
	}
	if (p->failed)
		p->finished = 1;
	else if (p->body == BODY_FAULT) {
		build_fault(p);
		p->finished = 3;
	} else
		p->finished = 2;
out:
	if (p->finished == 1 && err != NULL && err != &p->err)
		*err = p->err;
	return p->finished - 2;
}

const struct soap_fault *
soap_parser_fault(const struct soap_parser *p)
{
	return &p->fault;
}

const char *
soap_parser_scalar(const struct soap_parser *p, size_t i)
{
	if (i >= p->nscalars || !p->scal_have[i])
		return NULL;
	return p->scal[i].data != NULL ? p->scal[i].data : "";
}

size_t
soap_parser_records(const struct soap_parser *p)
{
	return p->nrecords;
}

void
soap_parser_free(struct soap_parser *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	if (p->ctxt != NULL)
		xmlFreeParserCtxt(p->ctxt);
	free(p->record_path);
	for (i = 0; i < SOAP_MAX_FIELDS; i++) {
		free(p->field_path[i]);
		free(p->ctx_parent[i]);
		buf_free(&p->ctx[i], 0);
		buf_free(&p->scal[i], 0);
	}
	for (i = 0; i < FF__MAX; i++)
		buf_free(&p->fbuf[i], 0);
	buf_free(&p->rec, 0);
	free(p);
}

/* --- one exchange ----------------------------------------------------- */

int
soap_post(struct http_transport *t, const struct http_request *req,
    struct soap_parser *p, struct http_response *resp, struct lsc_err *err)
{
	const char *op = req->op != NULL ? req->op : "request";
	int	 rc;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	err_clear(err);
	rc = t->post(t, req, soap_parser_sink, p, resp, err);
	if (rc == -1 && err->kind != ERR_NONE) {
		err->http_status = resp->status;
		return -1;	/* the transport's message names op */
	}
	err->http_status = resp->status;
	err->retry_after = resp->retry_after;
	if (rc == -1 || resp->status == 200 || resp->status == 500) {
		rc = soap_parser_finish(p, err);
		err->http_status = resp->status;
		err->retry_after = resp->retry_after;
		if (rc == 1)
			return 1;
		if (rc == 0 && resp->status == 200)
			return 0;
		if (resp->status == 500 &&
		    (rc == 0 || err->kind == ERR_PARSE)) {
			char why[LSC_ERR_MSGLEN];

			(void)snprintf(why, sizeof(why), "%s",
			    rc == 0 ? "no SOAP fault in the reply" : err->msg);
			err_set(err, ERR_HTTP, "%s: HTTP 500 (%s)", op, why);
			return -1;
		}
		if (err->kind == ERR_PARSE)
			err_prefix(err, "%s", op);
		return -1;
	}
	switch (resp->status) {
	case 401:
	case 403:
		err_set(err, ERR_AUTH, "%s: HTTP %ld", op, resp->status);
		break;
	case 429:
	case 503:
		err_set(err, ERR_THROTTLED, "%s: HTTP %ld (service "
		    "unavailable)", op, resp->status);
		err->not_applied = 1;
		break;
	default:
		if (resp->snippet[0] != '\0')
			err_set(err, ERR_HTTP, "%s: HTTP %ld: %s", op,
			    resp->status, resp->snippet);
		else
			err_set(err, ERR_HTTP, "%s: HTTP %ld", op,
			    resp->status);
		break;
	}
	return -1;
}
