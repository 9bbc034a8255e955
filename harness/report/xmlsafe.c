#include "xmlsafe.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASCII_ESC 0x1b
#define ASCII_DEL_LIMIT 0x80
/* The worst case: every input byte becomes "\xNN". */
#define ESCAPED_BYTE_LEN 4

/* Length of the valid UTF-8 sequence at s (1..4) whose code point is an XML 1.0 Char, or 0. */
static size_t xml_char_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x20)
        return (c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    if (c < ASCII_DEL_LIMIT)
        return 1;
    size_t len;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff)
        return 0;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
        return 0;
    return len;
}

/* Length of an ANSI control sequence (ESC [ parameters intermediates final) at s, or 0. */
static size_t csi_len(const unsigned char *s, size_t n)
{
    if (n < 2 || s[0] != ASCII_ESC || s[1] != '[')
        return 0;
    size_t i = 2;
    while (i < n && s[i] >= 0x30 && s[i] <= 0x3f)
        i++;
    while (i < n && s[i] >= 0x20 && s[i] <= 0x2f)
        i++;
    return (i < n && s[i] >= 0x40 && s[i] <= 0x7e) ? i + 1 : 0;
}

char *mc_xml_sanitize(const char *in, size_t len)
{
    if (len > (SIZE_MAX - 1) / ESCAPED_BYTE_LEN)
        return NULL;
    char *out = malloc(len * ESCAPED_BYTE_LEN + 1);
    if (out == NULL)
        return NULL;
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = csi_len(s + i, len - i);
        if (k > 0) {
            i += k;
            continue;
        }
        k = xml_char_len(s + i, len - i);
        if (k > 0) {
            memcpy(out + o, s + i, k);
            o += k, i += k;
            continue;
        }
        snprintf(out + o, ESCAPED_BYTE_LEN + 1, "\\x%02x", s[i]);
        o += ESCAPED_BYTE_LEN, i++;
    }
    out[o] = '\0';
    return out;
}

int mc_xml_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    char *safe = mc_xml_sanitize(value, strlen(value));
    if (safe == NULL)
        return -1;
    int rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST safe);
    free(safe);
    return rc < 0 ? -1 : 0;
}

int mc_xml_text(xmlTextWriterPtr w, const char *value)
{
    char *safe = mc_xml_sanitize(value, strlen(value));
    if (safe == NULL)
        return -1;
    int rc = xmlTextWriterWriteString(w, BAD_CAST safe);
    free(safe);
    return rc < 0 ? -1 : 0;
}

int mc_xml_element(xmlTextWriterPtr w, const char *name, const char *const *attrs, const char *text)
{
    if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
        return -1;
    for (size_t i = 0; attrs != NULL && attrs[i] != NULL; i += 2)
        if (attrs[i + 1] != NULL && mc_xml_attr(w, attrs[i], attrs[i + 1]) != 0)
            return -1;
    if (text != NULL && mc_xml_text(w, text) != 0)
        return -1;
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

void mc_xml_seconds(char *buf, size_t size, long long ms)
{
    if (ms < 0)
        ms = 0;
    snprintf(buf, size, "%lld.%03lld", ms / 1000, ms % 1000);
}

int mc_report_file_write(const char *path, const void *bytes, size_t len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s for writing: %s", path, strerror(errno));
        return -1;
    }
    size_t put = len ? fwrite(bytes, 1, len, f) : 0;
    int saved = errno;
    if (put != len || fflush(f) != 0) {
        saved = errno;
        fclose(f);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
        return -1;
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int mc_xml_out_open(struct mc_xml_out *o)
{
    o->w = NULL;
    o->buf = xmlBufferCreate();
    if (o->buf == NULL)
        return -1;
    o->w = xmlNewTextWriterMemory(o->buf, 0);
    if (o->w == NULL) {
        xmlBufferFree(o->buf);
        o->buf = NULL;
        return -1;
    }
    xmlTextWriterSetIndent(o->w, 1);
    return 0;
}

int mc_xml_out_save(struct mc_xml_out *o, int ok, const char *path, char *err, size_t errlen)
{
    int rc = -1;
    if (o->w != NULL) {
        ok = ok && xmlTextWriterFlush(o->w) >= 0;
        xmlFreeTextWriter(o->w);
    }
    if (!ok)
        snprintf(err, errlen, "cannot write %s: the XML writer failed", path);
    else if (o->buf != NULL)
        rc = mc_report_file_write(path, xmlBufferContent(o->buf), (size_t)xmlBufferLength(o->buf), err, errlen);
    if (o->buf != NULL)
        xmlBufferFree(o->buf);
    o->w = NULL;
    o->buf = NULL;
    return rc;
}
