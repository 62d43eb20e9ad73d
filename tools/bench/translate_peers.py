"""The translate benchmark's runners for CTranslate2 and transformers: the
same job as tools/bench/translate_run.c (libattn), with the same arguments
and the same JSON line on stdout. tools/bench/translate.py starts one process
per run, so peak RSS (VmHWM of this process) belongs to one system.

    python translate_peers.py {ct2,hf} MODEL_DIR INPUT_IDS OUTPUT_IDS
        [--threads N] [--batch B] [--num-beams K] [--max-new-tokens N]
        [--min-new-tokens N] [--length-penalty X] [--warmup W]

MODEL_DIR is the Hugging Face folder for hf, the converted folder
(ct2-transformers-converter) for ct2. INPUT_IDS / OUTPUT_IDS: one sentence
per line, space-separated token ids; outputs hold the generated ids without
the decoder start token, with an end-of-sequence token if one was generated
(as libattn's results do).

Options are mapped so that the three systems run the same search:
  transformers  generate(num_beams=K, max_new_tokens=N, min_new_tokens=M,
                length_penalty=X, do_sample=False); inputs sorted by length
                and cut into batches of B (libattn's attn_generate_ids does
                the same), padded with <pad> and masked.
  CTranslate2   translate_batch(beam_size=K, max_decoding_length=N,
                min_decoding_length=M, length_penalty=X, max_batch_size=B,
                batch_type="examples", return_end_token=True); CTranslate2
                sorts by length itself. N and M count generated tokens, the
                end token included, as transformers' max/min_new_tokens do
                (checked by translate.py: all systems give the same lengths).
"""

import argparse
import json
import os
import resource
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("system", choices=["ct2", "hf"])
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--num-beams", type=int, default=1)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--min-new-tokens", type=int, default=None)
    p.add_argument("--length-penalty", type=float, default=None)
    p.add_argument("--warmup", type=int, default=2)
    return p.parse_args(argv)


def read_ids(path):
    with open(path) as f:
        return [[int(t) for t in line.split()] for line in f if line.strip()]


def peak_rss_mb():
    """VmHWM of /proc/self/status: this process's peak resident set.
    resource.getrusage's ru_maxrss survives execve(), so a child forked from
    a large parent would report the parent's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def quantile(values, q):
    v = sorted(values)
    if not v:
        return None
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


class CT2Runner:
    def __init__(self, args):
        # ctranslate2 imports torch when it is importable (only its
        # converters use it), which would add ~380 MB of libraries to this
        # process's RSS; a CTranslate2 deployment needs no torch.
        sys.modules["torch"] = None
        import ctranslate2

        self.version = ctranslate2.__version__
        t0 = time.perf_counter()
        self.translator = ctranslate2.Translator(
            args.model, device="cpu", compute_type="float32",
            intra_threads=args.threads, inter_threads=1)
        self.load_s = time.perf_counter() - t0
        def vocab(name):
            path = os.path.join(args.model, name)
            if not os.path.exists(path):
                return None
            with open(path, encoding="utf-8") as f:
                return json.load(f)

        shared = vocab("shared_vocabulary.json")
        self.vocab = shared or vocab("source_vocabulary.json")
        target = shared or vocab("target_vocabulary.json")
        self.index = {t: i for i, t in enumerate(target)}
        self.kw = dict(beam_size=args.num_beams, max_decoding_length=args.max_new_tokens,
                       return_end_token=True, num_hypotheses=1, batch_type="examples")
        if args.min_new_tokens is not None:
            self.kw["min_decoding_length"] = args.min_new_tokens
        if args.length_penalty is not None:
            self.kw["length_penalty"] = args.length_penalty
        self.batch = args.batch

    def tokens(self, ids):
        # The converter drops Marian's <pad> (the last id), so the other ids
        # index the same vocabulary.
        return [self.vocab[i] for i in ids]

    def run(self, sources):
        """sources: token lists; returns id lists in input order."""
        res = self.translator.translate_batch(sources, max_batch_size=self.batch, **self.kw)
        return [[self.index[t] for t in r.hypotheses[0]] for r in res]


class HFRunner:
    def __init__(self, args):
        import torch
        import transformers

        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
        self.torch = torch
        self.version = "transformers %s, torch %s" % (transformers.__version__, torch.__version__)
        t0 = time.perf_counter()
        self.model = transformers.AutoModelForSeq2SeqLM.from_pretrained(
            args.model, torch_dtype=torch.float32).eval()
        self.load_s = time.perf_counter() - t0
        cfg = self.model.generation_config
        self.pad = cfg.pad_token_id if cfg.pad_token_id is not None else self.model.config.pad_token_id
        eos = cfg.eos_token_id
        self.eos = set(eos if isinstance(eos, list) else [eos])
        self.kw = dict(num_beams=args.num_beams, max_new_tokens=args.max_new_tokens,
                       do_sample=False)
        if args.min_new_tokens is not None:
            self.kw["min_new_tokens"] = args.min_new_tokens
        if args.length_penalty is not None:
            self.kw["length_penalty"] = args.length_penalty
        self.batch = args.batch

    def tokens(self, ids):
        return ids

    def _generate(self, batch):
        torch = self.torch
        longest = max(len(s) for s in batch)
        ids = torch.full((len(batch), longest), self.pad, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, : len(s)] = 1
        with torch.inference_mode():
            out = self.model.generate(input_ids=ids, attention_mask=mask, **self.kw)
        rows = []
        for row in out[:, 1:].tolist():
            toks = []
            for t in row:
                toks.append(t)
                if t in self.eos:
                    break
            while toks and toks[-1] == self.pad:
                toks.pop()
            rows.append(toks)
        return rows

    def run(self, sources):
        if len(sources) == 1:
            return self._generate(sources)
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        result = [None] * len(sources)
        for start in range(0, len(order), self.batch):
            chunk = order[start:start + self.batch]
            for i, toks in zip(chunk, self._generate([sources[i] for i in chunk])):
                result[i] = toks
        return result


def main(argv):
    args = parse_args(argv)
    ids = read_ids(args.input)
    runner = CT2Runner(args) if args.system == "ct2" else HFRunner(args)
    sources = [runner.tokens(s) for s in ids]

    w = min(args.warmup, len(sources))
    if w > 0:
        if args.batch > 1:
            runner.run(sources[:w])
        else:
            for s in sources[:w]:
                runner.run([s])

    latencies = []
    t0 = time.perf_counter()
    if args.batch > 1:
        outputs = runner.run(sources)
    else:
        outputs = []
        for s in sources:
            s0 = time.perf_counter()
            outputs.extend(runner.run([s]))
            latencies.append(time.perf_counter() - s0)
    seconds = time.perf_counter() - t0

    with open(args.output, "w") as f:
        for toks in outputs:
            f.write(" ".join(str(t) for t in toks) + "\n")
    rss = peak_rss_mb()
    print(json.dumps({
        "system": args.system, "version": runner.version, "load_s": runner.load_s,
        "seconds": seconds, "sentences": len(ids), "source_tokens": sum(len(s) for s in ids),
        "target_tokens": sum(len(t) for t in outputs),
        "latency_p50_s": quantile(latencies, 0.5) if latencies else None,
        "latency_p90_s": quantile(latencies, 0.9) if latencies else None,
        "peak_rss_mb": round(rss, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
