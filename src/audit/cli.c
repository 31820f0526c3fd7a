/*
 * cli.c — `switchboard audit PATH [options]`: arguments, the scan, the
 * report to stdout or --out, and the exit status (audit.h, docs/AUDIT.md).
 * Each file that could not be scanned is named on stderr; the scan goes
 * on without it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "audit/internal.h"


static void usage(FILE *f)
{
	fprintf(f,
		"usage: switchboard audit PATH [--format json|md|html] "
		"[--out FILE]\n"
		"                         [--today YYYY-MM-DD] "
		"[--fail-on-found] [--include-node-modules]\n"
		"\n"
		"Finds every Open CTI usage in the Salesforce project under "
		"PATH (call centers,\nAPI calls, script includes, softphone "
		"utility items, runApex targets) and\nwrites the migration "
		"plan to Service Cloud Voice / switchboard.\n"
		"\n"
		"exit status: 0 scanned, 1 usage error, 2 some files could "
		"not be scanned,\n             3 Open CTI found and "
		"--fail-on-found given\n");
}


static int today_local(struct audit_date *d)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return EINVAL;
	d->y = tm.tm_year + 1900;
	d->m = tm.tm_mon + 1;
	d->d = tm.tm_mday;
	return 0;
}


static int write_out(const char *out, const struct mbuf *mb)
{
	FILE *f = out ? fopen(out, "w") : stdout;
	int err = 0;

	if (!f)
		return errno;
	if (fwrite(mb->buf, 1, mb->end, f) != mb->end)
		err = errno ? errno : EIO;
	if (out) {
		if (fclose(f) && !err)
			err = errno;
	}
	else if (fflush(f) && !err) {
		err = errno;
	}

	return err;
}


static const char *value(int argc, char *argv[], int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "switchboard audit: %s needs a value\n",
			argv[*i]);
		return NULL;
	}

	return argv[++*i];
}


int audit_main(int argc, char *argv[])
{
	struct audit_opts o;
	struct audit_report *rep = NULL;
	struct audit_date today;
	enum audit_format fmt = AUDIT_JSON;
	const char *out = NULL, *v;
	bool fail_on_found = false, have_today = false;
	struct mbuf *mb = NULL;
	int err, rc;

	memset(&o, 0, sizeof(o));
	o.progress = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return AUDIT_EXIT_OK;
		}
		else if (!strcmp(a, "--format")) {
			if (!(v = value(argc, argv, &i)))
				return AUDIT_EXIT_USAGE;
			if (!strcmp(v, "json"))
				fmt = AUDIT_JSON;
			else if (!strcmp(v, "md"))
				fmt = AUDIT_MD;
			else if (!strcmp(v, "html"))
				fmt = AUDIT_HTML;
			else {
				fprintf(stderr, "switchboard audit: --format "
					"is json, md or html, not '%s'\n", v);
				return AUDIT_EXIT_USAGE;
			}
		}
		else if (!strcmp(a, "--out")) {
			if (!(out = value(argc, argv, &i)))
				return AUDIT_EXIT_USAGE;
		}
		else if (!strcmp(a, "--today")) {
			if (!(v = value(argc, argv, &i)))
				return AUDIT_EXIT_USAGE;
			if (audit_date_parse(&today, v)) {
				fprintf(stderr, "switchboard audit: --today "
					"'%s' is not a date (YYYY-MM-DD)\n", v);
				return AUDIT_EXIT_USAGE;
			}
			have_today = true;
		}
		else if (!strcmp(a, "--fail-on-found")) {
			fail_on_found = true;
		}
		else if (!strcmp(a, "--include-node-modules")) {
			o.node_modules = true;
		}
		else if (!strncmp(a, "--", 2) || o.root) {
			fprintf(stderr, "switchboard audit: unexpected "
				"argument '%s'\n\n", a);
			usage(stderr);
			return AUDIT_EXIT_USAGE;
		}
		else {
			o.root = a;
		}
	}

	if (!o.root) {
		fprintf(stderr, "switchboard audit: which directory? PATH is "
			"missing\n\n");
		usage(stderr);
		return AUDIT_EXIT_USAGE;
	}
	if (!have_today && today_local(&today)) {
		fprintf(stderr, "switchboard audit: cannot tell today's "
			"date; give --today\n");
		return AUDIT_EXIT_USAGE;
	}

	err = audit_scan(&rep, &o);
	if (err) {
		fprintf(stderr, "switchboard audit: %s: %s\n", o.root,
			err == ENOTDIR ? "not a directory" : strerror(err));
		return AUDIT_EXIT_USAGE;
	}

	audit_finish(rep, &today);

	{
		const struct msg_finding *m = rep->errors.v;

		for (size_t i = 0; i < rep->errors.n; i++) {
			if (m[i].line)
				fprintf(stderr, "switchboard audit: %s:%u: "
					"%s\n", m[i].file, m[i].line,
					m[i].message);
			else
				fprintf(stderr, "switchboard audit: %s: %s\n",
					m[i].file, m[i].message);
		}
	}

	mb = mbuf_alloc(65536);
	if (!mb) {
		err = ENOMEM;
	}
	else {
		switch (fmt) {

		case AUDIT_MD:
			err = mbuf_printf(mb, "%H", audit_print_md, rep);
			break;

		case AUDIT_HTML:
			err = mbuf_printf(mb, "%H", audit_print_html, rep);
			break;

		default:
			err = mbuf_printf(mb, "%H", audit_print_json, rep);
			break;
		}
	}
	if (!err)
		err = write_out(out, mb);
	if (err) {
		fprintf(stderr, "switchboard audit: cannot write the report%s"
			"%s: %s\n", out ? " to " : "", out ? out : "",
			strerror(err));
		rc = AUDIT_EXIT_SCAN;
	}
	else if (fail_on_found && audit_found(rep)) {
		rc = AUDIT_EXIT_FOUND;
	}
	else if (audit_errors(rep)) {
		rc = AUDIT_EXIT_SCAN;
	}
	else {
		rc = AUDIT_EXIT_OK;
	}

	mem_deref(mb);
	mem_deref(rep);
	return rc;
}
