#include "xslt.h"

#include <stdio.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

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
    if (xsltSaveResultToFilename(out, res, style, 0) < 0) {
        snprintf(err, errlen, "xslt: cannot write %s", out);
        goto out;
    }
    rc = 0;
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
