/*
 * http.c — libcurl's multi interface on libre's event loop, no threads:
 * curl says which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to
 * wake it (CURLMOPT_TIMERFUNCTION); fd_listen and a tmr do the watching
 * and call curl_multi_socket_action back. A finished transfer calls its
 * handler with the status, the Retry-After header and the first
 * CRM_KEEP_BODY bytes of the response.
 */
#include <string.h>
#include <curl/curl.h>
#include <re.h>
#include "log.h"
#include "crm/internal.h"

#define LOG_MODULE "crm"

enum { TIMEOUT_MS = 10000, CONNECT_TIMEOUT_MS = 5000 };

struct req {
	struct le le;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	char resp[CRM_KEEP_BODY + 1];
	size_t resp_len;
	char retry_after[64];
	crm_http_h *h;
	void *arg;
};

static struct {
	CURLM *multi;
	struct tmr tmr;
	struct list reqs;
	bool global;
} ht;


static void req_destructor(void *arg)
{
	struct req *r = arg;

	list_unlink(&r->le);
	if (r->easy) {
		curl_multi_remove_handle(ht.multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	mem_deref(r->body);
}


static void check_done(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(ht.multi, &left))) {
		struct req *r = NULL;
		long status = 0;
		int err = 0;

		if (m->msg != CURLMSG_DONE)
			continue;

		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
		if (!r)
			continue;

		if (m->data.result != CURLE_OK) {
			log_info("request failed: %s",
				 curl_easy_strerror(m->data.result));
			err = m->data.result == CURLE_OPERATION_TIMEDOUT ?
				ETIMEDOUT : ECONNREFUSED;
		}
		else {
			curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
					  &status);
		}

		r->resp[r->resp_len] = '\0';
		r->h(err, (uint16_t)status, r->retry_after[0] ?
		     r->retry_after : NULL, r->resp, r->arg);
		mem_deref(r);
	}
}


static void fd_handler(int flags, void *arg)
{
	const int fd = (int)(intptr_t)arg;
	int running, ev = 0;

	if (flags & FD_READ)
		ev |= CURL_CSELECT_IN;
	if (flags & FD_WRITE)
		ev |= CURL_CSELECT_OUT;
	if (flags & FD_EXCEPT)
		ev |= CURL_CSELECT_ERR;

	curl_multi_socket_action(ht.multi, fd, ev, &running);
	check_done();
}


static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	int flags = 0;
	(void)easy;
	(void)userp;
	(void)socketp;

	if (what == CURL_POLL_REMOVE) {
		fd_close(s);
		return 0;
	}

	if (what & CURL_POLL_IN)
		flags |= FD_READ;
	if (what & CURL_POLL_OUT)
		flags |= FD_WRITE;

	if (fd_listen(s, flags | FD_EXCEPT, fd_handler, (void *)(intptr_t)s))
		log_warn("cannot watch socket %d", (int)s);

	return 0;
}


static void timeout_handler(void *arg)
{
	int running;
	(void)arg;

	curl_multi_socket_action(ht.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
}


static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	(void)userp;

	/* never call curl back from inside its own callback: a 0 delay
	 * runs on the next turn of the loop */
	if (timeout_ms < 0)
		tmr_cancel(&ht.tmr);
	else
		tmr_start(&ht.tmr, (uint64_t)timeout_ms, timeout_handler,
			  NULL);

	return 0;
}


static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct req *r = userdata;
	const size_t n = size * nmemb;
	const size_t room = CRM_KEEP_BODY - r->resp_len;
	const size_t take = n < room ? n : room;

	memcpy(r->resp + r->resp_len, ptr, take);
	r->resp_len += take;
	return n;
}


static size_t header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	static const char name[] = "retry-after:";
	struct req *r = userdata;
	const size_t n = size * nitems;

	if (n > sizeof(name) - 1 &&
	    !strncasecmp(buf, name, sizeof(name) - 1)) {
		const size_t vlen = n - (sizeof(name) - 1);
		const size_t take = vlen < sizeof(r->retry_after) - 1 ?
			vlen : sizeof(r->retry_after) - 1;

		memcpy(r->retry_after, buf + sizeof(name) - 1, take);
		r->retry_after[take] = '\0';
	}

	return n;
}


int crm_http_init(void)
{
	if (ht.multi)
		return 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return EIO;
	ht.global = true;

	ht.multi = curl_multi_init();
	if (!ht.multi)
		return ENOMEM;

	curl_multi_setopt(ht.multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(ht.multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	tmr_init(&ht.tmr);
	return 0;
}


void crm_http_close(void)
{
	/* requests in flight are dropped: their rows stay in the outbox */
	list_flush(&ht.reqs);
	tmr_cancel(&ht.tmr);
	if (ht.multi)
		curl_multi_cleanup(ht.multi);
	ht.multi = NULL;
	if (ht.global)
		curl_global_cleanup();
	ht.global = false;
}


int crm_http_send(const char *method, const char *url,
		  struct curl_slist *headers, const char *body,
		  crm_http_h *h, void *arg)
{
	struct req *r;
	int err;

	if (!ht.multi || !method || !url || !h) {
		curl_slist_free_all(headers);
		return EINVAL;
	}

	r = mem_zalloc(sizeof(*r), req_destructor);
	if (!r) {
		curl_slist_free_all(headers);
		return ENOMEM;
	}

	r->hdrs = headers;
	r->h = h;
	r->arg = arg;
	err = str_dup(&r->body, body ? body : "");
	if (err)
		goto out;

	r->easy = curl_easy_init();
	if (!r->easy) {
		err = ENOMEM;
		goto out;
	}

	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT,
			 "switchboard/" SWITCHBOARD_VERSION);

	if (curl_multi_add_handle(ht.multi, r->easy) != CURLM_OK) {
		err = EIO;
		goto out;
	}

	list_append(&ht.reqs, &r->le, r);

 out:
	if (err)
		mem_deref(r);

	return err;
}


uint32_t crm_http_in_flight(void)
{
	return list_count(&ht.reqs);
}
