/*
 * soap_parse.c — a struct soap_parser's life: the reply specification
 * compiled into paths, libxml2's push parser set up safely, bytes fed as
 * they arrive, the end of the reply judged, the fault read out.
 *
 * The walk itself (records, context, scalars, limits, refusals) is
 * soap_sax.c's.  The first bytes fed are kept, so that a reply that is not
 * SOAP at all (an HTML error page) can be shown for what it is.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/base/utf8.h"
#include "axl/soap.h"
#include "axl/soap_int.h"

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

static void quiet(void *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
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
		/* the record's parent is the response element (depth 3)
		 * plus one level per component before the record's own */
		p->record_parent_depth = 3 + (int)count(spec->record) - 1;
		slash = strrchr(p->record_path, '/');
		p->record_parent_len = slash != NULL ?
		    (size_t)(slash - p->record_path) : 0;
		p->record_name = slash != NULL ? slash + 1 : p->record_path;
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
	/* libxml2 reports some failures (a declared encoding it cannot
	 * convert) on stderr, not through the SAX handler: they go nowhere,
	 * the parse fails with its own error */
	xmlSetGenericErrorFunc(NULL, quiet);
	soap_sax_init(&sax);
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
		soap_fail(p, ERR_PARSE, "%s (XML parse error at line %d: %s)",
		    what, p->xml_line, p->xml_msg);
	else
		soap_fail(p, ERR_PARSE, "%s", what);
}

/* Keeps the first bytes of the reply, for soap_parser_not_soap(). */
static void
keep_head(struct soap_parser *p, const char *data, size_t len)
{
	size_t	 n = sizeof(p->head) - p->headlen;

	if (n > len)
		n = len;
	memcpy(p->head + p->headlen, data, n);
	p->headlen += n;
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
		keep_head(p, data, n);
		rc = xmlParseChunk(p->ctxt, data, (int)n, 0);
		p->fed += n;
		data += n;
		len -= n;
		if (p->failed)
			break;
		if (rc != 0 || p->xml_failed)
			xml_failure(p, 0);
		else if (!p->env_seen && p->fed > SOAP_PROLOG_MAX)
			soap_fail(p, ERR_PARSE, "no SOAP envelope in the "
			    "first %d bytes of the reply", SOAP_PROLOG_MAX);
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

	if (!p->failed) {
		if (soap_parser_feed(p, data, len, NULL) == 0)
			return 0;
	} else if (!p->env_seen)
		keep_head(p, data, len);
	/*
	 * A reply refused before any Envelope began is not SOAP at all (an
	 * error page): take in its first bytes, which are all that is shown
	 * of it, however the transport happens to cut them.
	 */
	return !p->env_seen && p->headlen < sizeof(p->head) ? 0 : -1;
}

/*
 * Copies a captured fault value, cut at a UTF-8 boundary, without the
 * white space at either end: "< axlcode > -1 </ axlcode >".
 */
static void
fault_copy(char *dst, size_t dstlen, const struct buf *b, int have)
{
	const char *s = have && b->data != NULL ? b->data : "";
	size_t	 n = utf8_cut(s, have ? b->len : 0, dstlen - 1);

	for (; n > 0 && memchr(" \t\n\r", *s, 4) != NULL; n--)
		s++;
	while (n > 0 && memchr(" \t\n\r", s[n - 1], 4) != NULL)
		n--;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void
build_fault(struct soap_parser *p)
{
	struct soap_fault *f = &p->fault;
	char	 code[32];
	char	*end;
	long	 v;

	fault_copy(f->faultcode, sizeof(f->faultcode), &p->fbuf[SOAP_FF_CODE],
	    p->fhave[SOAP_FF_CODE]);
	fault_copy(f->faultstring, sizeof(f->faultstring),
	    &p->fbuf[SOAP_FF_STRING], p->fhave[SOAP_FF_STRING]);
	fault_copy(f->axlmessage, sizeof(f->axlmessage),
	    &p->fbuf[SOAP_FF_AXLMESSAGE], p->fhave[SOAP_FF_AXLMESSAGE]);
	fault_copy(f->request, sizeof(f->request), &p->fbuf[SOAP_FF_REQUEST],
	    p->fhave[SOAP_FF_REQUEST]);
	fault_copy(code, sizeof(code), &p->fbuf[SOAP_FF_AXLCODE],
	    p->fhave[SOAP_FF_AXLCODE]);
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
		else if (p->body == SOAP_BODY_NONE)
			soap_fail(p, ERR_PARSE, "reply has an empty SOAP Body");
	}
	if (p->failed)
		p->finished = 1;
	else if (p->body == SOAP_BODY_FAULT) {
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

static int
name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Whether s[0..n) holds an Envelope start tag, with or without a prefix. */
static int
has_envelope_tag(const char *s, size_t n)
{
	static const char tag[] = "Envelope";
	size_t	 i, j, k = sizeof(tag) - 1;

	for (i = 1; i + k <= n; i++) {
		if (memcmp(s + i, tag, k) != 0)
			continue;
		j = i;
		if (s[j - 1] == ':')
			for (j--; j > 0 && name_char(s[j - 1]); j--)
				;
		if (j > 0 && s[j - 1] == '<')
			return 1;
	}
	return 0;
}

int
soap_parser_not_soap(const struct soap_parser *p, const char **head,
    size_t *headlen)
{
	if (!p->nonblank || p->env_seen)
		return 0;
	if (p->root_seen ? !p->root_other :
	    has_envelope_tag(p->head, p->headlen))
		return 0;
	*head = p->head;
	*headlen = p->headlen;
	return 1;
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
	for (i = 0; i < SOAP_FF__MAX; i++)
		buf_free(&p->fbuf[i], 0);
	buf_free(&p->rec, 0);
	free(p);
}
