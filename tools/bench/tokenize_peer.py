"""The tokenizer benchmark's reference runners and its text: the same job
as tools/bench/tokenize.c (libattn) with SentencePiece or Hugging Face
tokenizers, and the same output line.

    python tokenize_peer.py spm MODEL TEXT [IDS]
        SentencePieceProcessor(model_file=MODEL).encode(line) per line
    python tokenize_peer.py hf TOKENIZER_JSON TEXT [IDS]
        Tokenizer.from_file(TOKENIZER_JSON).encode(line).ids per line
        (special tokens added, as attn_tokenizer_encode does by default)
    python tokenize_peer.py text CASES_JSON TEXT LINES
        writes TEXT: the lines of the valid UTF-8 texts of cases.json,
        repeated until there are LINES

Both encode one line at a time on one thread and print
"lines N tokens T seconds S", S being the time of the loop over the lines.
Lines are split at "\\n" only, as tokenize.c splits them.
"""

import json
import os
import sys
import time


def read_lines(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and not lines[-1]:  # a final "\n" ends the last line
        lines.pop()
    return [line.decode("utf-8") for line in lines]


def make_encoder(kind, path):
    if kind == "spm":
        import sentencepiece

        sp = sentencepiece.SentencePieceProcessor(model_file=path)
        return sp.encode
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(path)
    return lambda line: tok.encode(line).ids


def run(kind, path, text, ids_path=None):
    encode = make_encoder(kind, path)
    lines = read_lines(text)
    tokens = 0
    start = time.perf_counter()
    if ids_path is None:
        for line in lines:
            tokens += len(encode(line))
    else:
        with open(ids_path, "w") as out:
            for line in lines:
                ids = encode(line)
                tokens += len(ids)
                out.write(" ".join(map(str, ids)) + "\n")
    seconds = time.perf_counter() - start
    print(f"lines {len(lines)} tokens {tokens} seconds {seconds:.6f}")


def make_text(cases_path, text, count):
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    lines = [line for case in cases if "text" in case for line in case["text"].split("\n")]
    with open(text, "w", encoding="utf-8", newline="") as out:
        for i in range(count):
            out.write(lines[i % len(lines)] + "\n")


def main(argv):
    if len(argv) in (4, 5) and argv[1] in ("spm", "hf"):
        run(*argv[1:])
    elif len(argv) == 5 and argv[1] == "text":
        make_text(argv[2], argv[3], int(argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    # encode() is single-threaded already; this keeps any pool idle.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main(sys.argv)
