/*
 * msg.c — building SIP responses from requests, and the random tokens
 * (tags, branches) dialogs and transactions are named by.
 */
#include <string.h>
#include <re.h>
#include "util/crypto.h"
#include "sip/internal.h"

const char *const msg_allow =
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER\r\n";


/* Tags, branches and Call-IDs must be unique and hard to guess (they are
 * all that ties a BYE or CANCEL to its dialog): CSPRNG output, buffered. */
static void rand_hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t r = 0;

	for (size_t i = 0; i < n; i++) {
		if (i % 16 == 0)
			r = crypto_rand_u64();
		out[i] = digits[r & 0xf];
		r >>= 4;
	}
	out[n] = '\0';
}


void msg_rand_tag(char *tag, size_t sz)
{
	rand_hex(tag, sz - 1);
}


void msg_rand_branch(char *branch, size_t sz)
{
	/* RFC 3261 magic cookie, then enough randomness to be unique */
	str_ncpy(branch, "z9hG4bK", sz);
	rand_hex(branch + 7, sz - 8);
}


bool msg_has_body(const struct sip_msg *msg)
{
	return mbuf_get_left(msg->mb) > 0;
}


/* The body if the message carries application/sdp; ENOENT if it has no
 * body, ENOTSUP if the body is something else. */
int msg_sdp_body(const struct sip_msg *msg, const struct mbuf **body)
{
	if (!msg_has_body(msg))
		return ENOENT;

	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
		return ENOTSUP;

	*body = msg->mb;
	return 0;
}


int sipd_msg_sdp(const struct sip_msg *msg, const struct mbuf **body)
{
	return msg_sdp_body(msg, body);
}


int msg_print_body(struct re_printf *pf, void *arg)
{
	const struct mbuf *body = arg;

	if (!body || !mbuf_get_left(body))
		return re_hprintf(pf, "Content-Length: 0\r\n\r\n");

	return re_hprintf(pf, "Content-Type: application/sdp\r\n"
			  "Content-Length: %zu\r\n\r\n%b",
			  mbuf_get_left(body), mbuf_buf(body),
			  mbuf_get_left(body));
}


/* RFC 3261 section 8.2.6.2: Via, From, To, Call-ID and CSeq come from the
 * request; the top Via gets received/rport (RFC 3581) so the reply finds
 * a party behind NAT. */
int msg_response(struct mbuf **mbp, const struct sip_msg *req,
		 uint16_t scode, const char *reason, const char *totag,
		 const char *hdrs, const struct mbuf *body)
{
	struct mbuf *mb;
	struct le *le;
	unsigned viac = 0;
	int err;

	mb = mbuf_alloc(512 + (body ? mbuf_get_left(body) : 0));
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "SIP/2.0 %u %s\r\n", scode, reason);

	for (le = req->hdrl.head; le && !err; le = le->next) {
		const struct sip_hdr *hdr = le->data;
		struct pl rp;

		switch (hdr->id) {

		case SIP_HDR_VIA:
			if (viac++) {
				err = mbuf_printf(mb, "Via: %r\r\n", &hdr->val);
				break;
			}

			err = mbuf_write_str(mb, "Via: ");
			if (!msg_param_exists(&req->via.params, "rport", &rp)) {
				err |= mbuf_write_pl_skip(mb, &hdr->val, &rp);
				err |= mbuf_printf(mb, ";rport=%u",
						   sa_port(&req->src));
				err |= mbuf_printf(mb, ";received=%j",
						   &req->src);
			}
			else {
				err |= mbuf_write_pl(mb, &hdr->val);
				if (!sa_cmp(&req->src, &req->via.addr, SA_ADDR))
					err |= mbuf_printf(mb, ";received=%j",
							   &req->src);
			}
			err |= mbuf_write_str(mb, "\r\n");
			break;

		case SIP_HDR_TO:
			err = mbuf_printf(mb, "To: %r", &hdr->val);
			if (!pl_isset(&req->to.tag) && totag && scode > 100)
				err |= mbuf_printf(mb, ";tag=%s", totag);
			err |= mbuf_write_str(mb, "\r\n");
			break;

		case SIP_HDR_FROM:
			err = mbuf_printf(mb, "From: %r\r\n", &hdr->val);
			break;

		case SIP_HDR_CALL_ID:
			err = mbuf_printf(mb, "Call-ID: %r\r\n", &hdr->val);
			break;

		case SIP_HDR_CSEQ:
			err = mbuf_printf(mb, "CSeq: %r\r\n", &hdr->val);
			break;

		case SIP_HDR_RECORD_ROUTE:
			/* RFC 3261 12.1.1: responses that form a dialog */
			if (scode > 100 && scode < 300 &&
			    !pl_strcmp(&req->cseq.met, "INVITE"))
				err = mbuf_printf(mb, "Record-Route: %r\r\n",
						  &hdr->val);
			break;

		default:
			break;
		}
	}

	err |= mbuf_printf(mb, "Server: switchboard/%s\r\n%s%H",
			   SWITCHBOARD_VERSION, hdrs ? hdrs : "",
			   msg_print_body, (void *)body);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}


/* An ACK (RFC 3261 sections 17.1.1.3 and 13.2.2.4): for a non-2xx it
 * reuses the INVITE's branch, for a 2xx it is a new request of the
 * dialog. route may be empty. */
int msg_ack(struct mbuf **mbp, const struct msg_ack_args *a)
{
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb,
			  "ACK %r SIP/2.0\r\n"
			  "Via: SIP/2.0/%s %s;branch=%s;rport\r\n"
			  "Max-Forwards: 70\r\n"
			  "%r"
			  "From: %r\r\n"
			  "To: %r\r\n"
			  "Call-ID: %r\r\n"
			  "CSeq: %u ACK\r\n"
			  "Content-Length: 0\r\n\r\n",
			  &a->ruri, sip_transp_name(a->tp), sipd.host, a->branch,
			  &a->route, &a->from, &a->to, &a->callid, a->cseq);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}
