/*
 * pool.c — the decoder threads and the queues between them and the
 * event loop.
 *
 * Utterances go to the workers through a list under a mutex: the event
 * loop only appends and signals, it never waits for a worker (a worker
 * holds the mutex just to take a job). The list is bounded by the audio
 * it holds (asr_queue_s, QUEUE_MAX_S by default, per worker), so if the
 * workers fall behind new utterances are dropped and reported as gaps
 * (one longer than the bound still goes to an empty list). Results come back through
 * libre's mqueue, whose handler runs on the event loop.
 *
 * Each worker opens its own decoder on its own thread, so start-up does
 * not wait for them: utterances queue until the first is ready. The pool
 * starts with the server when pocketsphinx is the default backend, else
 * with the first stream that needs it (a queue that asks for it): ~90 MB
 * per decoder is not spent on a server whose queues never use it. Only
 * pocketsphinx needs threads; the ws backend lives on the event loop
 * (ws.c), so there is one pool.
 *
 * Partials (the utterance so far, while it goes on) have their own list,
 * which workers serve first while the oldest final has waited less than
 * FINAL_GRACE_MS: a partial is only useful if it is fresh, a final can
 * wait a little but not for long. There is at most one partial per
 * speaking stream (its pace). They are not queued at all while the
 * finals already waiting would take the workers longer than that grace
 * to decode (at the speed recent decodes went): the pool is then
 * overloaded, and finals, which are stored, matter more than partials,
 * which are shown and replaced. Before this, partials were refused only
 * once finals filled half the bound, and on bench/asr 40 legs on 2 cores
 * lost finals while partials still ran. (Serving finals always first was tried: on
 * cores shared with other work a stream's partials then never ran, the
 * final took them off the queue first.)
 *
 * A final may be decoded ahead (asr_pool_speculate): when a stream's
 * speaker has been quiet for a moment the stream queues the utterance as
 * it would end, while the VAD's hang-over still waits to be sure. Its
 * result is held on the stream's pace until the stream confirms it (the
 * hang-over passed: emitted at once) or cancels it (the speaker went
 * on: dropped, or taken off the queue if still there). The hang-over
 * then no longer adds to the decode time but overlaps it. It queues
 * as a final does, behind the finals waiting: under load it then stands
 * 150 ms further ahead in the line than its plain final would, and a
 * cancelled one is almost always still queued, so taken off unseen.
 * (Queued only while no final waited, it was skipped exactly when
 * finals were slow: bench/asr 32 legs p50 834 -> 685 ms, and 48 legs
 * instead of 44 in real time.)
 *
 * A decoder is told the vocabulary of each utterance (the backend's
 * optional hook) only when it differs from the last one it was given.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "log.h"
#include "asr/asr.h"

#define LOG_MODULE "asr"

/* PocketSphinx's real-time factor on one core, before a stream has
 * measured its own */
#define RTF_GUESS 0.25

enum {
	QUEUE_MAX_S = 20,          /* seconds of audio waiting, per worker */
	FINAL_GRACE_MS = 300,      /* a final waits this long for partials */
	WORKERS_MAX = 64,
};

struct job {
	struct le le;
	struct asr_result r;       /* call_id, agent, text: owned below */
	char *call_id, *agent, *text;
	int16_t *pcm;
	size_t n;
	struct asr_vocab *vocab;   /* shared, read-only */
	struct asr_pace *pace;     /* partials, speculations: the stream's */
	bool spec;                 /* a final decoded ahead */
	uint64_t dec_ms;           /* how long decoding took */
	uint64_t queued_at;        /* tmr_jiffies */
};

struct asr_pace {
	bool busy;                 /* a partial is queued or decoding */
	struct job *queued;        /* that partial while queued, under mtx */
	double rtf;                /* decoding time / audio time, recent */
	/* the final decoded ahead, from its submission until it is
	 * emitted or cancelled (loop only; compared, never dereferenced
	 * while a worker has it) */
	struct job *spec;
	struct job *spec_queued;   /* it while queued, under mtx */
	struct job *held;          /* it, decoded, awaiting confirmation */
	bool confirmed;            /* emit it when it comes back */
};

static struct {
	const struct asr_backend *be;
	const struct asr_backend *be_next;   /* NULL: pocketsphinx */
	pthread_t thr[WORKERS_MAX];
	uint32_t nthr;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list jobs;          /* finals, under mtx */
	struct list partials;      /* under mtx */
	size_t queued, queue_max;  /* samples of finals, under mtx */
	uint32_t workers, queue_s; /* as configured */
	bool stop;                 /* under mtx */
	struct mqueue *mq;
	asr_result_h *h;
	void *arg;
	uint64_t dropped;
	double rtf;                /* decode time / audio, recent, on the loop */
} p;


static void job_destructor(void *arg)
{
	struct job *j = arg;

	mem_deref(j->call_id);
	mem_deref(j->agent);
	mem_deref(j->text);
	mem_deref(j->pcm);
	mem_deref(j->vocab);
	/* runs on the loop: mq_handler, asr_close or a refused submit */
	mem_deref(j->pace);
}


static struct job *job_new(const struct asr_result *meta)
{
	struct job *j = mem_zalloc(sizeof(*j), job_destructor);

	if (!j)
		return NULL;

	j->r = *meta;
	if (str_dup(&j->call_id, meta->call_id) ||
	    (meta->agent && str_dup(&j->agent, meta->agent)))
		return mem_deref(j);

	j->r.call_id = j->call_id;
	j->r.agent = j->agent;
	j->r.text = "";
	return j;
}


static void decode(void *dec, struct job *j, uint64_t *vserial)
{
	const uint64_t serial = j->vocab ? j->vocab->serial : 0;
	double conf = 0;
	int err = 0;

	/* a failed hook leaves *vserial as it was: tried again next time */
	if (p.be->vocabulary && serial != *vserial) {
		err = p.be->vocabulary(dec, j->vocab);
		if (err)
			log_warn("%s: vocabulary of %s: %m", p.be->name,
				 j->vocab ? j->vocab->id : "(none)", err);
		else
			*vserial = serial;
	}

	err = p.be->start(dec);
	if (!err)
		err = p.be->feed(dec, j->pcm, j->n);
	if (!err)
		err = p.be->result(dec, true, &j->text, &conf);

	if (err)
		log_warn("decoding an utterance of call %s: %m",
			 j->call_id, err);

	j->r.text = j->text ? j->text : "";
	j->r.confidence = conf;
}


/* under mtx, with some job waiting */
static struct job *next_job(void)
{
	struct job *f = p.jobs.head ? p.jobs.head->data : NULL;

	if (p.partials.head &&
	    (!f || tmr_jiffies() < f->queued_at + FINAL_GRACE_MS))
		return p.partials.head->data;

	return f;
}


static void *worker(void *arg)
{
	void *dec = NULL;
	uint64_t vserial = 0;      /* the general model */
	int err;
	(void)arg;

	err = p.be->open(&dec);
	if (err) {
		log_error("%s: cannot open a decoder: %m", p.be->name, err);
		return NULL;
	}

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&p.mtx);
		while (!p.stop && !p.jobs.head && !p.partials.head)
			pthread_cond_wait(&p.cond, &p.mtx);
		if (p.stop) {
			pthread_mutex_unlock(&p.mtx);
			break;
		}
		j = next_job();
		if (j->r.partial)
			j->pace->queued = NULL;
		else
			p.queued -= j->n;
		if (j->spec)
			j->pace->spec_queued = NULL;
		list_unlink(&j->le);
		pthread_mutex_unlock(&p.mtx);

		j->dec_ms = tmr_jiffies();
		decode(dec, j, &vserial);
		j->dec_ms = tmr_jiffies() - j->dec_ms;
		j->pcm = mem_deref(j->pcm);

		/* on failure the result is lost, not the loop */
		if (mqueue_push(p.mq, 0, j))
			mem_deref(j);
	}

	p.be->close(dec);
	return NULL;
}


static void mq_handler(int id, void *data, void *arg)
{
	struct job *j = data;
	(void)id;
	(void)arg;

	/* how fast decodes go now (the cores may be shared): the pool's
	 * backlog is judged by it, a stream's next partial sized by its own */
	if (j->n >= 1600) {
		const double rtf = (double)j->dec_ms / ((double)j->n / 16);

		p.rtf = (p.rtf + rtf) / 2;
		if (j->r.partial)
			j->pace->rtf = (j->pace->rtf + rtf) / 2;
	}
	if (j->r.partial)
		j->pace->busy = false;

	if (j->spec) {
		struct asr_pace *pc = j->pace;

		if (pc->spec != j) {
			mem_deref(j);     /* cancelled while decoding */
			return;
		}
		if (!pc->confirmed) {
			pc->held = j;
			return;
		}
		pc->spec = NULL;
		pc->confirmed = false;
	}

	if (p.h)
		p.h(&j->r, p.arg);

	mem_deref(j);
}


int asr_pace_alloc(struct asr_pace **pp)
{
	*pp = mem_zalloc(sizeof(**pp), NULL);
	if (!*pp)
		return ENOMEM;

	(*pp)->rtf = RTF_GUESS;
	return 0;
}


double asr_pace_rtf(const struct asr_pace *pc)
{
	return pc ? pc->rtf : RTF_GUESS;
}


bool asr_pace_busy(const struct asr_pace *pc)
{
	return pc && pc->busy;
}


void asr_pool_emit(const struct asr_result *r)
{
	if (r->gap)
		++p.dropped;

	if (p.h)
		p.h(r, p.arg);
}


/* under mtx: the pace's partial, taken off the queue, or NULL */
static struct job *unqueue_partial(struct asr_pace *pace)
{
	struct job *j = pace->queued;

	if (j) {
		pace->queued = NULL;
		list_unlink(&j->le);
	}
	return j;
}


/* on the loop, the mutex released: a partial taken off the queue */
static void drop_partial(struct asr_pace *pace, struct job *j)
{
	if (j) {
		pace->busy = false;
		mem_deref(j);
	}
}


/* under mtx: how long the workers need for the finals queued now */
static double backlog_ms(void)
{
	return (double)p.queued / 16 * p.rtf / p.nthr;
}


static bool enqueue(const struct asr_result *meta, int16_t *pcm, size_t n,
		    struct asr_vocab *vocab, struct asr_pace *pace, bool spec)
{
	struct job *j, *stale = NULL;
	bool ok;

	if (!p.nthr || (meta->partial && (!pace || pace->busy)) ||
	    (spec && (!pace || pace->spec))) {
		mem_deref(pcm);
		return false;
	}

	j = job_new(meta);
	if (!j) {
		mem_deref(pcm);
		return false;
	}

	j->pcm = pcm;
	j->n = n;
	j->queued_at = tmr_jiffies();
	j->vocab = mem_ref(vocab);
	j->spec = spec;
	if (meta->partial || spec)
		j->pace = mem_ref(pace);

	pthread_mutex_lock(&p.mtx);
	/* an utterance longer than the bound still goes to an empty queue;
	 * a speculation only there */
	ok = meta->partial ? backlog_ms() <= FINAL_GRACE_MS &&
		list_count(&p.partials) < p.nthr :
		!p.jobs.head || p.queued + n <= p.queue_max;
	if (ok && meta->partial) {
		list_append(&p.partials, &j->le, j);
		pace->queued = j;
	}
	else if (ok) {
		list_append(&p.jobs, &j->le, j);
		p.queued += n;
		if (spec)
			pace->spec_queued = j;
	}
	if (ok)
		pthread_cond_signal(&p.cond);
	/* the utterance is over: its partial still waiting would come
	 * after it, at the cost of a decode (a speculation leaves it: the
	 * utterance may go on, and on busy cores that partial may be the
	 * only one it gets) */
	if (!meta->partial && !spec && pace)
		stale = unqueue_partial(pace);
	pthread_mutex_unlock(&p.mtx);

	if (stale)
		drop_partial(pace, stale);

	if (ok && meta->partial)
		pace->busy = true;
	if (ok && spec)
		pace->spec = j;
	if (!ok)
		mem_deref(j);

	return ok;
}


bool asr_pool_submit(const struct asr_result *meta, int16_t *pcm, size_t n,
		     struct asr_vocab *vocab, struct asr_pace *pace)
{
	return enqueue(meta, pcm, n, vocab, pace, false);
}


bool asr_pool_speculate(const struct asr_result *meta, int16_t *pcm,
			size_t n, struct asr_vocab *vocab,
			struct asr_pace *pace)
{
	return enqueue(meta, pcm, n, vocab, pace, true);
}


bool asr_pool_confirm(struct asr_pace *pc)
{
	struct job *j;

	if (!pc || !pc->spec)
		return false;

	/* as a final's submission does (no pool: nothing queued) */
	if (p.mq) {
		pthread_mutex_lock(&p.mtx);
		j = unqueue_partial(pc);
		pthread_mutex_unlock(&p.mtx);
		drop_partial(pc, j);
	}

	if (!pc->held) {
		pc->confirmed = true;
		return true;
	}

	j = pc->held;
	pc->held = NULL;
	pc->spec = NULL;
	if (p.h)
		p.h(&j->r, p.arg);
	mem_deref(j);
	return true;
}


void asr_pool_cancel(struct asr_pace *pc)
{
	struct job *stale = NULL;

	if (!pc || !pc->spec)
		return;

	/* no pool: asr_pool_close flushed the lists and joined the
	 * workers, so it cannot be queued any more */
	if (p.mq) {
		pthread_mutex_lock(&p.mtx);
		stale = pc->spec_queued;
		if (stale) {
			pc->spec_queued = NULL;
			list_unlink(&stale->le);
			p.queued -= stale->n;
		}
		pthread_mutex_unlock(&p.mtx);
	}

	pc->held = mem_deref(pc->held);
	pc->spec = NULL;
	pc->confirmed = false;
	mem_deref(stale);
}


uint64_t asr_dropped(void)
{
	return p.dropped;
}


void asr_handler(asr_result_h *h, void *arg)
{
	p.h = h;
	p.arg = arg;
}


void asr_pool_backend(const struct asr_backend *be)
{
	p.be_next = be;
}


void asr_pool_config(uint32_t workers, uint32_t queue_s)
{
	p.workers = workers;
	p.queue_s = queue_s;
}


/* idempotent: a running pool is left as it is */
int asr_pool_start(void)
{
	uint32_t workers = p.workers;
	int err = 0;

	if (p.mq)
		return 0;

	p.be = p.be_next ? p.be_next : &asr_pocketsphinx;

	if (!workers) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		workers = n > 0 ? (uint32_t)n : 1;
	}
	if (workers > WORKERS_MAX)
		workers = WORKERS_MAX;

	err = mqueue_alloc(&p.mq, mq_handler, NULL);
	if (err)
		return err;

	pthread_mutex_init(&p.mtx, NULL);
	pthread_cond_init(&p.cond, NULL);
	list_init(&p.jobs);
	list_init(&p.partials);
	p.rtf = RTF_GUESS;
	p.stop = false;
	p.queue_max = (size_t)workers *
		(p.queue_s ? p.queue_s : QUEUE_MAX_S) * 16000;

	for (uint32_t i = 0; i < workers; i++) {
		err = pthread_create(&p.thr[p.nthr], NULL, worker, NULL);
		if (err)
			break;
		++p.nthr;
	}

	if (!p.nthr) {
		asr_pool_close();
		return err;
	}

	log_info("transcription: %s, %u workers", p.be->name, p.nthr);
	return 0;
}


void asr_pool_close(void)
{
	if (!p.mq)
		return;

	pthread_mutex_lock(&p.mtx);
	p.stop = true;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.mtx);

	for (uint32_t i = 0; i < p.nthr; i++)
		pthread_join(p.thr[i], NULL);
	p.nthr = 0;

	/* the streams' paces must not point at what goes now */
	for (struct le *le = p.jobs.head; le; le = le->next) {
		struct job *j = le->data;

		if (j->spec && j->pace->spec == j)
			j->pace->spec = j->pace->spec_queued = NULL;
	}
	for (struct le *le = p.partials.head; le; le = le->next) {
		struct job *j = le->data;

		j->pace->queued = NULL;
		j->pace->busy = false;
	}
	list_flush(&p.jobs);
	list_flush(&p.partials);
	p.queued = 0;
	pthread_mutex_destroy(&p.mtx);
	pthread_cond_destroy(&p.cond);

	/* results still in the mqueue are dropped with it */
	p.mq = mem_deref(p.mq);
}
