"""The telephone-band acoustic model (scripts/asr-model.sh, built by make
into build/asr/en-us-tel): complete, loaded by default, decoding; its
adaptation text disjoint from the benchmark's; a bad asr_model refused.

The WER figures are bench/asr's (docs/PERFORMANCE.md); here the model
only has to beat Debian's on a few telephone sentences it never saw."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import BIN, BUILD, ROOT, Switchboard, check  # noqa: E402

MODEL = os.path.join(ROOT, "build", "asr", "en-us-tel")
DEBIAN = "/usr/share/pocketsphinx/model/en-us"
ADAPT = os.path.join(ROOT, "data", "asr", "adapt.txt")
BENCH = os.path.join(ROOT, "bench", "asr", "utterances.txt")
UL16 = os.path.join(BUILD, "tools", "asr_ul16")


def words(line):
    return re.sub(r"[^a-z' ]", " ", line.lower()).split()


def test_adaptation_text_disjoint_from_bench():
    adapt = [words(x) for x in open(ADAPT) if x.strip()]
    bench = [words(x) for x in open(BENCH) if x.strip()]
    check(len(adapt) >= 300, len(adapt))
    check(len({tuple(w) for w in adapt}) == len(adapt), "repeated lines")
    check(not {tuple(w) for w in adapt} & {tuple(w) for w in bench},
          "a benchmark sentence is in the adaptation text")

    def grams(lines, n=6):
        return {tuple(w[i:i + n]) for w in lines
                for i in range(len(w) - n + 1)}
    shared = grams(adapt) & grams(bench)
    check(not shared, "6-word runs shared with the benchmark:", shared)

    # bw drops a sentence with a word it cannot pronounce
    dic = {ln.split()[0] for ln in
           open(os.path.join(DEBIAN, "cmudict-en-us.dict"))}
    oov = {w for ws in adapt for w in ws} - dic
    check(not oov, "not in the dictionary:", oov)


def test_model_dir_complete():
    base = os.path.join(DEBIAN, "en-us")
    for f in ("mdef", "feat.params", "noisedict", "transition_matrices"):
        with open(os.path.join(MODEL, f), "rb") as a, \
                open(os.path.join(base, f), "rb") as b:
            check(a.read() == b.read(), f, "differs from Debian's")
    # bytes of header and dimensions before the numbers: Sphinx-III
    # text header, byte-order magic, 42 x 3 x 128 x (13, 13, 13), count;
    # sendump's format description and counts
    for f, head in (("means", 72), ("variances", 72), ("sendump", 640)):
        with open(os.path.join(MODEL, f), "rb") as a, \
                open(os.path.join(base, f), "rb") as b:
            x, y = a.read(), b.read()
        check(len(x) == len(y) and x[:head] == y[:head], f, "shape")
        check(x != y, f, "was not adapted")


def telephone_raw(tmp, name, voice, text):
    """text as switchboard hears it: espeak-ng, 8 kHz 300-3400 Hz u-law
    (bench/asr/gen.sh's path), then our G.711 decoder and upsampler."""
    wav = os.path.join(tmp, name + ".wav")
    ul = os.path.join(tmp, name + ".ul")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", wav, text],
                   check=True)
    subprocess.run(["sox", "-R", wav, "-t", "raw", "-e", "mu-law", "-r",
                    "8000", "-c", "1", ul, "sinc", "300-3400", "gain", "-n",
                    "-6"], check=True)
    subprocess.run([UL16, ul, os.path.join(tmp, name + ".raw")], check=True)


def decode(tmp, hmm, ids):
    hyp = os.path.join(tmp, "hyp")
    ctl = os.path.join(tmp, "ctl")
    with open(ctl, "w") as f:
        f.write("\n".join(ids) + "\n")
    subprocess.run(["pocketsphinx_batch", "-hmm", hmm,
                    "-lm", os.path.join(DEBIAN, "en-us.lm.bin"),
                    "-dict", os.path.join(DEBIAN, "cmudict-en-us.dict"),
                    "-adcin", "yes", "-cepdir", tmp, "-cepext", ".raw",
                    "-ctl", ctl, "-hyp", hyp],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=300)
    out = {}
    for ln in open(hyp):
        m = re.match(r"(.*) \((\S+) -?\d+\)$", ln.strip())
        if m:
            out[m.group(2)] = m.group(1).split()
    return out


def errors(ref, hyp):
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1,
                                   prev + (r != h))
    return d[len(hyp)]


def test_adapted_model_decodes_better():
    # sentences of neither set, in two voices of the benchmark's
    sents = [("en-us", "i would like to pay my bill today"),
             ("en-us+f2", "my order has not arrived yet"),
             ("en-gb", "can you send me a new card please"),
             ("en-us", "the internet is down in my house")]
    with tempfile.TemporaryDirectory() as tmp:
        ids = []
        for i, (v, s) in enumerate(sents):
            telephone_raw(tmp, "u%d" % i, v, s)
            ids.append("u%d" % i)
        e = {}
        for name, hmm in (("adapted", MODEL),
                          ("debian", os.path.join(DEBIAN, "en-us"))):
            hyps = decode(tmp, hmm, ids)
            check(len(hyps) == len(ids), name, hyps)
            e[name] = sum(errors(words(s), hyps[i])
                          for i, (_, s) in zip(ids, sents))
        total = sum(len(words(s)) for _, s in sents)
        print("  word errors: adapted %d, Debian's %d, of %d words" %
              (e["adapted"], e["debian"], total))
        check(e["adapted"] < e["debian"], e, "of", total, "words")


def test_switchboard_loads_it_by_default():
    with Switchboard(args=["--asr-backend", "pocketsphinx",
                           "--asr-workers", "1"]) as sb:
        sb.wait_for(lambda: "acoustic model" in sb.logtext(), timeout=10,
                    what="the model's log line")
        check("pocketsphinx acoustic model: %s (adapted)" % MODEL
              in sb.logtext(), sb.logtext()[-2000:])


def test_bad_model_refused():
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([BIN, "serve", "--asr-model", tmp,
                            "--db", os.path.join(tmp, "db"),
                            "--sip-listen", "127.0.0.1:%d" %
                            sbtest.free_port(),
                            "--http-listen", "127.0.0.1:%d" %
                            sbtest.free_port(udp_too=False)],
                           capture_output=True, text=True, timeout=30,
                           cwd=tmp)
        check(p.returncode != 0, p.returncode)
        check("asr_model '%s': no acoustic model there" % tmp in p.stderr,
              p.stderr)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "asr/model"))
