/*
 * fuzz/opencti_origins.c — libFuzzer target for the two parsers of the
 * Open CTI adapter's addresses: opencti_origins (written into the
 * softphone's Content-Security-Policy, api/opencti.c) and the --url of
 * `switchboard callcenter-xml` (cli/callcenter.c). Neither may crash or
 * read out of bounds, an accepted origins list must never carry a CSP
 * separator (';' or ','), quote or control character into the header,
 * and an accepted URL must fit its buffer with the page path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "api/api_int.h"
#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char url[256];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	(void)api_opencti_origin_ok(s, strlen(s));
	if (api_opencti_origins_ok(s)) {
		for (const char *p = s; *p; p++) {
			if (*p == ';' || *p == ',' || *p == '\'' ||
			    (unsigned char)*p < ' ' || (unsigned char)*p > 0x7e)
				abort();
		}
	}

	if (!cli_callcenter_url_check(url, sizeof(url), s)) {
		if (strlen(url) + sizeof("/opencti/softphone.html") >
		    sizeof(url))
			abort();
		if (strpbrk(url, "?#<>\" \\"))
			abort();
	}

	free(s);
	return 0;
}
