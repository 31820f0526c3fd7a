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
 * not wait for them: utterances queue until the first is ready.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "log.h"
#include "asr/asr.h"

#define LOG_MODULE "asr"

enum {
	QUEUE_MAX_S = 20,          /* seconds of audio waiting, per worker */
	WORKERS_MAX = 64,
};

struct job {
	struct le le;
	struct asr_result r;       /* call_id, agent, text: owned below */
	char *call_id, *agent, *text;
	int16_t *pcm;
	size_t n;
};

static struct {
	const struct asr_backend *be;
	pthread_t thr[WORKERS_MAX];
	uint32_t nthr;
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list jobs;          /* under mtx */
	size_t queued, queue_max;  /* samples, under mtx */
	bool stop;                 /* under mtx */
	struct mqueue *mq;
	asr_result_h *h;
	void *arg;
	uint64_t dropped;
} p;


static void job_destructor(void *arg)
{
	struct job *j = arg;

	mem_deref(j->call_id);
	mem_deref(j->agent);
	mem_deref(j->text);
	mem_deref(j->pcm);
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


static void decode(void *dec, struct job *j)
{
	double conf = 0;
	int err;

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


static void *worker(void *arg)
{
	void *dec = NULL;
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
		while (!p.stop && !p.jobs.head)
			pthread_cond_wait(&p.cond, &p.mtx);
		if (p.stop) {
			pthread_mutex_unlock(&p.mtx);
			break;
		}
		j = p.jobs.head->data;
		list_unlink(&j->le);
		p.queued -= j->n;
		pthread_mutex_unlock(&p.mtx);

		decode(dec, j);
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

	if (p.h)
		p.h(&j->r, p.arg);

	mem_deref(j);
}


void asr_pool_emit(const struct asr_result *r)
{
	if (r->gap)
		++p.dropped;

	if (p.h)
		p.h(r, p.arg);
}


bool asr_pool_submit(const struct asr_result *meta, int16_t *pcm, size_t n)
{
	struct job *j;
	bool ok;

	if (!p.nthr) {
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

	pthread_mutex_lock(&p.mtx);
	/* an utterance longer than the bound still goes to an empty queue */
	ok = meta->partial ? !p.jobs.head :
		!p.jobs.head || p.queued + n <= p.queue_max;
	if (ok) {
		list_append(&p.jobs, &j->le, j);
		p.queued += n;
		pthread_cond_signal(&p.cond);
	}
	pthread_mutex_unlock(&p.mtx);

	if (!ok)
		mem_deref(j);

	return ok;
}


bool asr_enabled(void)
{
	return p.nthr > 0;
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


int asr_init(const char *backend, uint32_t workers, uint32_t queue_s)
{
	int err;

	if (!backend || !strcmp(backend, "off"))
		return 0;

	if (!strcmp(backend, "pocketsphinx"))
		p.be = &asr_pocketsphinx;
	else
		return ENOTSUP;

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
	p.stop = false;
	p.queue_max = (size_t)workers * (queue_s ? queue_s : QUEUE_MAX_S) *
		16000;

	for (uint32_t i = 0; i < workers; i++) {
		err = pthread_create(&p.thr[p.nthr], NULL, worker, NULL);
		if (err)
			break;
		++p.nthr;
	}

	if (!p.nthr) {
		asr_close();
		return err;
	}

	log_info("transcription: %s, %u workers", p.be->name, p.nthr);
	return 0;
}


void asr_close(void)
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

	list_flush(&p.jobs);
	p.queued = 0;
	pthread_mutex_destroy(&p.mtx);
	pthread_cond_destroy(&p.cond);

	/* results still in the mqueue are dropped with it */
	p.mq = mem_deref(p.mq);
}
