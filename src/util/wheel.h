/*
 * wheel.h — a hashed timing wheel for the many short-lived timers of a
 * SIP server (transactions, offers, waits).
 *
 * Why not libre's tmr: tmr keeps one sorted linked list, so starting a
 * short timer behind tens of thousands of long ones (every finished
 * transaction keeps a 32 s timer) walks the whole list. Here start and
 * cancel are O(1) and each tick touches only the timers in its slot.
 *
 * One wheel per process, driven from the libre loop by a single tmr that
 * is armed only while timers are pending. Resolution is WHEEL_TICK_MS.
 */
#ifndef SWITCHBOARD_WHEEL_H
#define SWITCHBOARD_WHEEL_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>

enum { WHEEL_TICK_MS = 10 };

typedef void (wtimer_h)(void *arg);

struct wtimer {
	struct le le;
	wtimer_h *th;
	void *arg;
	uint64_t expires;   /* in wheel ticks */
};

int      wheel_init(void);
void     wheel_close(void);
uint64_t wheel_now_ms(void);
uint32_t wheel_count(void);

void wtimer_init(struct wtimer *t);
void wtimer_start(struct wtimer *t, uint64_t delay_ms, wtimer_h *th,
		  void *arg);
void wtimer_cancel(struct wtimer *t);
bool wtimer_isrunning(const struct wtimer *t);

#endif
