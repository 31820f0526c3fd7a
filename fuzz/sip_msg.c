/*
 * fuzz/sip_msg.c — libFuzzer target for what switchboard reads out of a
 * SIP message on top of libre's parser: digest credentials
 * (Authorization), Contact addresses, and the SDP body.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "sip/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool auth_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		   void *arg)
{
	struct digest_resp dr;
	(void)msg;
	(void)arg;

	if (!digest_decode(&dr, &hdr->val)) {
		/* every field must lie inside the header */
		const struct pl *f[] = {&dr.username, &dr.realm, &dr.nonce,
					&dr.uri, &dr.response, &dr.cnonce};
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			if (f[i]->p && (f[i]->p < hdr->val.p ||
					f[i]->p + f[i]->l >
					hdr->val.p + hdr->val.l))
				__builtin_trap();
		}
	}
	return false;
}


static bool contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	struct sip_addr addr;
	struct sa dst, peer;
	(void)arg;

	sa_set_str(&peer, "127.0.0.1", 5060);
	if (!sip_addr_decode(&addr, &hdr->val))
		(void)target_resolve(&dst, &addr.uri, &peer, msg->tp);
	return false;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf *mb = mbuf_alloc(size + 1);
	struct sip_msg *msg = NULL;

	if (!mb)
		return 0;

	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;

	if (!sip_msg_decode(&msg, mb)) {
		const struct mbuf *body;
		struct media_sdp s;

		(void)sip_msg_hdr_apply(msg, true, SIP_HDR_AUTHORIZATION,
					auth_h, NULL);
		(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_h,
					NULL);
		if (!sipd_msg_sdp(msg, &body))
			(void)media_sdp_parse(&s, body);
		mem_deref(msg);
	}

	mem_deref(mb);
	return 0;
}
