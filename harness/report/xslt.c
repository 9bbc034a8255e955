#include "xslt.h"

#include <stdio.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "xmlsafe.h"

/* Room for a path and the system's reason. */
#define MC_XSLT_ERR_LEN 1024

int mc_xslt_apply(const char *stylesheet, const char *in, const char *out, const char *const *params, char *err,
                  size_t errlen)
{
    int rc = -1;
    xmlDocPtr doc = NULL, res = NULL;
    xsltTransformContextPtr ctxt = NULL;
    xsltStylesheetPtr style = xsltParseStylesheetFile(BAD_CAST stylesheet);
    if (style == NULL) {
        snprintf(err, errlen, "xslt: cannot load stylesheet %s", stylesheet);
        return -1;
    }
    doc = xmlReadFile(in, NULL, XML_PARSE_NONET);
    if (doc == NULL) {
        snprintf(err, errlen, "xslt: cannot parse %s", in);
        goto out;
    }
    ctxt = xsltNewTransformContext(style, doc);
    /* Parameters are literal strings, not XPath expressions: quoted by libxslt itself. */
    if (ctxt == NULL || (params != NULL && xsltQuoteUserParams(ctxt, (const char **)params) != 0)) {
        snprintf(err, errlen, "xslt: cannot set up the transform of %s", in);
        goto out;
    }
    res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, ctxt);
    if (res == NULL || ctxt->state != XSLT_STATE_OK) {
        snprintf(err, errlen, "xslt: %s failed on %s", stylesheet, in);
        goto out;
    }
    xmlChar *text = NULL;
    int len = 0;
    if (xsltSaveResultToString(&text, &len, res, style) < 0) {
        snprintf(err, errlen, "xslt: cannot serialise the result for %s", out);
        goto out;
    }
    char why[MC_XSLT_ERR_LEN];
    rc = mc_report_file_write(out, text, text != NULL && len > 0 ? (size_t)len : 0, why, sizeof why);
    xmlFree(text);
    if (rc != 0)
        snprintf(err, errlen, "xslt: %s", why);
out:
    if (res != NULL)
        xmlFreeDoc(res);
    if (ctxt != NULL)
        xsltFreeTransformContext(ctxt);
    if (doc != NULL)
        xmlFreeDoc(doc);
    xsltFreeStylesheet(style);
    return rc;
}
