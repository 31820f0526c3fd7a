/*
 * test_wheel.c — the timing wheel fires each timer once, in order, not
 * early, survives cancellation from inside handlers, and handles delays
 * longer than one revolution.
 */
#include <string.h>
#include <re.h>
#include "util/wheel.h"
#include "unit.h"

struct rec {
	uint64_t start;
	uint64_t fired_at[8];
	int order[8];
	int n;
	struct wtimer t[8];
	int cancel_idx;       /* timer to cancel from handler 0, or -1 */
	int remaining;
};

static struct rec R;


static void fired(void *arg)
{
	int i = (int)(intptr_t)arg;

	R.fired_at[i] = wheel_now_ms();
	R.order[R.n++] = i;

	if (i == 0 && R.cancel_idx >= 0)
		wtimer_cancel(&R.t[R.cancel_idx]);

	if (--R.remaining == 0)
		re_cancel();
}


static void run_loop(void)
{
	(void)re_main(NULL);
}


static void test_order_and_lateness(void)
{
	static const uint64_t delays[] = {30, 10, 250, 20};

	memset(&R, 0, sizeof(R));
	R.cancel_idx = -1;
	R.remaining = 4;
	wheel_init();

	R.start = wheel_now_ms();
	for (int i = 0; i < 4; i++)
		wtimer_start(&R.t[i], delays[i], fired, (void *)(intptr_t)i);
	CHECK_EQ(wheel_count(), 4u);

	run_loop();

	CHECK_EQ(R.n, 4);
	CHECK_EQ(R.order[0], 1);
	CHECK_EQ(R.order[1], 3);
	CHECK_EQ(R.order[2], 0);
	CHECK_EQ(R.order[3], 2);
	for (int i = 0; i < 4; i++) {
		CHECK(R.fired_at[i] >= R.start + delays[i]);
		CHECK(R.fired_at[i] <= R.start + delays[i] + 100);
	}
	CHECK_EQ(wheel_count(), 0u);
	wheel_close();
}


static void test_cancel_from_handler(void)
{
	memset(&R, 0, sizeof(R));
	R.cancel_idx = 1;
	R.remaining = 2;
	wheel_init();

	/* 0 and 1 share a tick; 0's handler cancels 1 before it runs. */
	wtimer_start(&R.t[0], 20, fired, (void *)(intptr_t)0);
	wtimer_start(&R.t[1], 20, fired, (void *)(intptr_t)1);
	wtimer_start(&R.t[2], 60, fired, (void *)(intptr_t)2);
	run_loop();

	CHECK_EQ(R.n, 2);
	CHECK_EQ(R.order[0], 0);
	CHECK_EQ(R.order[1], 2);
	CHECK(!wtimer_isrunning(&R.t[1]));
	wheel_close();
}


static void test_beyond_one_revolution(void)
{
	/* 1024 slots of 10 ms: 10.54 s shares its slot with a timer 300 ms
	 * ahead, so the first pass over that slot must skip it. */
	memset(&R, 0, sizeof(R));
	R.cancel_idx = -1;
	R.remaining = 2;
	wheel_init();

	R.start = wheel_now_ms();
	wtimer_start(&R.t[0], 10540, fired, (void *)(intptr_t)0);
	wtimer_start(&R.t[1], 300, fired, (void *)(intptr_t)1);
	wtimer_start(&R.t[2], 600, fired, (void *)(intptr_t)2);
	R.remaining = 2;
	run_loop();

	CHECK_EQ(R.n, 2);
	CHECK_EQ(R.order[0], 1);
	CHECK_EQ(R.order[1], 2);
	CHECK(wtimer_isrunning(&R.t[0]));
	CHECK_EQ(wheel_count(), 1u);
	wtimer_cancel(&R.t[0]);
	CHECK_EQ(wheel_count(), 0u);
	wheel_close();
}


static void test_restart_and_cancel(void)
{
	struct wtimer t;

	wheel_init();
	wtimer_init(&t);
	CHECK(!wtimer_isrunning(&t));
	wtimer_start(&t, 1000, fired, NULL);
	wtimer_start(&t, 2000, fired, NULL);
	CHECK_EQ(wheel_count(), 1u);
	wtimer_cancel(&t);
	wtimer_cancel(&t);
	CHECK_EQ(wheel_count(), 0u);
	wheel_close();
}


UNIT_SUITE(wheel,
	UNIT_CASE(test_order_and_lateness),
	UNIT_CASE(test_cancel_from_handler),
	UNIT_CASE(test_restart_and_cancel),
	UNIT_CASE(test_beyond_one_revolution),
);
