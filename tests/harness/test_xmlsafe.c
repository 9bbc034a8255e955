/* The XML sanitiser: what XML 1.0 forbids never reaches libxml2, what it allows passes intact. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xmlsafe.h"

static void is_sanitized(const char *in, size_t len, const char *want, const char *what)
{
    char *got = mc_xml_sanitize(in, len);
    tap_is_str(got, want, "%s", what);
    free(got);
}

int main(void)
{
    tap_plan(20);
    is_sanitized("plain text", 10, "plain text", "ASCII passes unchanged");
    is_sanitized("a\tb\nc\rd", 7, "a\tb\nc\rd", "tab, LF and CR are XML characters");
    is_sanitized("a\0b", 3, "a\\x00b", "NUL is written as \\x00");
    is_sanitized("\x01\x1f", 2, "\\x01\\x1f", "C0 controls are escaped");
    is_sanitized("\x1b[31mred\x1b[0m", 12, "red", "ANSI colour sequences are dropped");
    is_sanitized("\x1b[1;32;40mok", 12, "ok", "a CSI sequence with several parameters is dropped");
    is_sanitized("x\x1by", 3, "x\\x1by", "a lone ESC is escaped, not dropped with what follows");
    is_sanitized("\x1b[31", 4, "\\x1b[31", "an unterminated CSI sequence is escaped");
    is_sanitized("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                 "valid 2-, 3- and 4-byte UTF-8 passes");
    is_sanitized("\xff", 1, "\\xff", "a byte that never starts UTF-8 is escaped");
    is_sanitized("\xc0\x80", 2, "\\xc0\\x80", "an overlong NUL is escaped byte by byte");
    is_sanitized("\xe2\x82", 2, "\\xe2\\x82", "a truncated sequence at the end is escaped");
    is_sanitized("\xe2\x82z", 3, "\\xe2\\x82z", "a truncated sequence before ASCII is escaped, the ASCII kept");
    is_sanitized("\xed\xa0\x80", 3, "\\xed\\xa0\\x80", "an encoded surrogate is escaped");
    is_sanitized("\xef\xbf\xbe\xef\xbf\xbf", 6, "\\xef\\xbf\\xbe\\xef\\xbf\\xbf", "U+FFFE and U+FFFF are escaped");
    is_sanitized("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80", "code points above U+10FFFF are escaped");
    is_sanitized("", 0, "", "the empty string stays empty");

    char buf[32];
    mc_xml_seconds(buf, sizeof buf, 12345);
    tap_is_str(buf, "12.345", "milliseconds as seconds with a point");
    mc_xml_seconds(buf, sizeof buf, 7);
    tap_is_str(buf, "0.007", "sub-second times keep leading zeros");
    mc_xml_seconds(buf, sizeof buf, -1);
    tap_is_str(buf, "0.000", "a negative duration is written as zero");
    return tap_done();
}
