/*
 * asr.h — live transcription of a call's two directions on an embedded,
 * offline speech recognizer.
 *
 * The event loop owns the streams: the relay hands each RTP packet of a
 * party to its stream (asr_stream_rtp), which decodes G.711, cuts
 * utterances with an energy VAD and queues each finished utterance,
 * resampled to 16 kHz, for a pool of worker threads. Each worker owns one
 * decoder, opened when the pool starts (a decoder takes ~0.5 s and ~90 MB
 * to open, far too much per call). Results come back to the event loop
 * through libre's mqueue and go to the handler given to asr_init.
 *
 * The media path never waits: the queue is bounded (in seconds of
 * audio); an utterance that does not fit is dropped and reported as a
 * gap result instead.
 *
 * These are the only threads in switchboard; they touch nothing but
 * their decoder and the queue.
 */
#ifndef SWITCHBOARD_ASR_H
#define SWITCHBOARD_ASR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A domain's phrases (a queue's transcription "vocabulary": product
 * names, common requests). A mem object, never changed once made: a new
 * list makes a new object with a new serial, so backends may cache what
 * they build from it by serial. Shared by the streams of the queue's
 * calls and the utterances in flight; safe to read from any thread. */
struct asr_vocab {
	char *id;                  /* who it is for, e.g. the queue id */
	uint64_t serial;           /* unique per object in this process */
	char **phrases;
	size_t n;
	/* "sounds_like": how to say a word of the phrases, as words the
	 * recognizer knows ("esim" like "e sim"); word[i] like like[i] */
	char **word, **like;
	size_t nlike;
};

enum {
	ASR_SOUNDS_MAX = 100,      /* sounds_like entries of a vocabulary */
	ASR_SOUNDS_WORDS = 8,      /* words in one */
};

int asr_vocab_alloc(struct asr_vocab **vp, const char *id,
		    const char *const *phrases, size_t n);
/* word (one word: lower-case letters, digits, inner apostrophes) said
 * like `like` (1 to ASR_SOUNDS_WORDS words); only before v is shared.
 * EINVAL with *why for what is wrong, E2BIG past ASR_SOUNDS_MAX. */
int asr_vocab_sounds(struct asr_vocab *v, const char *word, const char *like,
		     const char **why);

/* A recognizer. A decoder serves one utterance at a time, from one
 * thread at a time; open and close run on the worker's thread. */
struct asr_backend {
	const char *name;
	int  (*open)(void **decp);
	/* optional: bias the next utterances toward a domain's phrases;
	 * NULL: back to the general model. Called before start. */
	int  (*vocabulary)(void *dec, const struct asr_vocab *v);
	int  (*start)(void *dec);
	/* 16-bit PCM, 16 kHz mono; the pool feeds an utterance whole, in
	 * one call */
	int  (*feed)(void *dec, const int16_t *pcm, size_t n);
	/* the best hypothesis so far (final: the utterance is over); text
	 * is mem-allocated, confidence 0..1 */
	int  (*result)(void *dec, bool final, char **textp,
		       double *confidence);
	void (*close)(void *dec);
};

extern const struct asr_backend asr_pocketsphinx;

/* The language model pocketsphinx decodes with, before its first
 * decoder opens: "callcenter" (the default: the model built from
 * data/asr/callcenter.txt, alone), "general" (pocketsphinx-en-us's
 * general model), "mixed" (both, interpolated half and half) or the
 * path of an ARPA or sphinx binary model used alone.
 * EINVAL: NULL or empty; ENOENT: no such file. */
int asr_ps_language_model(const char *lm);

struct asr_result {
	const char *call_id;
	const char *agent;         /* the call's agent, or NULL */
	const char *leg;           /* "a" (caller side) or "b" (agent side) */
	const char *role;          /* "customer", "agent" or "external" */
	uint64_t start_ms, end_ms; /* offset from the stream's start */
	const char *text;          /* "" for a gap */
	double confidence;
	bool gap;                  /* audio dropped: workers fell behind */
	bool partial;              /* the utterance so far, not its end */
};

typedef void (asr_result_h)(const struct asr_result *r, void *arg);

/* The server's default, for queues that name no backend: backend
 * "pocketsphinx", "ws" or "off"; workers: pocketsphinx decoder threads,
 * 0 = one per core; queue_s: seconds of audio that may wait per worker
 * (0: 20). The pocketsphinx pool starts here when it is the default,
 * else with the first stream that needs it. Call asr_ws_default first
 * when the default is "ws". */
int  asr_init(const char *backend, uint32_t workers, uint32_t queue_s);
void asr_close(void);
/* the default backend is not "off" */
bool asr_enabled(void);
/* "pocketsphinx", "ws" or "off": what asr_init was given */
const char *asr_default_backend(void);
/* the server's URL for the ws backend (NULL: none); it must pass
 * asr_ws_url_check */
int  asr_ws_default(const char *url);
const char *asr_ws_default_url(void);
/* 0 when url can be a ws backend's: ws://IP[:PORT][/PATH], an IP
 * literal (nothing resolves host names here) of at most 255 chars;
 * else EINVAL and *why says what is wrong */
int  asr_ws_url_check(const char *url, const char **why);
void asr_handler(asr_result_h *h, void *arg);
/* how many gaps were reported since start (for tests, read-outs) */
uint64_t asr_dropped(void);

/* What transcribes one stream: backend "pocketsphinx" or "ws" (NULL:
 * the server's default), url for ws (NULL: the server's), vocab the
 * queue's phrases or NULL (referenced while the stream needs it). */
struct asr_route {
	const char *backend;
	const char *url;
	struct asr_vocab *vocab;
};

/* One direction of one call. */
struct asr_stream;
/* on the pocketsphinx pool as it is (none started: every utterance
 * becomes a gap) */
int  asr_stream_alloc(struct asr_stream **sp, const char *call_id,
		      const char *agent, const char *leg, const char *role);
/* on the backend rt names (starting the pool if need be); ENOTSUP when
 * it resolves to "off" */
int  asr_stream_open(struct asr_stream **sp, const char *call_id,
		     const char *agent, const char *leg, const char *role,
		     const struct asr_route *rt);
/* one RTP packet from the party (PCMU pt 0, PCMA pt 8; others ignored) */
void asr_stream_rtp(struct asr_stream *s, const uint8_t *pkt, size_t len);
/* whose call it is now and who talks on this side (a transfer: another
 * agent, or an outside number's party, "external"): later results name
 * them; role NULL keeps it, and must be a string literal */
int  asr_stream_agent(struct asr_stream *s, const char *agent,
		      const char *role);
/* the utterance in progress (if any) goes to the workers now */
void asr_stream_flush(struct asr_stream *s);

/* ws.c: a stream's connection to a Vosk-style server, on the event
 * loop. PCM is 8 kHz (what the call carries; such servers resample to
 * their model), sent every WS_CHUNK_MS; results come back to the
 * handler as the pool's do. */
struct asr_ws;
int  asr_ws_alloc(struct asr_ws **wp, const char *url,
		  const struct asr_result *meta);
/* 8 kHz samples of the party at offset at_ms of the stream */
void asr_ws_audio(struct asr_ws *w, const int16_t *pcm, size_t n,
		  uint64_t at_ms);
int  asr_ws_agent(struct asr_ws *w, const char *agent, const char *role);
/* no more audio: {"eof":1}, then the last results; w stays alive on
 * its own until the server closes or a timeout */
void asr_ws_end(struct asr_ws *w);
void asr_ws_close_all(void);

/* A server message: {"partial":"..."} or {"text":"...","result":
 * [{"word","start","end","conf"}...]}; times in seconds of the audio
 * sent on the connection. */
struct asr_ws_msg {
	bool partial;              /* else final */
	char *text;                /* mem-allocated */
	bool timed;                /* result had words with times */
	double start_s, end_s, conf;
};
/* 0, EBADMSG (not JSON, or neither kind), ENOMEM */
int  asr_ws_msg_parse(struct asr_ws_msg *m, const char *json, size_t len);

/* pocketsphinx.c: the acoustic model directory decoders load (-hmm),
 * set before the pool starts. NULL or "": the telephone-band model make
 * builds, if it is there, else Debian's 16 kHz one. ENOENT: dir holds
 * no model (no readable mdef). Never called (the unit tests): Debian's,
 * so their figures do not move when the adapted model is rebuilt. */
int  asr_ps_model(const char *dir);
/* the directory decoders load; *adapted (if given): not Debian's */
const char *asr_ps_model_dir(bool *adapted);

/* dsp.c: G.711 and resampling, exposed for the unit tests */
int16_t asr_ulaw(uint8_t u);
int16_t asr_alaw(uint8_t a);
/* n samples at 8 kHz into 2n at 16 kHz; *last carries the previous
 * input sample across calls */
void asr_upsample(int16_t *out, const int16_t *in, size_t n, int16_t *last);
/* mean absolute amplitude of n samples */
uint32_t asr_level(const int16_t *pcm, size_t n);

/* pool.c, used by stream.c: queue one utterance (pcm is taken over, a
 * mem object) with the vocabulary to decode it with (or NULL); false:
 * the utterance was dropped (queue full, or no pool). A partial needs a
 * pace: it is queued only while that stream has no partial in flight
 * and the finals waiting fill at most half the bound, and workers take
 * partials before finals (see pool.c). A final given its stream's pace
 * takes that stream's partial off the queue if it is still there. */
struct asr_pace;
bool asr_pool_submit(const struct asr_result *meta, int16_t *pcm, size_t n,
		     struct asr_vocab *vocab, struct asr_pace *pace);
/* a final decoded ahead, while the VAD's hang-over decides whether
 * the utterance is over (pcm: exactly what its final would decode):
 * queued only while no final waits and no other speculation of this
 * pace is in flight. asr_pool_confirm: the utterance ended as
 * speculated, its result goes out as soon as it is decoded (false: no
 * speculation in flight, submit a final); asr_pool_cancel: the speaker
 * went on, drop it. */
bool asr_pool_speculate(const struct asr_result *meta, int16_t *pcm,
			size_t n, struct asr_vocab *vocab,
			struct asr_pace *pace);
bool asr_pool_confirm(struct asr_pace *pace);
void asr_pool_cancel(struct asr_pace *pace);
void asr_pool_emit(const struct asr_result *r);
void asr_pool_config(uint32_t workers, uint32_t queue_s);
/* the recognizer the pool's next start opens (NULL: pocketsphinx);
 * the unit tests give theirs */
void asr_pool_backend(const struct asr_backend *be);
int  asr_pool_start(void);
void asr_pool_close(void);
/* a stream's partial schedule: one partial in flight at a time */
int  asr_pace_alloc(struct asr_pace **pp);
bool asr_pace_busy(const struct asr_pace *pc);
/* what decoding this stream's recent partials cost per second of audio
 * (a guess until the first came back) */
double asr_pace_rtf(const struct asr_pace *pc);

#endif
