/*
 * audit.h — `switchboard audit`: finds every Open CTI usage in a
 * Salesforce project (call centers, API calls, script includes, utility
 * items, runApex targets) and writes the migration plan to Service Cloud
 * Voice / switchboard. No network, no state: a directory in, a report out.
 *
 * Exit statuses of audit_main: see enum audit_exit and docs/AUDIT.md.
 */
#ifndef SWITCHBOARD_AUDIT_H
#define SWITCHBOARD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct re_printf;
struct audit_report;

enum audit_exit {
	AUDIT_EXIT_OK = 0,	/* scanned (findings or not) */
	AUDIT_EXIT_USAGE = 1,	/* bad arguments, PATH not a directory */
	AUDIT_EXIT_SCAN = 2,	/* report written, but some files failed */
	AUDIT_EXIT_FOUND = 3,	/* --fail-on-found and Open CTI found */
};

enum audit_format { AUDIT_JSON, AUDIT_MD, AUDIT_HTML };

/* A civil date, for the plan (no time zones involved). */
struct audit_date {
	int y, m, d;
};

struct audit_opts {
	const char *root;	/* the directory to scan */
	bool node_modules;	/* descend into node_modules too */
	bool progress;		/* allow progress lines on stderr */
};

/* `switchboard audit ...`: argv[0] is "audit". Returns an audit_exit. */
int audit_main(int argc, char *argv[]);

/* Walks o->root and scans every file of a known kind. Errors on single
 * files are recorded in the report, not returned; the return value is an
 * errno only when the scan could not run at all (root unreadable). */
int audit_scan(struct audit_report **repp, const struct audit_opts *o);

/* An empty report, for audit_scan_buf (the fuzz target, tests). */
int audit_report_alloc(struct audit_report **repp, const char *root);

/* Scans one file's bytes as if found at relpath (its name picks the
 * scanner: .js/.ts, markup, XML, .resource). */
int audit_scan_buf(struct audit_report *rep, const char *relpath,
		   const uint8_t *buf, size_t len);

/* Sorts the findings (file, then line) and computes summary and plan;
 * call once, after the last scan and before printing. */
void audit_finish(struct audit_report *rep, const struct audit_date *today);

bool audit_found(const struct audit_report *rep);
unsigned audit_errors(const struct audit_report *rep);

/* The reports; each presents the same findings and plan. */
int audit_print_json(struct re_printf *pf, const struct audit_report *rep);
int audit_print_md(struct re_printf *pf, const struct audit_report *rep);
int audit_print_html(struct re_printf *pf, const struct audit_report *rep);

/* Parses YYYY-MM-DD (a real calendar date). 0 or EINVAL. */
int audit_date_parse(struct audit_date *d, const char *s);

#endif
