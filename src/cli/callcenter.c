/*
 * callcenter.c — `switchboard callcenter-xml --url URL`: prints the call
 * center definition file a Salesforce admin imports (Setup > Call
 * Centers > Import) to use web/opencti/softphone.html as a Lightning Open
 * CTI softphone while the org still runs Open CTI.
 *
 * The format is Salesforce's legacy import file: <callCenter> of
 * <section> of <item>, each with name, label and a gap-free sortOrder
 * from 0. reqGeneralInfo must hold reqInternalName at 0 and
 * reqDisplayName at 1; reqAdapterUrl, reqUseApi, reqSoftphoneHeight and
 * reqSoftphoneWidth are required; reqSalesforceCompatibilityMode must
 * say Lightning for sforce.opencti to exist (reqDescription, reqProgId
 * and reqVersion are the desktop CTI Toolkit's, not Open CTI's, and are
 * left out). The dialing prefixes are
 * left empty: switchboard's trunks already decide how numbers go out,
 * and Salesforce would only add them on top.
 *
 * What is checked, since a wrong file is only found out in the org:
 * the URL is https (Lightning refuses anything else in the utility bar),
 * or http to a loopback host for a local trial; no credentials, query or
 * fragment (the page path is appended); the internal name is what
 * Salesforce accepts (at most 40 letters and digits, a letter first);
 * the display name has no control characters. Every value is
 * XML-escaped, so a name with & or < still gives a well-formed file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cli/cli.h"
#include "util/loopback.h"

enum {
	EXIT_USAGE = 2,
	URL_MAX = 1024,
	INTERNAL_MAX = 40,        /* Salesforce's limit on reqInternalName */
	DISPLAY_MAX = 1000,       /* and on reqDisplayName */
	SIZE_MIN = 200,
	SIZE_MAX_PX = 2000,
};

static const char page_path[] = "/opencti/softphone.html";

struct cc_opts {
	char url[URL_MAX];        /* without a trailing '/' */
	const char *display;
	const char *internal;
	long height, width;
};


static void usage(FILE *f)
{
	fprintf(f,
		"usage: switchboard callcenter-xml --url URL [--name NAME] "
		"[--internal-name ID]\n"
		"                                  [--height PX] [--width PX]\n"
		"\n"
		"Prints the Open CTI call center definition file that makes "
		"switchboard's\nsoftphone (URL/opencti/softphone.html) the "
		"adapter of a Lightning call center.\n"
		"\n"
		"  --url URL            where switchboard's web pages are "
		"served: https://host[:port][/path]\n"
		"                       (http only for a loopback host)\n"
		"  --name NAME          display name (switchboard)\n"
		"  --internal-name ID   unique internal name: up to 40 letters "
		"and digits,\n"
		"                       a letter first (switchboard)\n"
		"  --height PX          softphone height, %d-%d (460)\n"
		"  --width PX           softphone width, %d-%d (320)\n",
		SIZE_MIN, SIZE_MAX_PX, SIZE_MIN, SIZE_MAX_PX);
}


const char *cli_callcenter_url_check(char *out, size_t sz, const char *url)
{
	const char *auth, *end, *host_end, *p;
	bool https;
	size_t len = strlen(url);

	if (sz < sizeof(page_path) || len >= sz - sizeof(page_path))
		return "too long";

	for (p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return "spaces, control or non-ASCII characters";
		if (*p == '?' || *p == '#')
			return "a query or fragment (the page path is "
				"appended to it)";
		if (*p == '\\' || *p == '"' || *p == '<' || *p == '>')
			return "characters that are not allowed in a URL";
	}

	if (!strncasecmp(url, "https://", 8)) {
		https = true;
		auth = url + 8;
	}
	else if (!strncasecmp(url, "http://", 7)) {
		https = false;
		auth = url + 7;
	}
	else {
		return "not https:// (Lightning loads only https adapters)";
	}

	end = strchr(auth, '/');
	if (!end)
		end = auth + strlen(auth);

	if (memchr(auth, '@', (size_t)(end - auth)))
		return "credentials in it (everyone in the org would see "
			"them)";

	/* the port, if any, follows the last ':' outside brackets */
	host_end = end;
	for (p = end; p > auth; p--) {
		if (p[-1] == ']')
			break;
		if (p[-1] == ':') {
			char *e;
			long port = strtol(p, &e, 10);

			if (e != end || p == end || port < 1 || port > 65535)
				return "a bad port";
			host_end = p - 1;
			break;
		}
	}

	if (host_end == auth)
		return "no host";
	if (*auth == '[' ? host_end[-1] != ']' :
	    memchr(auth, '[', (size_t)(host_end - auth)) != NULL)
		return "a bad host";

	if (!https && !loopback_host(auth, (size_t)(host_end - auth)))
		return "http:// to a host that is not loopback (use https)";

	while (len > (size_t)(end - url) && url[len - 1] == '/')
		len--;
	memcpy(out, url, len);
	out[len] = '\0';

	return NULL;
}


static bool internal_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > INTERNAL_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (; *s; s++) {
		const char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;
	}

	return true;
}


static bool display_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > DISPLAY_MAX)
		return false;
	for (; *s; s++) {
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	}

	return true;
}


static bool size_arg(long *v, const char *s)
{
	char *e;

	*v = strtol(s, &e, 10);
	return *s && !*e && *v >= SIZE_MIN && *v <= SIZE_MAX_PX;
}


static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':  fputs("&amp;", f);  break;
		case '<':  fputs("&lt;", f);   break;
		case '>':  fputs("&gt;", f);   break;
		case '"':  fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:   fputc(*s, f);       break;
		}
	}
}


static void item(FILE *f, int order, const char *name, const char *label,
		 const char *value, const char *suffix)
{
	fprintf(f, "    <item sortOrder=\"%d\" name=\"%s\" label=\"%s\">",
		order, name, label);
	xml_text(f, value);
	if (suffix)
		xml_text(f, suffix);
	fputs("</item>\n", f);
}


static void print_file(FILE *f, const struct cc_opts *o)
{
	char h[16], w[16];

	snprintf(h, sizeof(h), "%ld", o->height);
	snprintf(w, sizeof(w), "%ld", o->width);

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<!-- switchboard Open CTI softphone: import in Setup > Call "
	      "Centers > Import,\n     then add users to the call center "
	      "and the Open CTI Softphone to a\n     Lightning app's utility "
	      "bar (docs/OPENCTI.md). -->\n"
	      "<callCenter>\n"
	      "  <section sortOrder=\"0\" name=\"reqGeneralInfo\" "
	      "label=\"General Information\">\n", f);
	item(f, 0, "reqInternalName", "Internal Name", o->internal, NULL);
	item(f, 1, "reqDisplayName", "Display Name", o->display, NULL);
	item(f, 2, "reqAdapterUrl", "CTI Adapter URL", o->url, page_path);
	item(f, 3, "reqUseApi", "Use CTI API", "true", NULL);
	item(f, 4, "reqSoftphoneHeight", "Softphone Height", h, NULL);
	item(f, 5, "reqSoftphoneWidth", "Softphone Width", w, NULL);
	item(f, 6, "reqSalesforceCompatibilityMode",
	     "Salesforce Compatibility Mode", "Lightning", NULL);
	fputs("  </section>\n"
	      "  <section sortOrder=\"1\" name=\"reqDialingOptions\" "
	      "label=\"Dialing Options\">\n", f);
	item(f, 0, "reqOutsidePrefix", "Outside Prefix", "", NULL);
	item(f, 1, "reqLongDistPrefix", "Long Distance Prefix", "", NULL);
	item(f, 2, "reqInternationalPrefix", "International Prefix", "",
	     NULL);
	fputs("  </section>\n"
	      "</callCenter>\n", f);
}


static int bad(const char *opt, const char *why)
{
	fprintf(stderr, "switchboard callcenter-xml: %s: %s\n", opt, why);
	return EXIT_USAGE;
}


int cli_callcenter_main(int argc, char *argv[])
{
	struct cc_opts o = {
		.display = "switchboard",
		.internal = "switchboard",
		.height = 460,
		.width = 320,
	};
	const char *url = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (strncmp(a, "--", 2)) {
			fprintf(stderr, "switchboard callcenter-xml: "
				"unexpected argument '%s'\n\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (!v)
			return bad(a, "needs a value");
		++i;
		if (!strcmp(a, "--url")) {
			url = v;
		}
		else if (!strcmp(a, "--name")) {
			if (!display_ok(v))
				return bad(a, "1 to 1000 characters, no "
					   "control characters");
			o.display = v;
		}
		else if (!strcmp(a, "--internal-name")) {
			if (!internal_ok(v))
				return bad(a, "up to 40 letters and digits, "
					   "a letter first");
			o.internal = v;
		}
		else if (!strcmp(a, "--height")) {
			if (!size_arg(&o.height, v))
				return bad(a, "pixels, 200 to 2000");
		}
		else if (!strcmp(a, "--width")) {
			if (!size_arg(&o.width, v))
				return bad(a, "pixels, 200 to 2000");
		}
		else {
			fprintf(stderr, "switchboard callcenter-xml: unknown "
				"option '%s'\n\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (!url) {
		fprintf(stderr, "switchboard callcenter-xml: --url is "
			"required\n\n");
		usage(stderr);
		return EXIT_USAGE;
	}

	const char *why = cli_callcenter_url_check(o.url, sizeof(o.url), url);
	if (why) {
		fprintf(stderr, "switchboard callcenter-xml: --url '%s': %s\n",
			url, why);
		return EXIT_USAGE;
	}

	print_file(stdout, &o);

	return fflush(stdout) ? 1 : 0;
}
