/* Text made safe for XML 1.0 before libxml2 writes it: libxml2 2.9 passes control bytes and
 * invalid UTF-8 straight through, which every JUnit reader then rejects. */
#ifndef MC_XMLSAFE_H
#define MC_XMLSAFE_H

#include <stddef.h>
#include <libxml/xmlwriter.h>

/* A NUL-terminated copy of in[0..len) that is well-formed UTF-8 made only of XML 1.0 characters
 * (XML 1.0 section 2.2): ANSI escape sequences (ESC [ ... final byte) are dropped, every other
 * forbidden byte (controls other than tab/LF/CR, NUL, bytes of invalid or overlong UTF-8,
 * surrogates, U+FFFE/U+FFFF) is written as the four characters \xNN. NULL when out of memory. */
char *mc_xml_sanitize(const char *in, size_t len);

/* xmlTextWriter calls on sanitised text; each returns 0 or -1 (libxml2 or memory failure). */
int mc_xml_attr(xmlTextWriterPtr w, const char *name, const char *value);
int mc_xml_text(xmlTextWriterPtr w, const char *value);
/* <name attr...>text</name> with NULL-terminated name/value attribute pairs; text may be NULL. */
int mc_xml_element(xmlTextWriterPtr w, const char *name, const char *const *attrs, const char *text);

/* An XML document written into memory, then saved to its file with every write checked
 * (libxml2's file writer drops the errors of its last flush and of close: a full disk would
 * leave a truncated report and no error). */
struct mc_xml_out {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;     /* write the document through this */
};
/* 0, or -1 when out of memory. */
int mc_xml_out_open(struct mc_xml_out *o);
/* Frees the writer; when ok, saves what it wrote to path. 0, or -1 with err naming path and the
 * system's reason. Always frees o. */
int mc_xml_out_save(struct mc_xml_out *o, int ok, const char *path, char *err, size_t errlen);
/* Writes len bytes to path (created or truncated): 0, or -1 with err naming path and why. */
int mc_report_file_write(const char *path, const void *bytes, size_t len, char *err, size_t errlen);

/* Milliseconds as a decimal number of seconds ("12.345"), independent of the C locale's
 * decimal separator; buf holds at least 32 bytes. */
void mc_xml_seconds(char *buf, size_t size, long long ms);

#endif
