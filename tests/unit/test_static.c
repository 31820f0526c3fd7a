/*
 * test_static.c — which request paths may name a web page's file
 * (src/api/static.c): decided on the path as written, before the file
 * system is asked, so that nothing a client sends can step out of the
 * web root or reach a file of another type.
 */
#include <string.h>
#include <re.h>
#include "api/api_int.h"
#include "unit.h"


static const char *type_of(const char *path, char *rel, size_t sz)
{
	struct pl pl;

	pl_set_str(&pl, path);
	return api_static_path(rel, sz, &pl);
}


static void test_allowed_paths(void)
{
	static const struct {
		const char *path, *rel, *type;
	} ok[] = {
		{"/agent.html", "agent.html", "text/html; charset=utf-8"},
		{"/a-b_c.1.js", "a-b_c.1.js", "text/javascript; charset=utf-8"},
		{"/x.mjs", "x.mjs", "text/javascript; charset=utf-8"},
		{"/img/logo.SVG", "img/logo.SVG", "image/svg+xml"},
		{"/a/b/c/d.css", "a/b/c/d.css", "text/css; charset=utf-8"},
		{"/i.png", "i.png", "image/png"},
		{"/favicon.ico", "favicon.ico", "image/x-icon"},
	};
	char rel[300];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		const char *t = type_of(ok[i].path, rel, sizeof(rel));

		CHECK(t != NULL);
		CHECK_STR(t, ok[i].type);
		CHECK_STR(rel, ok[i].rel);
	}
}


static void test_refused_paths(void)
{
	static const char *const bad[] = {
		"", "/", "//a.js", "/../a.js", "/a/../b.js", "/..", "/.a.js",
		"/a/.b.js", "/%2e%2e/a.js", "/a%2fb.js", "/a\\b.js",
		"/a.js/", "/a//b.js", "/a.txt", "/a", "/a.", "/a.html.bak",
		"/a b.js", "/a;b.js", "/a\0.js", "a.js", "/a/b/c/d/e.js",
		"/a.js?x", "/a:b.js", "/~a.js",
	};
	char rel[300], big[400];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(type_of(bad[i], rel, sizeof(rel)) == NULL);

	/* over PATH_LEN_MAX (256), and longer than the caller's buffer */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	memcpy(big + 250, ".js", 4);
	CHECK(type_of(big, rel, sizeof(rel)) != NULL);
	CHECK(type_of(big, rel, 100) == NULL);
	memcpy(big + 250, "aaa", 3);
	memcpy(big + 300, ".js", 4);
	CHECK(type_of(big, rel, sizeof(rel)) == NULL);
}


/* opencti_origins goes into the softphone's CSP: only plain origins */
static void test_opencti_origins(void)
{
	static const char *const ok[] = {
		"https://acme.lightning.force.com",
		"https://acme--c.vf.force.com:443",
		"http://127.0.0.2:8080", "http://localhost:1", "http://[::1]:80",
		"https://[2001:db8::1]",
	};
	static const char *const bad[] = {
		"", "acme.lightning.force.com", "http://acme.example",
		"https://", "https://acme.example/", "https://acme.example/x",
		"https://*.force.com", "https://a.example:0",
		"https://a.example:65536", "https://a.example:", "ftp://a",
		"https://a.example;", "https://a'b", "https://.a",
		"https://[::1", "https://[zz]", "'self'", "https://a@b",
		"http://128.0.0.1",
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		CHECK(api_opencti_origin_ok(ok[i], strlen(ok[i])));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!api_opencti_origin_ok(bad[i], strlen(bad[i])));

	CHECK(api_opencti_origins_ok(""));
	CHECK(api_opencti_origins_ok("https://a.example  http://127.0.0.1:9"));
	CHECK(!api_opencti_origins_ok("https://a.example; script-src *"));
	CHECK(!api_opencti_origins_ok("https://a.example,https://b.example"));
	CHECK(!api_opencti_origins_ok("https://a.example\thttps://b.example"));
}


UNIT_SUITE(static,
	UNIT_CASE(test_allowed_paths),
	UNIT_CASE(test_refused_paths),
	UNIT_CASE(test_opencti_origins),
);
