"""Inputs for the translate benchmark (tools/bench/translate.py).

make_opus_shaped(folder): a Marian model shaped like Helsinki-NLP/opus-mt-en-de
(d_model 512, 6 + 6 layers, FFN 2048, 8 heads, vocabulary 58101 with <pad> =
58100 last, 512 positions) with random weights from a fixed torch seed, saved
with save_pretrained(safe_serialization=True), plus a MarianTokenizer folder
(source.spm, target.spm, vocab.json, tokenizer_config.json) so that
ct2-transformers-converter accepts it. The SentencePiece model is a small one
trained on synthetic text; vocab.json lists </s>, <unk>, its pieces, filler
tokens "<fill_N>" and <pad>: the benchmark feeds token ids, so the tokenizer
only has to give the converter a vocabulary of the right size.

random_sources(n, seed): source token id sequences drawn from the vocabulary
(specials excluded) with a newstest-like length spread, each ending with </s>.

dates_sources(folder, tsv): the demo model's held-out sources, tokenized with
its MarianTokenizer.

Run in the benchmark's virtual environment (transformers, torch,
sentencepiece).
"""

import json
import os
import random
import tempfile

VOCAB = 58101
PAD = VOCAB - 1
EOS = 0
UNK = 1
SEED = 20240601


def _synthetic_text(path, lines=20000, seed=SEED):
    """Deterministic pseudo-English text for training the SentencePiece model."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ei", "ou")]
    words = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(3000)]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(lines):
            n = rng.randint(4, 30)
            sent = " ".join(rng.choice(words) for _ in range(n))
            f.write(sent.capitalize() + ".\n")


def _write_tokenizer(folder):
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "text.txt")
        _synthetic_text(text)
        prefix = os.path.join(tmp, "spm")
        spm.SentencePieceTrainer.train(
            input=text, model_prefix=prefix, vocab_size=2000, model_type="unigram",
            character_coverage=1.0, unk_id=1, eos_id=0, bos_id=-1, pad_id=-1,
            unk_piece="<unk>", eos_piece="</s>", minloglevel=2, num_threads=1)
        with open(prefix + ".model", "rb") as f:
            model = f.read()
        proc = spm.SentencePieceProcessor(model_file=prefix + ".model")
        pieces = [proc.id_to_piece(i) for i in range(proc.get_piece_size())]
    for name in ("source.spm", "target.spm"):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(model)
    vocab = {"</s>": EOS, "<unk>": UNK}
    for p in pieces:
        if p not in vocab:
            vocab[p] = len(vocab)
    i = 0
    while len(vocab) < PAD:
        vocab["<fill_%d>" % i] = len(vocab)
        i += 1
    vocab["<pad>"] = PAD
    assert len(vocab) == VOCAB and sorted(vocab.values()) == list(range(VOCAB))
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    import warnings

    from transformers import MarianTokenizer

    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
    tok = MarianTokenizer(
        os.path.join(folder, "source.spm"), os.path.join(folder, "target.spm"),
        os.path.join(folder, "vocab.json"), source_lang="en", target_lang="de",
        model_max_length=512)
    tok.save_pretrained(folder)
    # save_pretrained rewrites vocab.json from the same dict: check it.
    with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
        assert len(json.load(f)) == VOCAB


def make_opus_shaped(folder, seed=SEED):
    """Writes the random opus-mt-en-de shaped model into `folder` (created);
    the same seed gives the same weights."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    os.makedirs(folder, exist_ok=True)
    config = MarianConfig(
        vocab_size=VOCAB, decoder_vocab_size=VOCAB, d_model=512,
        encoder_layers=6, decoder_layers=6, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
        encoder_attention_heads=8, decoder_attention_heads=8,
        max_position_embeddings=512, activation_function="swish", scale_embedding=True,
        share_encoder_decoder_embeddings=True, tie_word_embeddings=True,
        pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD,
        bos_token_id=EOS, forced_eos_token_id=None, dropout=0.1, attention_dropout=0.0,
        activation_dropout=0.0)
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    # transformers' initialisation (normal(0, 0.02), LayerNorm gains 1) makes
    # a model that repeats one token whatever the source: the previous
    # token's (tied) embedding runs through the residual stream into the
    # logits. Random LayerNorm gains (normal(0, 1)) break that loop, so the
    # outputs vary and the comparison between systems means something.
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.normal_(0.0, 1.0, generator=gen)
    # As opus-mt's generation_config.json, minus forced_eos_token_id (which
    # CTranslate2 has no counterpart for): <pad> is never generated.
    model.generation_config = GenerationConfig(
        bad_words_ids=[[PAD]], decoder_start_token_id=PAD, eos_token_id=EOS,
        pad_token_id=PAD, max_length=512, num_beams=4)
    model.save_pretrained(folder, safe_serialization=True)
    _write_tokenizer(folder)
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as f:
        f.write("Random weights (torch seed %d), shaped like opus-mt-en-de; made by "
                "tools/bench/translate_model.py for the translate benchmark. Its outputs "
                "mean nothing.\n" % seed)


def random_sources(n, seed=SEED, mean_len=25.0):
    """n source id lists: lengths log-normal around `mean_len` tokens (the
    spread of newstest English in opus-mt's SentencePiece tokens: median ~22,
    a tail past 60), clipped to 3..120, ids uniform over the vocabulary
    without </s>, <unk> and <pad>, each followed by </s>."""
    import math

    rng = random.Random(seed)
    sigma = 0.5
    mu = math.log(mean_len) - sigma * sigma / 2
    out = []
    for _ in range(n):
        length = min(120, max(3, int(round(rng.lognormvariate(mu, sigma)))))
        out.append([rng.randrange(2, PAD) for _ in range(length - 1)] + [EOS])
    return out


def dates_sources(folder, tsv):
    """The first column ("source") of `tsv` below its header line, tokenized
    by the model's MarianTokenizer (special tokens added, i.e. ending with
    </s>); checked against the file's source_ids column when it has one."""
    import warnings

    from transformers import MarianTokenizer

    # It recommends sacremoses, which must not be installed (see
    # requirements-translate.txt).
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
    tok = MarianTokenizer.from_pretrained(folder)
    out = []
    with open(tsv, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ids_col = header.index("source_ids") if "source_ids" in header else None
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if not cells[0]:
                continue
            ids = tok(cells[0])["input_ids"]
            # The file records the ids transformers gave when it was made.
            if ids_col is not None and ids_col < len(cells):
                assert ids == [int(t) for t in cells[ids_col].split()], cells[0]
            out.append(ids)
    return out


if __name__ == "__main__":
    import sys

    make_opus_shaped(sys.argv[1] if len(sys.argv) > 1 else "build/bench-translate/opus-shaped")
