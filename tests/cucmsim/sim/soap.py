"""SOAP envelopes, faults and the HTML error pages of CUCM's Tomcat.

Fault shapes copy shared/cucm/samples/*.normalized.xml with the http://
namespaces real traffic uses: faultcode, faultstring, and detail/axlError
{axlcode, axlmessage, request}.
"""

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
AXL_NS = "http://www.cisco.com/AXL/API/%s"
RIS_NS = "http://schemas.cisco.com/ast/soap"
AXL_PROLOG = "<?xml version='1.0' encoding='UTF-8'?>"
RIS_PROLOG = "<?xml version='1.0' encoding='utf-8'?>"

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def esc(s):
    return str(s).translate(_TEXT)


def esc_attr(s):
    return str(s).translate(_ATTR)


def envelope(inner, prolog=AXL_PROLOG):
    return (f'{prolog}<soapenv:Envelope xmlns:soapenv="{SOAPENV}">'
            f"<soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>")


def axl_response(op, version, inner, sequence=None, xsi=False):
    """<ns:opResponse xmlns:ns=...>inner</ns:opResponse> in an envelope;
    xsi declares the instance namespace once (14.0+ nil style)."""
    seq = f' sequence="{esc_attr(sequence)}"' if sequence is not None else ""
    x = f' xmlns:xsi="{XSI}"' if xsi else ""
    return envelope(f'<ns:{op}Response{seq} xmlns:ns="{AXL_NS % version}"{x}>'
                    f"{inner}</ns:{op}Response>")


def axl_fault(faultcode, message, axlcode, request):
    """An AXL SOAP fault document (str); served with HTTP 500."""
    m = esc(message)
    return envelope(
        f"<soapenv:Fault><faultcode>{faultcode}</faultcode>"
        f"<faultstring>{m}</faultstring><detail><axlError>"
        f"<axlcode>{axlcode}</axlcode><axlmessage>{m}</axlmessage>"
        f"<request>{esc(request)}</request></axlError></detail>"
        f"</soapenv:Fault>")


def plain_fault(faultcode, message, prolog=AXL_PROLOG, detail=""):
    """A fault without axlError (Axis' own faults)."""
    return envelope(f"<soapenv:Fault><faultcode>{faultcode}</faultcode>"
                    f"<faultstring>{esc(message)}</faultstring>{detail}"
                    f"</soapenv:Fault>", prolog)


def ris_fault(code, message, hostname):
    """An Axis fault from RisPort70 (faultcode qualified by ns1)."""
    return envelope(
        f'<soapenv:Fault><faultcode xmlns:ns1="{RIS_NS}">ns1:{code}'
        f"</faultcode><faultstring>{esc(message)}</faultstring><detail>"
        f'<ns2:hostname xmlns:ns2="http://xml.apache.org/axis/">'
        f"{esc(hostname)}</ns2:hostname></detail></soapenv:Fault>",
        RIS_PROLOG)


_STATUS_TEXT = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                405: "Method Not Allowed", 500: "Internal Server Error",
                503: "Service Unavailable"}


def tomcat_page(status, message, description, exception=None):
    """Tomcat's HTML error report page."""
    title = f"HTTP Status {status} – {_STATUS_TEXT.get(status, '')}"
    exc = ""
    if exception:
        exc = (f"<p><b>Exception</b></p><pre>{esc(exception)}</pre>"
               "<p><b>Note</b> The full stack trace of the root cause is "
               "available in the server logs.</p>")
    return (f'<!doctype html><html lang="en"><head><title>{title}</title>'
            '<style type="text/css">body {font-family:Tahoma,Arial,'
            'sans-serif;} h1, h2, h3, b {color:white;background-color:'
            '#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 '
            '{font-size:14px;} p {font-size:12px;} a {color:black;} .line '
            '{height:1px;background-color:#525D76;border:none;}</style>'
            f'</head><body><h1>{title}</h1><hr class="line" /><p><b>Type'
            f'</b> {"Exception Report" if exception else "Status Report"}'
            f"</p><p><b>Message</b> {esc(message)}</p><p><b>Description</b>"
            f" {esc(description)}</p>{exc}<hr class=\"line\" />"
            "<h3>Cisco Unified Communications Manager</h3></body></html>")


def version_page(supported):
    """CUCM's custom page for an AXL schema version it does not accept
    (HTTP 599; text as public clients match it)."""
    msg = f"Incorrect axl version. Supported axl versions are {supported}"
    return ("<!-- custom Cisco error page --><html>\n<body>\n"
            f'<div id="content-header">HTTP Status 599 - {msg}</div>\n'
            f"<p><b>Message:</b> {msg}</p>\n</body>\n</html>")
