/* Error-message helpers shared by the codec files. */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

void mc_iscsi_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *mc_iscsi_printable(const char *s, char *buf, size_t buflen)
{
    if (buflen == 0)
        return "";
    size_t i = 0;
    for (; s && s[i] && i + 1 < buflen; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[i] = '\0';
    return buf;
}
