"""The translate benchmark: libattn against CTranslate2 and transformers on
Marian models, same inputs, same options, same thread count.

Run by tools/bench/translate.sh (from tools/bench/bench.sh translate), which
builds the C programs and the virtual environment first:

    python tools/bench/translate.py [--quick] [--rounds N] [--threads 1,2]
        [--models opus-shaped,dates] [--scenarios ...] [--update-docs]

Models:
  opus-shaped  a Marian model shaped like opus-mt-en-de with random weights
               (tools/bench/translate_model.py), random source ids and output
               lengths fixed by min_new_tokens = max_new_tokens
  dates        the demo model models/dates/ on the sources of
               models/dates-heldout.tsv (skipped while it is absent)

Scenarios (each with every thread count):
  batch32-beam4   all inputs in one call, batches of 32 sorted by length,
                  beam search with 4 beams (throughput)
  batch1-greedy   one call per sentence, greedy (latency)
  batch1-beam4    one call per sentence, 4 beams (latency)

Every round runs every (model, scenario, threads) cell once per system, the
systems in an order that rotates from cell to cell and round to round; the
table shows medians over rounds. Each run is its own process (peak RSS is
per system) and first makes 2 untimed warm-up calls. Writes
build/bench-translate/results.json, results.md and translate.svg; with
--update-docs also docs/performance-translate.svg and the table between the
markers in docs/performance.md.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import translate_model  # noqa: E402

SYSTEMS = ["libattn", "ct2", "hf"]
SYSTEM_NAMES = {"libattn": "libattn", "ct2": "CTranslate2", "hf": "transformers"}
SCENARIOS = {
    # name: (batch, beams, input set)
    "batch32-beam4": (32, 4, "batch"),
    "batch1-greedy": (1, 1, "single"),
    "batch1-beam4": (1, 4, "single"),
}
DOC_BEGIN = "<!-- translate-results:begin (tools/bench/translate.py --update-docs) -->"
DOC_END = "<!-- translate-results:end -->"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="validation settings: few sentences, 8 output tokens, 2 rounds")
    p.add_argument("--rounds", type=int, default=None,
                   help="rounds (default: $ROUNDS, else 3; --quick: 2)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--models", default="opus-shaped,dates")
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--batch-sentences", type=int, default=None,
                   help="inputs of the batch scenarios (opus-shaped: 256; dates: all held-out)")
    p.add_argument("--single-sentences", type=int, default=None,
                   help="inputs of the batch-1 scenarios (opus-shaped: 50; dates: 200)")
    p.add_argument("--new-tokens", type=int, default=None,
                   help="opus-shaped: the fixed output length (default 32)")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-translate"))
    p.add_argument("--bin", default=None, help="folder of translate_run and translate_gemm "
                   "(default: WORK/bin)")
    p.add_argument("--results", default=None, help="folder for results.json, results.md, "
                   "translate.svg and the runs' outputs (default: WORK)")
    p.add_argument("--no-gemm", action="store_true", help="skip the GEMM roofline")
    p.add_argument("--update-docs", action="store_true")
    a = p.parse_args()
    if a.rounds is None:
        a.rounds = 2 if a.quick else int(os.environ.get("ROUNDS", "3"))
    a.threads = [int(t) for t in a.threads.split(",") if t]
    a.models = [m for m in a.models.split(",") if m]
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    a.systems = [s for s in a.systems.split(",") if s]
    for s in a.scenarios:
        if s not in SCENARIOS:
            p.error("unknown scenario %s" % s)
    for s in a.systems:
        if s not in SYSTEMS:
            p.error("unknown system %s" % s)
    a.bin = a.bin or os.path.join(a.work, "bin")
    a.results = a.results or a.work
    return a


# ---------------------------------------------------------------- models


def convert_ct2(hf_dir, ct2_dir):
    """ct2-transformers-converter, float32, unless ct2_dir is newer than the
    weights."""
    weights = os.path.join(hf_dir, "model.safetensors")
    done = os.path.join(ct2_dir, "model.bin")
    if os.path.exists(done) and os.path.getmtime(done) >= os.path.getmtime(weights):
        return
    log("converting %s -> %s" % (hf_dir, ct2_dir))
    conv = os.path.join(os.path.dirname(sys.executable), "ct2-transformers-converter")
    subprocess.run([conv, "--model", hf_dir, "--output_dir", ct2_dir, "--quantization",
                    "float32", "--force"], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONWARNINGS="ignore"))


def write_ids(path, seqs):
    with open(path, "w") as f:
        for s in seqs:
            f.write(" ".join(map(str, s)) + "\n")


def read_ids(path):
    with open(path) as f:
        return [[int(t) for t in line.split()] for line in f]


def model_config(hf_dir):
    with open(os.path.join(hf_dir, "config.json")) as f:
        c = json.load(f)
    return {
        "d": c["d_model"], "enc_layers": c["encoder_layers"], "dec_layers": c["decoder_layers"],
        "enc_ffn": c["encoder_ffn_dim"], "dec_ffn": c["decoder_ffn_dim"],
        "vocab": c.get("decoder_vocab_size") or c["vocab_size"],
        "heads": c["decoder_attention_heads"],
    }


def prepare_models(a):
    """name -> dict(hf, ct2, inputs {batch, single}, options, notes)."""
    models = {}
    quick = a.quick
    if "opus-shaped" in a.models:
        hf = os.path.join(a.work, "opus-shaped")
        if not os.path.exists(os.path.join(hf, "model.safetensors")):
            log("making %s (random weights)" % hf)
            translate_model.make_opus_shaped(hf)
        ct2 = os.path.join(a.work, "opus-shaped-ct2")
        convert_ct2(hf, ct2)
        nb = a.batch_sentences or (32 if quick else 256)
        ns = a.single_sentences or (4 if quick else 50)
        t = a.new_tokens or (8 if quick else 32)
        pool = translate_model.random_sources(max(nb, ns))
        models["opus-shaped"] = {
            "hf": hf, "ct2": ct2, "cfg": model_config(hf),
            "inputs": {"batch": pool[:nb], "single": pool[:ns]},
            "options": {"max_new_tokens": t, "min_new_tokens": t, "length_penalty": 1.0},
            "fixed_length": t,
            "notes": "random weights (torch seed %d), random source ids (%d sentences, "
                     "mean %.1f tokens), output length fixed at %d tokens by "
                     "min_new_tokens = max_new_tokens" % (
                         translate_model.SEED, nb, sum(map(len, pool[:nb])) / nb, t),
        }
    if "dates" in a.models:
        hf = os.path.join(ROOT, "models", "dates")
        tsv = os.path.join(ROOT, "models", "dates-heldout.tsv")
        if os.path.exists(os.path.join(hf, "model.safetensors")) and os.path.exists(tsv):
            ct2 = os.path.join(a.work, "dates-ct2")
            convert_ct2(hf, ct2)
            src = [s for s in translate_model.dates_sources(hf, tsv)]
            nb = min(len(src), a.batch_sentences or (64 if quick else len(src)))
            ns = min(len(src), a.single_sentences or (8 if quick else 200))
            with open(os.path.join(hf, "generation_config.json")) as f:
                max_length = json.load(f).get("max_length", 32)
            models["dates"] = {
                "hf": hf, "ct2": ct2, "cfg": model_config(hf),
                "inputs": {"batch": src[:nb], "single": src[:ns]},
                "options": {"max_new_tokens": max_length - 1, "length_penalty": 1.0},
                "fixed_length": None,
                "notes": "trained demo model, held-out sources (%d sentences, mean %.1f "
                         "tokens); outputs end at </s>" % (nb, sum(map(len, src[:nb])) / nb),
            }
        else:
            log("models/dates/ or models/dates-heldout.tsv not there: skipping the dates model")
    return models


# ------------------------------------------------------------------- runs


def run_one(a, system, m, name, scenario, threads, rnd):
    batch, beams, which = SCENARIOS[scenario]
    d = os.path.join(a.results, "runs", name)
    os.makedirs(d, exist_ok=True)
    inp = os.path.join(d, "%s.ids" % which)
    out = os.path.join(d, "%s-t%d-%s-r%d.out" % (scenario, threads, system, rnd))
    o = m["options"]
    opts = ["--threads", str(threads), "--batch", str(batch), "--num-beams", str(beams),
            "--max-new-tokens", str(o["max_new_tokens"])]
    if o.get("min_new_tokens") is not None:
        opts += ["--min-new-tokens", str(o["min_new_tokens"])]
    if o.get("length_penalty") is not None:
        opts += ["--length-penalty", repr(o["length_penalty"])]
    if system == "libattn":
        cmd = [os.path.join(a.bin, "translate_run"), m["hf"], inp, out] + opts
    else:
        cmd = [sys.executable, os.path.join(HERE, "translate_peers.py"), system,
               m["ct2"] if system == "ct2" else m["hf"], inp, out] + opts
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONWARNINGS"] = "ignore"
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit("translate.py: %s failed (%d):\n%s\n%s" % (
            " ".join(cmd), p.returncode, p.stdout[-2000:], p.stderr[-4000:]))
    line = [l for l in p.stdout.splitlines() if l.startswith("{")][-1]
    r = json.loads(line)
    r["process_s"] = wall
    r["output"] = out
    return r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def compare(ref, other):
    """Sentences whose token ids differ, and per-token agreement."""
    differ = 0
    same_tokens = total = 0
    first = []
    for x, y in zip(ref, other):
        if x != y:
            differ += 1
            k = next((i for i, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            first.append(k)
        total += max(len(x), len(y))
        same_tokens += sum(1 for p, q in zip(x, y) if p == q)
    return {"sentences": len(ref), "differ": differ,
            "token_agreement": same_tokens / total if total else 1.0,
            "first_difference_median": median(first)}


# ------------------------------------------------------------------- FLOPs


def flops(cfg, sources, outputs, beams):
    """Matrix-product FLOPs (2 per multiply-add) of generating `outputs`
    from `sources` with `beams` rows per input (see docs/performance.md):
      per source token  E = 2*Le*(4d^2 + 2*d*Fe) + 2*Ld*2d^2  (+ attention 4*S*d per layer)
      per decoder row and step
                        D = 2*Ld*(6d^2 + 2*d*Fd) + 2*d*V  (+ attention 4*(t+S)*d per layer)
    Each input runs len(output) steps (an end token counts as a step) on
    `beams` rows."""
    d, le, ld, fe, fd, v = (cfg["d"], cfg["enc_layers"], cfg["dec_layers"], cfg["enc_ffn"],
                            cfg["dec_ffn"], cfg["vocab"])
    gemm = {"enc": 0, "dec": 0, "logits": 0}
    attention = 0
    for s, o in zip(sources, outputs):
        n = len(s)
        steps = max(1, len(o))
        gemm["enc"] += n * (2 * le * (4 * d * d + 2 * d * fe) + 2 * ld * 2 * d * d)
        attention += le * 4 * n * n * d
        rows = beams * steps
        gemm["dec"] += rows * 2 * ld * (6 * d * d + 2 * d * fd)
        gemm["logits"] += rows * 2 * d * v
        attention += beams * ld * sum(4 * (t + 1 + n) * d for t in range(steps))
    return gemm, attention


def gemm_shapes(cfg, scenario, sources):
    """(M, N, K, weight) of the products a scenario runs, weight = its share
    of the FLOPs per decoder step / source token."""
    batch, beams, _ = SCENARIOS[scenario]
    d, f, v = cfg["d"], cfg["dec_ffn"], cfg["vocab"]
    mean_src = max(1, round(sum(map(len, sources)) / len(sources)))
    rows = min(batch, len(sources)) * beams
    enc_rows = min(batch, len(sources)) * mean_src
    return {
        "dec": [(rows, d, d, 6), (rows, f, d, 1), (rows, d, f, 1)],
        "logits": [(rows, v, d, 1)],
        "enc": [(enc_rows, d, d, 4 + 2 * cfg["dec_layers"] / max(1, cfg["enc_layers"])),
                (enc_rows, cfg["enc_ffn"], d, 1), (enc_rows, d, cfg["enc_ffn"], 1)],
    }


def run_gemm(a, shapes, threads):
    """{(m,n,k): GFLOP/s} measured by translate_gemm for `threads`."""
    exe = os.path.join(a.bin, "translate_gemm")
    cmd = [exe, "--threads", str(threads), "--min-seconds", "0.1" if a.quick else "0.5"]
    for (m, n, k) in sorted(shapes):
        cmd += ["--shape", "%d,%d,%d" % (m, n, k)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    res = {}
    rows = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        res[(r["m"], r["n"], r["k"])] = r["gflops"]
        rows.append(r)
    return res, rows


def ceiling(cfg, scenario, sources, outputs, rates):
    """GFLOP/s if every matrix product ran at its shape's measured rate (the
    faster of dnnl_sgemm and libattn's packed product), and attention,
    softmax, search and everything else were free."""
    _, beams, _ = SCENARIOS[scenario]
    gemm, _ = flops(cfg, sources, outputs, beams)
    shapes = gemm_shapes(cfg, scenario, sources)
    seconds = 0.0
    for part, total in gemm.items():
        ws = shapes[part]
        wsum = sum(w * n * k for (_, n, k, w) in ws)
        for (m, n, k, w) in ws:
            share = total * w * n * k / wsum
            if not rates.get((m, n, k)):
                return None
            seconds += share / (rates[(m, n, k)] * 1e9)
    return sum(gemm.values()) / seconds / 1e9


# ----------------------------------------------------------------- report


def machine():
    info = {"python": platform.python_version()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for key in ("Model name", "CPU family", "Model", "CPU(s)", "Thread(s) per core",
                    "Core(s) per socket",
                    "L2 cache", "L3 cache", "Flags"):
            m = re.search(r"^%s:\s*(.*)$" % re.escape(key), out, re.M)
            if m:
                val = m.group(1).strip()
                if key == "Flags":
                    val = " ".join(f for f in val.split() if f.startswith("avx512f")
                                   or f in ("avx2", "fma", "avx512_bf16", "amx_tile"))
                info[key] = val
    except OSError:
        pass
    try:
        info["loadavg"] = open("/proc/loadavg").read().split()[:3]
    except OSError:
        pass
    return info


def versions():
    v = {}
    try:
        import ctranslate2
        v["ctranslate2"] = ctranslate2.__version__
    except ImportError:
        pass
    try:
        import torch
        import transformers
        v["transformers"] = transformers.__version__
        v["torch"] = torch.__version__
    except ImportError:
        pass
    return v


def shown_args():
    """The command line's options, less those that only move files."""
    out, skip = [], False
    for x in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if x in ("--results", "--work", "--bin"):
            skip = True
            continue
        if x.split("=")[0] in ("--results", "--work", "--bin") or x == "--update-docs":
            continue
        out.append(x)
    return out


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def markdown(results):
    lines = []
    for name, mres in results["models"].items():
        lines.append("**%s**: %s." % (name, mres["notes"]))
        lines.append("")
        lines.append("| scenario | threads | system | target tok/s | best round | sent/s | p50 ms "
                     "| p90 ms | peak RSS MB | load s | GFLOP/s | libattn / CT2 "
                     "| libattn / transformers |")
        lines.append("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
        for cell in mres["cells"]:
            for sysname in cell["systems"]:
                s = cell["systems"][sysname]
                first = sysname == next(iter(cell["systems"]))
                ratio_ct2 = cell.get("ratio_ct2") if first else None
                ratio_hf = cell.get("ratio_hf") if first else None
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    cell["scenario"] if first else "", cell["threads"] if first else "",
                    SYSTEM_NAMES[sysname], fmt(s["tokens_per_s"], ".1f"),
                    fmt(s.get("best_tokens_per_s"), ".1f"),
                    fmt(s["sentences_per_s"], ".2f"),
                    fmt(s["p50_s"] and s["p50_s"] * 1e3, ".0f"),
                    fmt(s["p90_s"] and s["p90_s"] * 1e3, ".0f"),
                    fmt(s["peak_rss_mb"], ".0f"), fmt(s["load_s"], ".3f"),
                    fmt(s["gflops"], ".1f"),
                    fmt(ratio_ct2, ".2f"), fmt(ratio_hf, ".2f")))
        lines.append("")
        lines.append("Outputs that differ from libattn's (sentences, token-level comparison of "
                     "the best hypothesis; token agreement = equal tokens at equal positions):")
        lines.append("")
        lines.append("| scenario | threads | vs CTranslate2 | vs transformers | lengths |")
        lines.append("|---|--:|--:|--:|---|")
        for cell in mres["cells"]:
            d = cell["differences"]

            def one(k):
                if k not in d:
                    return "-"
                return "%d / %d (%.2f%% tokens agree)" % (
                    d[k]["differ"], d[k]["sentences"], 100 * d[k]["token_agreement"])
            lines.append("| %s | %d | %s | %s | %s |" % (
                cell["scenario"], cell["threads"], one("ct2"), one("hf"), cell["lengths"]))
        lines.append("")
        if mres.get("roofline"):
            lines.append("Matrix-product FLOP rate (GFLOP/s, FLOPs counted from the model "
                         "shape as in the formula above) against the products measured alone "
                         "on the scenario's shapes (ceiling):")
            lines.append("")
            lines.append("| scenario | threads | libattn | CTranslate2 | transformers | "
                         "GEMM ceiling | libattn % of ceiling |")
            lines.append("|---|--:|--:|--:|--:|--:|--:|")
            for cell in mres["cells"]:
                r = cell.get("ceiling_gflops")
                s = cell["systems"]
                g = {k: s[k]["gflops"] if k in s else None for k in SYSTEMS}
                lines.append("| %s | %d | %s | %s | %s | %s | %s |" % (
                    cell["scenario"], cell["threads"], fmt(g["libattn"], ".1f"),
                    fmt(g["ct2"], ".1f"), fmt(g["hf"], ".1f"), fmt(r, ".1f"),
                    fmt(r and g["libattn"] and 100 * g["libattn"] / r, ".0f")))
            lines.append("")
    if results.get("gemm"):
        lines.append("Products alone (GFLOP/s, row-major x·wᵀ): dnnl_sgemm, which repacks w "
                     "at every call, and libattn's product on w packed once; the ceiling "
                     "takes the faster:")
        lines.append("")
        threads = sorted(results["gemm"])
        lines.append("| M x N x K | " + " | ".join(
            "%s, %s thread%s" % (how, t, "" if t == "1" else "s")
            for t in threads for how in ("sgemm", "packed")) + " |")
        lines.append("|---|" + "--:|" * (2 * len(threads)))
        keys = []
        for t in threads:
            for r in results["gemm"][t]:
                k = (r["m"], r["n"], r["k"])
                if k not in keys:
                    keys.append(k)
        for k in keys:
            vals = []
            for t in threads:
                hit = [r for r in results["gemm"][t] if (r["m"], r["n"], r["k"]) == k]
                for how in ("gflops_sgemm", "gflops_packed"):
                    vals.append(fmt(hit[0].get(how) if hit else None, ".1f"))
            lines.append("| %d x %d x %d | %s |" % (k + (" | ".join(vals),)))
        lines.append("")
    return "\n".join(lines)


def render(results):
    """results.md: a header on the machine and the run, then the tables."""
    m = results["machine"]
    cpu = "%s%s, %s CPU(s)" % (
        m.get("Model name", "?"),
        " (family %s, model %s)" % (m["CPU family"], m["Model"]) if m.get("Model") else "",
        m.get("CPU(s)", "?"))
    extra = [("%s %s" % (m[k], k.split()[0])) for k in ("L2 cache", "L3 cache") if m.get(k)]
    if m.get("Flags"):
        extra.append(m["Flags"])
    if m.get("Thread(s) per core"):
        extra.append("%s thread(s) per core" % m["Thread(s) per core"])
    lb, la = results.get("loadavg_before") or [], results.get("loadavg_after") or []
    libattn = next((c["systems"]["libattn"]["version"] for mr in results["models"].values()
                    for c in mr["cells"] if "libattn" in c["systems"]), "?")
    header = [
        "Machine: %s (%s); load average (1, 5, 15 min) %s before the run, %s after%s." % (
            cpu, ", ".join(extra), " ".join(lb), " ".join(la),
            " (BUSY: other jobs were running, numbers are noisy)" if results.get("busy") else ""),
        "Versions: libattn %s, %s, Python %s." % (
            libattn, ", ".join("%s %s" % kv for kv in results["versions"].items()),
            m.get("python", "?")),
        "Median of %d rounds%s%s; command: `%s`." % (
            results["rounds"], " (--quick settings)" if results.get("quick") else "",
            "" if results["rounds"] == results.get("rounds_planned", results["rounds"])
            else " (partial: %d planned)" % results["rounds_planned"],
            results.get("shown_command", "sh tools/bench/bench.sh translate")), ""]
    return "\n".join(header) + "\n" + markdown(results)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(results["models"])
    scen = []
    for name in models:
        for c in results["models"][name]["cells"]:
            if c["scenario"] not in scen:
                scen.append(c["scenario"])
    fig, axes = plt.subplots(len(models), len(scen), figsize=(4.2 * len(scen), 3.4 * len(models)),
                             squeeze=False)
    colors = {"libattn": "#1f77b4", "ct2": "#ff7f0e", "hf": "#2ca02c"}
    for i, name in enumerate(models):
        cells = results["models"][name]["cells"]
        for j, sc in enumerate(scen):
            ax = axes[i][j]
            cs = [c for c in cells if c["scenario"] == sc]
            systems = [s for s in SYSTEMS if any(s in c["systems"] for c in cs)]
            width = 0.8 / max(1, len(systems))
            for k, s in enumerate(systems):
                xs = [x + (k - (len(systems) - 1) / 2) * width for x in range(len(cs))]
                ys = [c["systems"][s]["tokens_per_s"] if s in c["systems"] else 0 for c in cs]
                ax.bar(xs, ys, width, label=SYSTEM_NAMES[s], color=colors[s])
            ax.set_xticks(range(len(cs)))
            ax.set_xticklabels(["%d thread%s" % (c["threads"], "" if c["threads"] == 1 else "s")
                                for c in cs])
            ax.set_title("%s: %s" % (name, sc), fontsize=10)
            if j == 0:
                ax.set_ylabel("target tokens/s")
            ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    note = "opus-shaped: random weights, fixed output length. " if "opus-shaped" in models else ""
    fig.suptitle("Translation throughput (median of %d rounds). %s%s" % (
        results["rounds"], note, "Machine busy: noisy." if results.get("busy") else ""),
        fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.endswith(".svg") else None)
    plt.close(fig)


def update_docs(md, svg):
    shutil.copyfile(svg, os.path.join(ROOT, "docs", "performance-translate.svg"))
    doc = os.path.join(ROOT, "docs", "performance.md")
    if not os.path.exists(doc):
        log("docs/performance.md missing: table not written there")
        return
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    b, e = text.find(DOC_BEGIN), text.find(DOC_END)
    if b < 0 or e < b:
        log("docs/performance.md has no translate-results markers: table not written there")
        return
    text = text[:b + len(DOC_BEGIN)] + "\n" + md.rstrip() + "\n" + text[e:]
    with open(doc, "w", encoding="utf-8") as f:
        f.write(text)
    log("updated docs/performance.md and docs/performance-translate.svg")


# ------------------------------------------------------------------- main


def main():
    a = parse_args()
    os.makedirs(a.work, exist_ok=True)
    models = prepare_models(a)
    if not models:
        raise SystemExit("translate.py: no model to run")
    for name, m in models.items():
        d = os.path.join(a.results, "runs", name)
        os.makedirs(d, exist_ok=True)
        for which, seqs in m["inputs"].items():
            write_ids(os.path.join(d, "%s.ids" % which), seqs)

    # Before anything of ours runs: other jobs' load.
    load_before = machine().get("loadavg")
    gemm_rows = {}
    rates = {}
    if not a.no_gemm:
        shapes = {}
        for name, m in models.items():
            cfg = m["cfg"]
            for sc in a.scenarios:
                which = SCENARIOS[sc][2]
                for part in gemm_shapes(cfg, sc, m["inputs"][which]).values():
                    for (mm, n, k, _) in part:
                        shapes[(mm, n, k)] = True
        shapes[(2048, 2048, 2048)] = True
        for t in a.threads:
            log("timing the products alone on %d shapes, %d thread(s)" % (len(shapes), t))
            rates[t], gemm_rows[str(t)] = run_gemm(a, shapes, t)

    cells = [(name, sc, t) for name in models for sc in a.scenarios for t in a.threads]
    runs = {c: {s: [] for s in a.systems} for c in cells}
    start = time.time()
    for rnd in range(a.rounds):
        for ci, cell in enumerate(cells):
            name, sc, t = cell
            k = (rnd + ci) % len(a.systems)
            order = a.systems[k:] + a.systems[:k]
            for s in order:
                r = run_one(a, s, models[name], name, sc, t, rnd)
                runs[cell][s].append(r)
                log("round %d/%d %-11s %-13s %d thr %-7s %7.1f tok/s  %6.2f s  (%.0f s elapsed)" % (
                    rnd + 1, a.rounds, name, sc, t, s, r["target_tokens"] / r["seconds"],
                    r["seconds"], time.time() - start))
        # Results so far, so that a long run that is stopped leaves some.
        report(a, models, runs, rates, gemm_rows, load_before, rnd + 1)


def report(a, models, runs, rates, gemm_rows, load_before, rounds_done):
    final = rounds_done == a.rounds
    load_after = machine().get("loadavg")
    results = {"rounds": rounds_done, "rounds_planned": a.rounds, "quick": a.quick, "machine": machine(),
               "versions": versions(), "loadavg_before": load_before,
               "loadavg_after": load_after, "models": {}, "gemm": gemm_rows,
               "command": " ".join(sys.argv)}
    # The 1-minute load average before the first run: the benchmark's own
    # threads make the later values, and the 5- and 15-minute ones lag.
    busy = bool(load_before) and float(load_before[0]) > 0.5 * (os.cpu_count() or 1)
    results["busy"] = busy
    for name, m in models.items():
        cfg = m["cfg"]
        mres = {"notes": m["notes"], "options": m["options"], "config": cfg, "cells": [],
                "roofline": bool(rates)}
        for sc in a.scenarios:
            for t in a.threads:
                rs = runs[(name, sc, t)]
                _, beams, which = SCENARIOS[sc]
                sources = m["inputs"][which]
                cell = {"scenario": sc, "threads": t, "systems": {}, "differences": {}}
                outs = {}
                for s in a.systems:
                    xs = rs[s]
                    outs[s] = read_ids(xs[0]["output"])
                    # The same system must give the same outputs in every round.
                    stable = all(read_ids(x["output"]) == outs[s] for x in xs[1:])
                    g, att = flops(cfg, sources, outs[s], beams)
                    total_flops = sum(g.values())
                    sec = median([x["seconds"] for x in xs])
                    cell["systems"][s] = {
                        "tokens_per_s": median([x["target_tokens"] / x["seconds"] for x in xs]),
                        "best_tokens_per_s": max(x["target_tokens"] / x["seconds"] for x in xs),
                        "sentences_per_s": median([x["sentences"] / x["seconds"] for x in xs]),
                        "seconds": sec,
                        "p50_s": median([x["latency_p50_s"] for x in xs]),
                        "p90_s": median([x["latency_p90_s"] for x in xs]),
                        "peak_rss_mb": median([x["peak_rss_mb"] for x in xs]),
                        "load_s": median([x["load_s"] for x in xs]),
                        "target_tokens": xs[0]["target_tokens"],
                        "gflops": total_flops / sec / 1e9,
                        "attention_gflop": att / 1e9,
                        "stable_outputs": stable,
                        "version": xs[0].get("version"),
                        "runs": [{k: x[k] for k in ("seconds", "target_tokens", "load_s",
                                                   "peak_rss_mb", "latency_p50_s",
                                                   "latency_p90_s")} for x in xs],
                    }
                if "libattn" in outs:
                    for s in ("ct2", "hf"):
                        if s in outs:
                            cell["differences"][s] = compare(outs["libattn"], outs[s])
                    la = cell["systems"]["libattn"]["tokens_per_s"]
                    if "ct2" in cell["systems"]:
                        cell["ratio_ct2"] = la / cell["systems"]["ct2"]["tokens_per_s"]
                    if "hf" in cell["systems"]:
                        cell["ratio_hf"] = la / cell["systems"]["hf"]["tokens_per_s"]
                lens = {s: sorted(set(len(o) for o in outs[s])) for s in outs}
                if m["fixed_length"]:
                    ok = all(l == [m["fixed_length"]] for l in lens.values())
                    cell["lengths"] = ("all %d tokens" % m["fixed_length"]) if ok else \
                        "MISMATCH " + json.dumps(lens)
                else:
                    cell["lengths"] = "total %s" % ", ".join(
                        "%s %d" % (SYSTEM_NAMES[s], sum(len(o) for o in outs[s])) for s in outs)
                unstable = [s for s in outs if not cell["systems"][s]["stable_outputs"]]
                if unstable:
                    cell["lengths"] += "; outputs changed between rounds: " + ", ".join(unstable)
                if rates.get(t):
                    cell["ceiling_gflops"] = ceiling(cfg, sc, sources, outs.get("libattn") or
                                                     next(iter(outs.values())), rates[t])
                mres["cells"].append(cell)
        results["models"][name] = mres

    results["shown_command"] = "%ssh tools/bench/bench.sh translate" % (
        "TRANSLATE_ARGS='%s' " % " ".join(shown_args()) if shown_args() else "")
    md = render(results)
    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(a.results, "results.md"), "w") as f:
        f.write(md)
    svg = os.path.join(a.results, "translate.svg")
    plot(results, svg)
    if final:
        print(md)
    log("wrote %s, results.md, translate.svg" % os.path.join(a.results, "results.json"))
    if a.update_docs and final:
        update_docs(md, svg)


if __name__ == "__main__":
    main()
