/*
 * soap_post.c — one SOAP exchange: the request through the transport, the
 * reply streamed into the caller's parser, the HTTP status and the parse
 * result mapped to one error kind and one line for a person.
 *
 * An HTTP 500 that is not SOAP at all is an application server's error
 * page (Tomcat's HTML report): it is named by its title or its first text,
 * never dumped with its markup or its stack trace.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/base/utf8.h"
#include "axl/http.h"
#include "axl/soap.h"
#include "axl/soap_int.h"

#define TEXT_MAX	120	/* bytes of an error page's text shown */

static int
space(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/*
 * Appends s[0..n) to out as one printable line: runs of white space and
 * controls become one space, bytes that are not UTF-8 become '?', and the
 * text is cut at a character boundary.
 */
static void
printable(const char *s, size_t n, char *out, size_t outlen)
{
	size_t	 len = strlen(out), i, k;
	uint32_t cp;

	for (i = 0; i < n && len < outlen - 1; i += k) {
		if (space((unsigned char)s[i])) {
			k = 1;
			if (len > 0 && out[len - 1] != ' ')
				out[len++] = ' ';
		} else if (utf8_decode(s + i, n - i, &cp, &k) == -1 ||
		    cp == 0xfffe || cp == 0xffff) {
			k = 1;
			out[len++] = '?';
		} else if (k > outlen - 1 - len)
			break;
		else {
			memcpy(out + len, s + i, k);
			len += k;
		}
	}
	out[len] = '\0';
}

/* Trims the white space printable() may leave at either end. */
static void
trim_line(char *s)
{
	size_t	 n;

	if (s[0] == ' ')
		memmove(s, s + 1, strlen(s));
	n = strlen(s);
	if (n > 0 && s[n - 1] == ' ')
		s[n - 1] = '\0';
}

/*
 * Appends the first text below n, in document order, that shows something
 * (style and script skipped): under a <title> only, when title.
 */
static void
first_text(xmlNode *n, int title, char *out, size_t outlen)
{
	const char *name;

	for (; n != NULL && out[0] == '\0'; n = n->next) {
		name = n->name != NULL ? (const char *)n->name : "";
		if (n->type == XML_TEXT_NODE && !title) {
			printable((const char *)n->content,
			    strlen((const char *)n->content), out, outlen);
			trim_line(out);
		} else if (n->type == XML_ELEMENT_NODE &&
		    strcasecmp(name, "style") != 0 &&
		    strcasecmp(name, "script") != 0)
			first_text(n->children, title &&
			    strcasecmp(name, "title") != 0, out, outlen);
	}
}

/*
 * The text naming a page that is not SOAP, read with libxml2's HTML
 * parser: its <title>, else its first text.  Empty when none.  A DOCTYPE
 * is passed over first: the parser would take its internal subset
 * ("[<!ENTITY ...>]") for text.
 */
static void
page_text(const char *s, size_t n, char *out, size_t outlen)
{
	htmlDocPtr doc;
	size_t	 i = 0;
	int	 depth = 0;

	out[0] = '\0';
	while (i < n && space((unsigned char)s[i]))
		i++;
	if (n - i >= 9 && strncasecmp(s + i, "<!DOCTYPE", 9) == 0) {
		for (; i < n && (s[i] != '>' || depth > 0); i++)
			depth += s[i] == '[' ? 1 : s[i] == ']' ? -1 : 0;
		i++;	/* the '>' */
	}
	if (i >= n || (doc = htmlReadMemory(s + i, (int)(n - i), NULL, "UTF-8",
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED)) == NULL)
		return;
	first_text(doc->children, 1, out, outlen);
	if (out[0] == '\0')
		first_text(doc->children, 0, out, outlen);
	xmlFreeDoc(doc);
}

/* The message for an HTTP 500 without a SOAP fault. */
static void
http500(const char *op, struct soap_parser *p, int rc, struct lsc_err *err)
{
	char	 why[LSC_ERR_MSGLEN];
	char	 text[TEXT_MAX + 1];
	const char *head;
	size_t	 headlen;

	if (rc == 0)
		(void)snprintf(why, sizeof(why), "no SOAP fault in the reply");
	else if (soap_parser_not_soap(p, &head, &headlen)) {
		page_text(head, headlen, text, sizeof(text));
		(void)snprintf(why, sizeof(why), "not a SOAP reply%s%s",
		    text[0] != '\0' ? ": " : "", text);
	} else
		(void)snprintf(why, sizeof(why), "%s", err->msg);
	err_set(err, ERR_HTTP, "%s: HTTP 500 (%s)", op, why);
}

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
			http500(op, p, rc, err);
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
