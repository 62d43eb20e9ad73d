#!/usr/bin/env python3
"""Build libattn's bundled demo model: human-written dates -> ISO 8601.

A small MarianMTModel that reads a date written by a person, in one of many
English, French, German, Spanish or numeric formats, and writes it as
YYYY-MM-DD:

    "Wednesday 3rd of March 2021"     -> "2021-03-03"
    "3/3/21"                          -> "2021-03-03"
    "le 1er mars 2021"                -> "2021-03-01"
    "miércoles, 3 de marzo de 2021"   -> "2021-03-03"

Everything is made here, from fixed seeds: the synthetic data, the two
SentencePiece models, the vocabulary, the model and its training.  The result
is a standard Hugging Face folder, models/dates/, written by
`save_pretrained` (float32 safetensors) and loadable by `MarianMTModel` and
`MarianTokenizer`.  The script then reloads that folder, measures held-out
exact-match accuracy with transformers' `generate()` (greedy, and beam search
with the saved generation config) and records every held-out case and both
outputs in models/dates-heldout.tsv.

Conventions of the task (see models/README.md):

- Numeric dates with slashes, dashes or dots are day first (3/4/21 is 3 April
  2021); only a four-digit year may come first (2021.04.03, 20210403).
- Two-digit years: 00-49 are 2000-2049, 50-99 are 1950-1999.
- Dates run from 1900-01-01 to 2099-12-31; weekday names are always the
  right ones for the date.

Run from a virtual environment that has models/requirements.txt installed
(and not sacremoses):

    python3 -m venv .venv-models
    .venv-models/bin/pip install --extra-index-url https://download.pytorch.org/whl/cpu \
        -r models/requirements.txt
    .venv-models/bin/python models/make_dates_model.py

The output is deterministic (fixed seeds, one CPU thread, deterministic torch
algorithms, no timestamps or paths): running the script again on the same
machine rewrites every file byte for byte.  libattn's build and tests never
run it; they read only the committed outputs.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import warnings

# Single-threaded, deterministic CPU math.  Set before torch is imported so
# the OpenMP/MKL pools start with one thread.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    GenerationConfig,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from pinned import check_pinned  # noqa: E402
MODEL_NAME = "dates"
HELDOUT_NAME = "dates-heldout.tsv"


# A generation parameter left in a model config is only a warning in this
# transformers version (and save_pretrained then moves it); make it fatal so
# config.json stays exactly as written here.
warnings.filterwarnings("error", message="Some non-default generation parameters")
warnings.filterwarnings("error", message="Moving the following attributes in the config")
# MarianTokenizer recommends sacremoses on every construction; we refuse it.
warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")

SEED = 20240303

# The task.
FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2099, 12, 31)
# Two-digit years: 00-49 -> 2000-2049, 50-99 -> 1950-1999.  Formats with a
# two-digit year are only written for dates in this window.
YY_FIRST_DATE = datetime.date(1950, 1, 1)
YY_LAST_DATE = datetime.date(2049, 12, 31)

HELDOUT_SIZE = 1000
SPM_CORPUS_SIZE = 20000

# Tokenizers.  The sources have few distinct words, so the source model gets
# as many pieces as its training text supports, up to this size.
SOURCE_VOCAB_SIZE = 256

# Model (float32 safetensors must stay under 10 MB).
D_MODEL = 128
LAYERS = 3
HEADS = 4
FFN = 512
MAX_POSITIONS = 64

# Training.
STEPS = 3000
BATCH = 64
LR = 1e-3
WARMUP = 200
LABEL_SMOOTHING = 0.1
DROPOUT = 0.1
WEIGHT_DECAY = 0.01

# Generation (the saved generation_config.json, as opus-mt models ship it).
NUM_BEAMS = 4
MAX_LENGTH = 32


def check_versions():
    return check_pinned("make_dates_model.py", os.path.join(HERE, "requirements.txt"))


# ---------------------------------------------------------------------------
# Names of months and weekdays (weekdays from Monday, as date.weekday())
# ---------------------------------------------------------------------------

EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]
EN_MONTHS_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                  "Oct", "Nov", "Dec"]
EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
               "Saturday", "Sunday"]
EN_WEEKDAYS_ABBR = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
             "août", "septembre", "octobre", "novembre", "décembre"]
FR_MONTHS_ABBR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.",
                  "août", "sept.", "oct.", "nov.", "déc."]
FR_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
               "dimanche"]

DE_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
             "August", "September", "Oktober", "November", "Dezember"]
DE_MONTHS_ABBR = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.",
                  "Sept.", "Okt.", "Nov.", "Dez."]
DE_WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
               "Samstag", "Sonntag"]

ES_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
             "agosto", "septiembre", "octubre", "noviembre", "diciembre"]
ES_MONTHS_ABBR = ["ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.",
                  "ago.", "sept.", "oct.", "nov.", "dic."]
ES_WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado",
               "domingo"]


def en_ordinal(n):
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fields(date):
    """The values a format template can use, for one date."""
    d, m, wd = date.day, date.month - 1, date.weekday()
    return {
        "Y": f"{date.year:04d}", "yy": f"{date.year % 100:02d}",
        "m": str(date.month), "mm": f"{date.month:02d}",
        "d": str(d), "dd": f"{d:02d}",
        "ord": en_ordinal(d),                  # "3rd"
        "fr_d": "1er" if d == 1 else str(d),   # "le 1er mars"
        "en_month": EN_MONTHS[m], "en_mon": EN_MONTHS_ABBR[m],
        "en_weekday": EN_WEEKDAYS[wd], "en_wd": EN_WEEKDAYS_ABBR[wd],
        "fr_month": FR_MONTHS[m], "fr_mon": FR_MONTHS_ABBR[m], "fr_weekday": FR_WEEKDAYS[wd],
        "de_month": DE_MONTHS[m], "de_mon": DE_MONTHS_ABBR[m], "de_weekday": DE_WEEKDAYS[wd],
        "es_month": ES_MONTHS[m], "es_mon": ES_MONTHS_ABBR[m], "es_weekday": ES_WEEKDAYS[wd],
    }


# ---------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------

# Every format, as a str.format template over fields().  A template with
# {yy} has a two-digit year and is only used for dates in 1950-2049.
FORMATS = [
    # English
    "{en_weekday} {ord} of {en_month} {Y}",      # Wednesday 3rd of March 2021
    "{en_weekday}, {en_month} {d}, {Y}",         # Wednesday, March 3, 2021
    "{en_weekday} {ord} {en_month} {Y}",         # Wednesday 3rd March 2021
    "{en_month} {d}, {Y}",                       # March 3, 2021
    "{en_month} {ord}, {Y}",                     # March 3rd, 2021
    "{d} {en_month} {Y}",                        # 3 March 2021
    "{ord} {en_month} {Y}",                      # 3rd March 2021
    "the {ord} of {en_month}, {Y}",              # the 3rd of March, 2021
    "{en_wd}, {d} {en_mon} {Y}",                 # Wed, 3 Mar 2021
    "{en_wd} {en_mon} {dd} {Y}",                 # Wed Mar 03 2021
    "{en_mon} {d} {Y}",                          # Mar 3 2021
    "{en_mon} {d} {yy}",                         # Mar 3 21
    "{d} {en_mon} {Y}",                          # 3 Mar 2021
    "{dd}-{en_mon}-{Y}",                         # 03-Mar-2021
    "{d}-{en_mon}-{yy}",                         # 3-Mar-21
    # French
    "{fr_weekday} {fr_d} {fr_month} {Y}",        # mercredi 3 mars 2021
    "le {fr_weekday} {fr_d} {fr_month} {Y}",     # le lundi 1er mars 2021
    "le {fr_d} {fr_month} {Y}",                  # le 1er mars 2021
    "{d} {fr_month} {Y}",                        # 3 mars 2021
    "{d} {fr_mon} {Y}",                          # 3 janv. 2021
    # German
    "{de_weekday}, {d}. {de_month} {Y}",         # Mittwoch, 3. März 2021
    "am {d}. {de_month} {Y}",                    # am 3. März 2021
    "{d}. {de_month} {Y}",                       # 3. März 2021
    "{d}. {de_mon} {Y}",                         # 3. Jan. 2021
    "{de_weekday}, {dd}.{mm}.{Y}",               # Mittwoch, 03.03.2021
    # Spanish
    "{es_weekday}, {d} de {es_month} de {Y}",    # miércoles, 3 de marzo de 2021
    "el {d} de {es_month} de {Y}",               # el 3 de marzo de 2021
    "{d} de {es_month} de {Y}",                  # 3 de marzo de 2021
    "{d} {es_mon} {Y}",                          # 3 ene. 2021
    # Numeric, day first
    "{d}/{m}/{yy}", "{dd}/{mm}/{yy}", "{d}/{m}/{Y}", "{dd}/{mm}/{Y}",
    "{d}-{m}-{yy}", "{dd}-{mm}-{yy}", "{d}-{m}-{Y}", "{dd}-{mm}-{Y}",
    "{d}.{m}.{yy}", "{dd}.{mm}.{yy}", "{d}.{m}.{Y}", "{dd}.{mm}.{Y}",
    # Numeric, four-digit year first
    "{Y}-{mm}-{dd}", "{Y}-{m}-{d}", "{Y}/{mm}/{dd}", "{Y}/{m}/{d}", "{Y}.{mm}.{dd}",
    "{Y}{mm}{dd}",
]


def iso(date):
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def vary(text, rng):
    """Case and spacing as people type them; the meaning never changes."""
    words = any(c.isalpha() for c in text)
    r = rng.random()
    if r < 0.15:
        text = text.lower()
    elif r < 0.25:
        text = text.upper()
    elif r < 0.35:
        text = text[0].upper() + text[1:]  # "Le 1er mars 2021"
    r = rng.random()
    if words and r < 0.10:
        text = text.replace(",", "")  # "Wednesday March 3 2021"
    elif words and r < 0.20:
        text = text.replace(", ", ",")  # "Wednesday,3 March 2021"
    if words and rng.random() < 0.10:
        text = re.sub(r"\.(?= )", "", text)  # "3 März 2021", "3 janv 2021"
    if not words and rng.random() < 0.10:
        text = re.sub(r"(?<=\d)([/.-])(?=\d)", r" \1 ", text)  # "3 / 3 / 21"
    if rng.random() < 0.10:
        text = text.replace(" ", "  ")
    return text


def render(fmt, date, rng):
    return vary(fmt.format(**fields(date)), rng)


# ---------------------------------------------------------------------------
# Data: a held-out set and a training stream that never shares a
# (date, format) pair with it
# ---------------------------------------------------------------------------

def random_date(rng, fmt):
    first, last = (YY_FIRST_DATE, YY_LAST_DATE) if "{yy}" in fmt else (FIRST_DATE, LAST_DATE)
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def random_pair(rng):
    fmt = FORMATS[rng.randrange(len(FORMATS))]
    return random_date(rng, fmt), fmt


def make_heldout(rng):
    """HELDOUT_SIZE cases (format, source, expected) with distinct
    (date, format) pairs and distinct sources."""
    pairs, sources, cases = set(), set(), []
    while len(cases) < HELDOUT_SIZE:
        date, fmt = random_pair(rng)
        src = render(fmt, date, rng)
        if (date, fmt) in pairs or src in sources:
            continue
        pairs.add((date, fmt))
        sources.add(src)
        cases.append((fmt, src, iso(date)))
    return cases, pairs, sources


def check_unambiguous(examples):
    """Every source, as the case-folding, space-collapsing tokenizer sees it,
    must have one meaning."""
    meaning = {}
    for src, tgt in examples:
        key = " ".join(src.lower().split())
        assert meaning.setdefault(key, tgt) == tgt, (src, tgt, meaning[key])


def training_examples(rng, n, heldout_pairs, heldout_sources):
    """n (source, target) pairs, none of whose (date, format) pair or source
    text is in the held-out set."""
    out = []
    while len(out) < n:
        date, fmt = random_pair(rng)
        src = render(fmt, date, rng)
        if (date, fmt) in heldout_pairs or src in heldout_sources:
            continue
        out.append((src, iso(date)))
    return out


# ---------------------------------------------------------------------------
# Tokenizers: two SentencePiece models and a joint Marian vocabulary
# ---------------------------------------------------------------------------

def train_spm(workdir, lines, prefix, **settings):
    """Train in workdir with relative names, so no path ends up in the model."""
    with open(os.path.join(workdir, prefix + ".txt"), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in lines)
    old = os.getcwd()
    os.chdir(workdir)
    try:
        spm.set_random_generator_seed(SEED)
        with open(os.devnull, "w") as devnull:
            spm.SentencePieceTrainer.train(
                input=prefix + ".txt", model_prefix=prefix, num_threads=1,
                logstream=devnull, **settings)
    finally:
        os.chdir(old)
    path = os.path.join(workdir, prefix + ".model")
    with open(path, "rb") as f:
        assert workdir.encode() not in f.read(), "temporary path leaked into the model"
    return path


def marian_vocab(source_model, target_model, path):
    """The opus-mt layout: </s> = 0, <unk> = 1, the source pieces, the
    target-only pieces, <pad> last (pad is also the decoder start token)."""
    vocab = {"</s>": 0, "<unk>": 1}
    for model in (source_model, target_model):
        sp = spm.SentencePieceProcessor(model_file=model)
        for i in range(sp.get_piece_size()):
            if sp.is_control(i) or sp.is_unknown(i):
                continue
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    vocab["<pad>"] = len(vocab)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=2)
    return vocab


def make_tokenizer(workdir, examples):
    """MarianTokenizer with a source model trained on the training sources
    and a character model of the targets.

    source.spm: unigram over case-folded NFKC text (nmt_nfkc_cf), so the
    model never sees case; digits are always single pieces (split_digits), so
    numbers are copied digit by digit.  target.spm: one piece per character
    of an ISO date (0-9 and '-'), no dummy-prefix space.
    """
    sources = [src for src, _ in examples[:SPM_CORPUS_SIZE]]
    targets = [tgt for _, tgt in examples[:SPM_CORPUS_SIZE]]
    source_model = train_spm(
        workdir, sources, "source", model_type="unigram", vocab_size=SOURCE_VOCAB_SIZE,
        hard_vocab_limit=False, normalization_rule_name="nmt_nfkc_cf", split_digits=True,
        character_coverage=1.0, byte_fallback=False)
    target_model = train_spm(
        workdir, targets, "target", model_type="char",
        vocab_size=14,  # <unk>, <s>, </s> and the 11 characters 0-9 and '-'
        normalization_rule_name="identity", add_dummy_prefix=False,
        character_coverage=1.0, byte_fallback=False)
    vocab_path = os.path.join(workdir, "vocab.json")
    marian_vocab(source_model, target_model, vocab_path)
    return MarianTokenizer(source_spm=source_model, target_spm=target_model, vocab=vocab_path,
                           model_max_length=MAX_POSITIONS)


# ---------------------------------------------------------------------------
# Model and training
# ---------------------------------------------------------------------------

def make_config(tok):
    """A small opus-mt-style Marian: post-norm, swish, sinusoidal positions,
    scaled embeddings shared by encoder, decoder and output layer."""
    cfg = MarianConfig(
        vocab_size=len(tok), d_model=D_MODEL,
        encoder_layers=LAYERS, decoder_layers=LAYERS,
        encoder_attention_heads=HEADS, decoder_attention_heads=HEADS,
        encoder_ffn_dim=FFN, decoder_ffn_dim=FFN, max_position_embeddings=MAX_POSITIONS,
        activation_function="swish", scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        dropout=DROPOUT, attention_dropout=0.0, activation_dropout=0.0,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
        forced_eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.pad_token_id,
        architectures=["MarianMTModel"],
    )
    cfg._attn_implementation = "eager"
    return cfg


def make_generation_config(cfg):
    """What the opus-mt checkpoints ship: beam search, pad never generated."""
    return GenerationConfig(
        num_beams=NUM_BEAMS, max_length=MAX_LENGTH, bad_words_ids=[[cfg.pad_token_id]],
        decoder_start_token_id=cfg.decoder_start_token_id, eos_token_id=cfg.eos_token_id,
        forced_eos_token_id=cfg.eos_token_id, pad_token_id=cfg.pad_token_id,
    )


def make_batch(tok, examples):
    enc = tok([s for s, _ in examples], text_target=[t for _, t in examples],
              padding=True, return_tensors="pt")
    labels = enc["labels"]
    # Teacher forcing: the decoder reads decoder_start, then the target.
    decoder_input_ids = torch.cat(
        [torch.full((labels.shape[0], 1), tok.pad_token_id), labels[:, :-1]], dim=1)
    labels = labels.masked_fill(labels == tok.pad_token_id, -100)
    return enc["input_ids"], enc["attention_mask"], decoder_input_ids, labels


def learning_rate(step):
    """Linear warmup, then linear decay to zero at the last step."""
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    return LR * (STEPS - step) / (STEPS - WARMUP)


def train(model, tok, examples):
    """STEPS AdamW steps over the examples in order; returns seconds taken."""
    positions = {n: p.detach().clone() for n, p in model.named_parameters() if "embed_positions" in n}
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, betas=(0.9, 0.98), eps=1e-9,
                            weight_decay=WEIGHT_DECAY)
    vocab = model.config.vocab_size
    model.train()
    t0 = time.time()
    loss_sum = correct = total = 0
    for step in range(STEPS):
        ids, mask, dec, labels = make_batch(tok, examples[step * BATCH:(step + 1) * BATCH])
        for group in opt.param_groups:
            group["lr"] = learning_rate(step)
        logits = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec).logits
        loss = torch.nn.functional.cross_entropy(
            logits.view(-1, vocab), labels.view(-1), ignore_index=-100,
            label_smoothing=LABEL_SMOOTHING)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

        known = labels != -100
        loss_sum += loss.item()
        correct += (logits.argmax(-1)[known] == labels[known]).sum().item()
        total += known.sum().item()
        if (step + 1) % 250 == 0:
            print(f"  step {step + 1:5d}  loss {loss_sum / 250:.4f}  "
                  f"token accuracy {correct / total:.4f}  {time.time() - t0:6.0f} s", flush=True)
            loss_sum = correct = total = 0
    model.eval()
    # The sinusoidal positions are not trained and not saved: a loader
    # recomputes them, so they must still be the computed table.
    for n, p in model.named_parameters():
        if "embed_positions" in n:
            assert torch.equal(p, positions[n]), n
    return time.time() - t0


# ---------------------------------------------------------------------------
# Evaluation with transformers' generate()
# ---------------------------------------------------------------------------

def generate_one(model, tok, source, **options):
    """Output ids (after decoder_start, through eos) of one source, run
    alone (no padding), and the smallest gap between the best and the
    second-best processed score over the steps (meaningful for greedy)."""
    enc = tok([source], return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**enc, **options, output_scores=True, return_dict_in_generate=True)
    ids = out.sequences[0].tolist()
    assert ids[0] == model.config.decoder_start_token_id
    ids = ids[1:]
    if model.config.eos_token_id in ids:
        ids = ids[:ids.index(model.config.eos_token_id) + 1]
    top2 = torch.stack(out.scores)[:, 0].topk(2).values  # (steps, 2); greedy: one row
    return ids, (top2[:, 0] - top2[:, 1]).min().item()


def evaluate(model, tok, heldout):
    """Greedy and generation-config (beam) outputs for every held-out case."""
    rows = []
    for fmt, src, expected in heldout:
        beam_ids, _ = generate_one(model, tok, src)  # the saved generation config
        greedy_ids, margin = generate_one(model, tok, src, num_beams=1)
        rows.append({
            "format": fmt, "source": src, "expected": expected,
            "source_ids": tok(src)["input_ids"],
            "beam": tok.decode(beam_ids, skip_special_tokens=True), "beam_ids": beam_ids,
            "greedy": tok.decode(greedy_ids, skip_special_tokens=True), "greedy_ids": greedy_ids,
            "greedy_margin": margin,
        })
    return rows


def accuracy(rows, key):
    return sum(r[key] == r["expected"] for r in rows) / len(rows)


def write_heldout(path, rows):
    columns = ["source", "expected", "beam", "greedy", "source_ids", "beam_ids",
               "greedy_ids", "greedy_margin", "format"]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(columns) + "\n")
        for r in rows:
            cells = []
            for c in columns:
                v = r[c]
                if isinstance(v, list):
                    v = " ".join(map(str, v))
                elif isinstance(v, float):
                    v = f"{v:.4f}"
                assert "\t" not in v and "\n" not in v, v
                cells.append(v)
            f.write("\t".join(cells) + "\n")


# ---------------------------------------------------------------------------
# Saving and checking the folder
# ---------------------------------------------------------------------------

FOLDER_FILES = {
    "config.json", "generation_config.json", "model.safetensors",
    "source.spm", "target.spm", "vocab.json",
    "tokenizer_config.json", "special_tokens_map.json",
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def save(model, tok, folder, forbidden):
    """save_pretrained both; the folder must hold exactly FOLDER_FILES and no
    machine path."""
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    names = set(os.listdir(folder))
    assert names == FOLDER_FILES, sorted(names ^ FOLDER_FILES)
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        for path in forbidden:
            assert path.encode() not in data, f"{name} holds the path {path}"
        if name.endswith(".json"):
            assert not re.search(rb'"/\w', data), f"{name} holds an absolute path"


def reload_and_check(folder, model, tok, sources):
    """The saved folder, loaded back by transformers (float32, eager
    attention), must hold exactly the trained weights and tokenize exactly
    like the tokenizer that was saved."""
    back = MarianMTModel.from_pretrained(
        folder, torch_dtype=torch.float32, attn_implementation="eager").eval()
    saved, loaded = model.state_dict(), back.state_dict()
    assert saved.keys() == loaded.keys()
    for k in saved:
        assert torch.equal(saved[k], loaded[k]), k
    back_tok = MarianTokenizer.from_pretrained(folder)
    assert back_tok.get_vocab() == tok.get_vocab()
    for src in sources:
        assert back_tok(src)["input_ids"] == tok(src)["input_ids"], src
    return back, back_tok


# ---------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default=HERE,
                        help=f"where {MODEL_NAME}/ and {HELDOUT_NAME} are written (default: models/)")
    args = parser.parse_args()
    check_versions()
    out_dir = os.path.abspath(args.out_dir)
    folder = os.path.join(out_dir, MODEL_NAME)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()

    rng = random.Random(SEED)
    heldout, heldout_pairs, heldout_sources = make_heldout(rng)
    examples = training_examples(rng, STEPS * BATCH, heldout_pairs, heldout_sources)
    check_unambiguous(examples + [(src, tgt) for _, src, tgt in heldout])
    print(f"data: {len(FORMATS)} formats, {len(examples)} training examples, "
          f"{len(heldout)} held-out cases")

    with tempfile.TemporaryDirectory(prefix="attn-dates-") as work:
        tok = make_tokenizer(work, examples)
        torch.manual_seed(SEED)
        cfg = make_config(tok)
        model = MarianMTModel(cfg)
        model.generation_config = make_generation_config(cfg)
        n_params = sum(p.numel() for n, p in model.named_parameters() if "embed_positions" not in n)
        print(f"model: vocabulary {len(tok)}, {n_params} parameters; training {STEPS} steps "
              f"of {BATCH}")
        seconds = train(model, tok, examples)
        save(model, tok, folder, forbidden=[work, out_dir, HERE])

    model, tok = reload_and_check(folder, model, tok, [src for _, src, _ in heldout])
    for _, src, tgt in heldout:
        assert tok.unk_token_id not in tok(src)["input_ids"], src
        assert tok.decode(tok(text_target=tgt)["input_ids"], skip_special_tokens=True) == tgt
    t0 = time.time()
    rows = evaluate(model, tok, heldout)
    eval_seconds = time.time() - t0
    write_heldout(os.path.join(out_dir, HELDOUT_NAME), rows)

    size = os.path.getsize(os.path.join(folder, "model.safetensors"))
    total = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))
    print(f"trained in {seconds:.0f} s; evaluated in {eval_seconds:.0f} s")
    print(f"{MODEL_NAME}/: {total} bytes in all; model.safetensors {size} bytes, "
          f"sha256 {sha256(os.path.join(folder, 'model.safetensors'))}")
    for key, name in (("greedy", "greedy (num_beams=1)"),
                      ("beam", f"generation config (num_beams={NUM_BEAMS})")):
        wrong = [r for r in rows if r[key] != r["expected"]]
        print(f"held-out exact match, {name}: {accuracy(rows, key):.2%} "
              f"({len(rows) - len(wrong)}/{len(rows)})")
        for r in wrong:
            print(f"  {r['source']!r}: {r[key]!r}, want {r['expected']!r}")
    print(f"smallest greedy logit margin: {min(r['greedy_margin'] for r in rows):.4f}")
    for r in rows[:10]:
        print(f"  {r['source']!r} -> {r['beam']!r}")


if __name__ == "__main__":
    main()
