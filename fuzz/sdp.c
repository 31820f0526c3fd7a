/*
 * fuzz/sdp.c — libFuzzer target for the SDP reader (bodies of INVITEs and
 * 200s from trunks and phones), and the writer on whatever it accepted.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf mb = {(uint8_t *)data, size, 0, size};
	struct media_sdp s, r;
	struct mbuf *out = NULL;
	struct sa a;

	if (media_sdp_parse(&s, &mb))
		return 0;

	media_sdp_intersect(&r, &s, &s);
	sa_set_str(&a, "127.0.0.1", 10000);
	if (!media_sdp_encode(&out, &r, &a, 1, 1)) {
		struct media_sdp back;

		/* what we write, we must be able to read */
		if (media_sdp_parse(&back, out))
			__builtin_trap();
	}
	mem_deref(out);

	return 0;
}
