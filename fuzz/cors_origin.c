/*
 * fuzz/cors_origin.c — libFuzzer target for api_allowed_origins (the
 * setting's parser) and api_origin_allowed (a request's Origin against
 * the list): input is "<setting>\n<Origin value>". Neither may crash or
 * read out of bounds, and an accepted list must match its own entries.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "api/api.h"
#include "api/api_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	struct api api;
	struct pl origin;
	char *setting;

	setting = mem_zalloc(n + 1, NULL);
	if (!setting)
		return 0;
	memcpy(setting, data, n);

	memset(&api, 0, sizeof(api));
	if (!memchr(setting, '\0', n) &&
	    0 == api_allowed_origins(&api, setting)) {
		/* every entry of an accepted list is allowed */
		char *first = strtok(setting, " ");
		if (first) {
			struct pl f;
			pl_set_str(&f, first);
			if (!api_origin_allowed(&api, &f))
				__builtin_trap();
		}
	}

	origin.p = nl ? (const char *)nl + 1 : "";
	origin.l = nl ? size - n - 1 : 0;
	(void)api_origin_allowed(&api, &origin);

	mem_deref(api.origins);
	mem_deref(setting);
	return 0;
}
