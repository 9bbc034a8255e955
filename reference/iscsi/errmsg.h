/* The library's error-message helper: every failing call fills (char *err, size_t errlen). */
#ifndef MC_ISCSI_ERRMSG_H
#define MC_ISCSI_ERRMSG_H

#include <stddef.h>

/* printf into err[0..errlen); a NULL err or zero errlen is allowed and ignored. */
void mc_iscsi_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Copies s into buf as printable ASCII (others shown as '?'), cut to fit: safe to echo a peer's key. */
const char *mc_iscsi_printable(const char *s, char *buf, size_t buflen);

#endif
