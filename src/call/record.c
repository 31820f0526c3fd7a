/*
 * record.c — call records: built from the call, saved in batches.
 *
 * A call's record changes a few times (arrived, offered, answered,
 * ended). Instead of a database commit per change, a touched call joins
 * a dirty list (holding a reference, so an ended call outlives its end
 * until saved) and the list is written in one transaction per
 * FLUSH_MS. Shutdown flushes at once.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "store/store.h"
#include "call/internal.h"

#define LOG_MODULE "call"

enum { FLUSH_MS = 50, RETRY_MS = 1000, RETAIN_MAX = 100000 };

static void flush_handler(void *arg);


static void leg_destructor(void *arg)
{
	struct call_leg *l = arg;

	list_unlink(&l->le);
	mem_deref(l->agent);
	mem_deref(l->uri);
}


struct call_leg *call_leg_add(struct call *call, const char *role,
			      const char *agent, const char *uri)
{
	struct call_leg *l;

	/* A call that went round many agents keeps its caller and latest
	 * attempts: the oldest attempt no offer holds is dropped. With more
	 * phones ringing at once than that (ring-all), the list grows. */
	if (list_count(&call->legl) >= CALL_LEGS_MAX) {
		struct le *le = call->legl.head ? call->legl.head->next : NULL;

		while (le && mem_nrefs(le->data) > 1)
			le = le->next;
		if (le)
			mem_deref(le->data);
	}

	l = mem_zalloc(sizeof(*l), leg_destructor);
	if (!l)
		return NULL;

	l->role = role;
	l->started = call_wallclock();
	if ((agent && str_dup(&l->agent, agent)) ||
	    (uri && str_dup(&l->uri, uri))) {
		mem_deref(l);
		return NULL;
	}

	list_append(&call->legl, &l->le, l);
	return l;
}


static int save(struct call *call)
{
	struct store_leg legs[CALL_LEGS_MAX];
	struct store_call c;
	const size_t count = list_count(&call->legl);
	size_t n = 0, skip = count > CALL_LEGS_MAX ? count - CALL_LEGS_MAX : 0;

	/* the caller, then the latest attempts */
	for (struct le *le = call->legl.head; le && n < CALL_LEGS_MAX;
	     le = le->next) {
		const struct call_leg *l = le->data;

		if (l != call->caller && skip) {
			--skip;
			continue;
		}

		legs[n] = (struct store_leg){
			.role = l->role,
			.agent = l->agent,
			.uri = l->uri,
			.final_code = l->final_code,
			.started = l->started,
			.answered = l->answered,
			.ended = l->ended,
			.rtp_in = l->rtp_in,
			.rtp_out = l->rtp_out,
		};

		/* live calls show the caller's media so far */
		if (l == call->caller && call->state != CALL_ENDED &&
		    call->relay)
			media_relay_stats(call->relay, MEDIA_A, &legs[n].rtp_in,
					  &legs[n].rtp_out);
		++n;
	}

	c = (struct store_call){
		.id = call->id,
		.from = call->from,
		.from_number = call->from_number,
		.to = call->to,
		.trunk = call->trunk,
		.queue = call->queue,
		.agent = call->agent,
		.arrived = call->arrived,
		.offered = call->offered,
		.answered = call->answered,
		.ended = call->ended,
		.end_reason = call->end_reason,
		.hangup_by = call->hangup_by,
		.caller_code = call->caller_code,
		.legs = legs,
		.nlegs = n,
		.routing = call->routing_json,
		.disposition = call->disposition,
		.notes = call->notes,
		.direction = call->outbound ? "outbound" : "inbound",
	};

	return store_call_save(cs.store, &c);
}


void call_record_flush(void)
{
	struct le *le;
	int err;

	wtimer_cancel(&cs.flush_tmr);

	if (list_isempty(&cs.dirty))
		return;

	err = store_begin(cs.store);

	for (le = cs.dirty.head; le && !err; le = le->next)
		err = save(le->data);

	if (!err)
		err = store_commit(cs.store);
	else
		(void)store_rollback(cs.store);

	if (err) {
		/* Keep them (a full disk or a descriptor shortage passes);
		 * only past RETAIN_MAX do the oldest go, loudly. */
		log_error("saving %u call record(s) failed: %m; retrying in "
			  "%u ms", list_count(&cs.dirty), err, RETRY_MS);

		while (list_count(&cs.dirty) > RETAIN_MAX) {
			struct call *call = list_ledata(cs.dirty.head);

			log_error("call %s: record dropped", call->id);
			list_unlink(&call->le_dirty);
			mem_deref(call);
		}

		wtimer_start(&cs.flush_tmr, RETRY_MS, flush_handler, NULL);
		return;
	}

	while ((le = cs.dirty.head)) {
		struct call *call = le->data;

		list_unlink(le);
		mem_deref(call);
	}
}


static void flush_handler(void *arg)
{
	(void)arg;
	call_record_flush();
}


void call_record_touch(struct call *call)
{
	if (list_contains(&cs.dirty, &call->le_dirty))
		return;

	list_append(&cs.dirty, &call->le_dirty, mem_ref(call));

	if (!wtimer_isrunning(&cs.flush_tmr))
		wtimer_start(&cs.flush_tmr, FLUSH_MS, flush_handler, NULL);
}


void call_record_close(void)
{
	call_record_flush();
}
