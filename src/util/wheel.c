/*
 * wheel.c — single-level hashed timing wheel (Varghese & Lauck, scheme 6).
 *
 * A timer lives in slot (expires % WHEEL_SLOTS) and is fired when the
 * wheel's cursor reaches its slot in the tick it expires; timers further
 * than one revolution away stay in the slot and are skipped until their
 * turn. One revolution is WHEEL_SLOTS * WHEEL_TICK_MS = 10.24 s, so a
 * 32 s transaction timer is looked at four times in its life.
 *
 * The libre tmr that drives the wheel is re-armed for the next non-empty
 * slot (searched at most one revolution ahead), so an idle wheel costs
 * nothing and a busy one costs one wake-up per occupied tick.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "util/wheel.h"

enum { WHEEL_SLOTS = 1024 };

static struct {
	struct list slot[WHEEL_SLOTS];
	uint64_t cursor;        /* next tick to process */
	uint32_t count;
	struct tmr drive;
	bool running;           /* processing slots: don't re-arm */
} w;


uint64_t wheel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static uint64_t now_ticks(void)
{
	return wheel_now_ms() / WHEEL_TICK_MS;
}


static void arm(void);


static void drive_handler(void *arg)
{
	const uint64_t now = now_ticks();
	struct list due = LIST_INIT;
	(void)arg;

	w.running = true;

	/* After a long stall one pass over every slot catches up. */
	if (now >= w.cursor + WHEEL_SLOTS)
		w.cursor = now - WHEEL_SLOTS + 1;

	while (w.cursor <= now) {
		struct list *l = &w.slot[w.cursor % WHEEL_SLOTS];
		struct le *le = l->head;

		/* Move what is due to a private list first: a handler may
		 * cancel (and free) any other timer, and wtimer_cancel
		 * unlinks from whichever list the timer is on. */
		while (le) {
			struct wtimer *t = le->data;

			le = le->next;
			if (t->expires <= w.cursor) {
				list_unlink(&t->le);
				list_append(&due, &t->le, t);
			}
		}

		while ((le = due.head)) {
			struct wtimer *t = le->data;
			wtimer_h *th = t->th;

			list_unlink(&t->le);
			t->th = NULL;
			--w.count;
			th(t->arg);
		}

		++w.cursor;
	}

	w.running = false;
	arm();
}


static void arm(void)
{
	uint64_t now, i;

	if (w.running)
		return;

	if (!w.count) {
		tmr_cancel(&w.drive);
		return;
	}

	now = wheel_now_ms();

	for (i = 0; i < WHEEL_SLOTS; i++) {
		if (!list_isempty(&w.slot[(w.cursor + i) % WHEEL_SLOTS]))
			break;
	}

	{
		const uint64_t due = (w.cursor + i) * WHEEL_TICK_MS;
		const uint64_t delay = due > now ? due - now : 0;

		if (!tmr_isrunning(&w.drive) ||
		    tmr_get_expire(&w.drive) > delay)
			tmr_start(&w.drive, delay, drive_handler, NULL);
	}
}


int wheel_init(void)
{
	for (size_t i = 0; i < WHEEL_SLOTS; i++)
		list_init(&w.slot[i]);

	w.cursor = now_ticks();
	w.count = 0;
	tmr_init(&w.drive);

	return 0;
}


void wheel_close(void)
{
	for (size_t i = 0; i < WHEEL_SLOTS; i++) {
		struct le *le;

		while ((le = w.slot[i].head)) {
			struct wtimer *t = le->data;

			list_unlink(le);
			t->th = NULL;
		}
	}

	w.count = 0;
	tmr_cancel(&w.drive);
}


uint32_t wheel_count(void)
{
	return w.count;
}


void wtimer_init(struct wtimer *t)
{
	if (!t)
		return;

	memset(t, 0, sizeof(*t));
}


void wtimer_cancel(struct wtimer *t)
{
	if (!t || !t->th)
		return;

	list_unlink(&t->le);
	t->th = NULL;
	--w.count;
}


void wtimer_start(struct wtimer *t, uint64_t delay_ms, wtimer_h *th,
		  void *arg)
{
	uint64_t ticks;

	if (!t)
		return;

	wtimer_cancel(t);

	if (!th)
		return;

	/* The first tick that starts at or after the deadline: never early,
	 * at most one tick late. */
	ticks = (wheel_now_ms() + delay_ms + WHEEL_TICK_MS - 1) / WHEEL_TICK_MS;

	/* An empty wheel may have been idle for hours: don't make the next
	 * pass walk all that time. */
	if (!w.count && !w.running)
		w.cursor = now_ticks();

	t->th = th;
	t->arg = arg;
	t->expires = ticks < w.cursor ? w.cursor : ticks;

	/* During a pass the slot of the tick in progress has already been
	 * collected: a timer due now belongs to the next tick, not to the
	 * same slot one revolution (10.24 s) later. */
	if (w.running && t->expires <= w.cursor)
		t->expires = w.cursor + 1;

	list_append(&w.slot[t->expires % WHEEL_SLOTS], &t->le, t);
	++w.count;

	arm();
}


bool wtimer_isrunning(const struct wtimer *t)
{
	return t && t->th != NULL;
}
