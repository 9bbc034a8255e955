/* Stylesheet transforms of the results XML (HTML summary, certification report). */
#ifndef MC_XSLT_H
#define MC_XSLT_H

#include <stddef.h>

/* Applies the XSLT 1.0 stylesheet to the document in and writes out. params is a NULL-terminated
 * list of name/value pairs passed as string parameters (may be NULL). 0, or -1 with err set. */
int mc_xslt_apply(const char *stylesheet, const char *in, const char *out, const char *const *params, char *err,
                  size_t errlen);

#endif
