# switchboard — build, test, demo.
#
#   make            build build/switchboard
#   make test       install dependencies, build, run every test
#   make demo       install dependencies, build, start the seeded demo
#   make test SANITIZE=1   the same suite under ASan + UBSan (builds into build/san)
#   make fuzz       build the libFuzzer targets (clang) into build/fuzz
#   make bench      build the benchmark helpers; see bench/README.md

CC       ?= cc
SANITIZE ?=
BUILD    := build$(if $(SANITIZE),/san)
PKGS     := libre sqlite3 libcrypto pocketsphinx libcurl

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

# Debian's libre headers expect these feature macros from libre's own build.
RE_DEFS  := -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -fno-strict-aliasing
CPPFLAGS += -D_GNU_SOURCE $(RE_DEFS) -Isrc $(PKG_CFLAGS) -MMD -MP
LDLIBS   += $(PKG_LIBS) -lpthread -lm

ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -DSWITCHBOARD_VERSION='"$(VERSION)"'
CPPFLAGS += -DASR_PS_MODELDIR='"$(shell pkg-config --variable=modeldir pocketsphinx)"'
# the telephone-band acoustic model (scripts/asr-model.sh): one for every
# BUILD, it does not depend on the compiler
ASR_MODEL := build/asr/en-us-tel
CPPFLAGS += -DASR_TEL_MODELDIR='"$(CURDIR)/$(ASR_MODEL)"'

# The call-center language model: tools/asr_lm.c builds it from
# data/asr/callcenter.txt with the words of PocketSphinx's dictionary
# (docs/PERFORMANCE.md "Call-center language model").
ASR_DICT  := $(shell pkg-config --variable=modeldir pocketsphinx)/en-us/cmudict-en-us.dict
ASR_CC_LM := $(BUILD)/asr/callcenter.arpa
CPPFLAGS += -DASR_CC_LM='"$(abspath $(ASR_CC_LM))"'
# its corpus, which a queue's vocabulary is added to at run time
CPPFLAGS += -DASR_CC_TXT='"$(CURDIR)/data/asr/callcenter.txt"'

SRCS     := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/nba_bank.o \
	    $(BUILD)/gen/nba_offtopic.o
UNIT_SRCS:= $(shell find tests/unit -name '*.c' | sort)
UNIT_OBJS:= $(UNIT_SRCS:%.c=$(BUILD)/%.o)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS  := $(wildcard fuzz/*.c)

BIN      := $(BUILD)/switchboard
LIB      := $(BUILD)/libswitchboard.a
UNIT     := $(BUILD)/unit

.PHONY: all deps test demo fuzz bench clean
all: $(BIN) $(UNIT) $(ASR_MODEL)/README

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB) | $(ASR_CC_LM)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(UNIT): $(UNIT_OBJS) $(LIB) | $(ASR_CC_LM)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(LIB) | $(ASR_CC_LM)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tools/%: tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# these score the classifier with the unit tests' reader of labelled files
$(BUILD)/tools/nba_eval: tools/nba_eval.c \
		$(BUILD)/tests/unit/test_nba_data.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/nba: bench/nba.c $(BUILD)/tests/unit/test_nba_data.o $(LIB) \
		| $(ASR_CC_LM)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# README is written last (the directory is renamed into place whole);
# the tool is order-only so that another BUILD's copy does not rebuild it
$(ASR_MODEL)/README: scripts/asr-model.sh scripts/asr-sendump2mixw.py \
		data/asr/adapt.txt src/asr/dsp.c | $(BUILD)/tools/asr_ul16
	ASR_UL16=$(BUILD)/tools/asr_ul16 scripts/asr-model.sh $(ASR_MODEL)

# only the builder: the model is not rebuilt for every library change
$(BUILD)/tools/asr_lm: tools/asr_lm.c $(BUILD)/src/asr/lm.o $(BUILD)/src/util/file.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(ASR_CC_LM): data/asr/callcenter.txt $(BUILD)/tools/asr_lm
	@mkdir -p $(dir $@)
	$(BUILD)/tools/asr_lm $(ASR_DICT) $< $@.tmp
	@mv $@.tmp $@

# next best action's bank of callers' talk and of off-topic talk, compiled
# in (src/nba/bank.c): data/nba/X.tsv -> const char *nba_X_tsv[]
.PRECIOUS: $(BUILD)/gen/nba_%.c
$(BUILD)/gen/nba_%.c: data/nba/%.tsv
	@mkdir -p $(dir $@)
	@awk -v t=nba_$*_tsv 'BEGIN { print "#include <stddef.h>"; \
	  print "extern const char *const " t "[];"; \
	  print "extern const size_t " t "_n;"; \
	  print "const char *const " t "[] = {" } \
	  /^#/ || !/\t/ { next } \
	  { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); sub(/\t/, "\\t"); \
	    print "\t\"" $$0 "\","; ++n } \
	  END { print "\tNULL\n};"; \
	    print "const size_t " t "_n = " n ";" }' $< > $@.tmp
	@mv $@.tmp $@

deps:
	@scripts/deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@SANITIZE=$(SANITIZE) BUILD=$(BUILD) tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN) $(ASR_MODEL)/README
	@BUILD=$(BUILD) demo/run.sh

# libFuzzer needs clang; each fuzz/<name>.c becomes build/fuzz/<name>.
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (the usual libFuzzer/OSS-Fuzz
# name) makes password hashing cheap; see src/util/crypto.c.
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	  -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION" \
	  LDFLAGS="-fsanitize=address,undefined" build/fuzz/libswitchboard.a
	@for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	  echo "  FUZZ  build/fuzz/$$n"; \
	  clang $(CPPFLAGS) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	    $$f build/fuzz/libswitchboard.a $(LDLIBS) -o build/fuzz/$$n || exit 1; \
	done

bench: $(BIN) $(BENCH_BINS) $(BUILD)/tools/nba_eval

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(BUILD)/src/main.d
