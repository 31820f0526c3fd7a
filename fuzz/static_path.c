/*
 * fuzz/static_path.c — libFuzzer target for the check that stands between
 * a URL path and the web root (api_static_path, src/api/static.c). The
 * input is the request path as it comes off the wire. It traps when a
 * path the check accepts could leave the root or name something the
 * server must not serve:
 *   - the relative path is not the input minus its leading '/'
 *   - it starts with '/' or '.', or has an empty segment, or a segment
 *     starting with '.' (so no "..", no hidden files)
 *   - it holds a byte outside [A-Za-z0-9._-/] (no NUL, %, '\', control)
 *   - it does not end in one of the served extensions
 *
 *   make fuzz && build/fuzz/static_path -max_total_time=60 /tmp/corpus \
 *       fuzz/corpus/static_path
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "api/api_int.h"

#define TRAP() __builtin_trap()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool allowed(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
		c == '/';
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const exts[] = {".html", ".js", ".mjs", ".css",
					   ".svg", ".png", ".ico"};
	const struct pl path = {(const char *)data, size};
	char rel[1024];
	const char *ctype;
	size_t n;
	bool ext_ok = false;

	ctype = api_static_path(rel, sizeof(rel), &path);
	if (!ctype)
		return 0;

	n = strlen(rel);
	if (size < 2 || data[0] != '/' || n != size - 1 ||
	    memcmp(rel, data + 1, n))
		TRAP();

	if (rel[0] == '/' || rel[0] == '.' || rel[n - 1] == '/')
		TRAP();

	for (size_t i = 0; i < n; i++) {
		if (!allowed(rel[i]))
			TRAP();
		if (rel[i] == '/' && (rel[i + 1] == '/' || rel[i + 1] == '.'))
			TRAP();
	}

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		const size_t el = strlen(exts[i]);

		if (n > el && !strcasecmp(rel + n - el, exts[i]))
			ext_ok = true;
	}

	if (!ext_ok)
		TRAP();

	return 0;
}
