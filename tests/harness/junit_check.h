/* Reading back JUnit files in the report tests: schema validation and XPath values. */
#ifndef MC_JUNIT_CHECK_H
#define MC_JUNIT_CHECK_H

/* 1 the file validates against the schema at xsd, 0 it does not, -1 the schema is not there. */
int junit_validates(const char *xsd, const char *path);
/* The string value of an XPath expression over the file (malloc'd); "(unparsable)" if not XML. */
char *junit_xpath(const char *path, const char *expr);
/* A TAP point: the expression's value is want. */
void junit_is_xpath(const char *path, const char *expr, const char *want);

#endif
