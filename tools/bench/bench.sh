#!/bin/sh
# Benchmarks libattn against the libraries it stands in for.
#
#   sh tools/bench/bench.sh [SUITE...]     (default: every suite)
#
# Suites:
#   tokenizers  attn_tokenizer_encode against SentencePiece and Hugging Face
#               tokenizers, one line at a time on one thread
#   translate   Marian translation against CTranslate2 and transformers
#               (tools/bench/translate.sh; options in TRANSLATE_ARGS, e.g.
#               "--quick" or "--update-docs"; ROUNDS defaults to 3 there)
#
# Builds a Release libattn in build/bench and writes its results there.
# Each suite alternates ROUNDS (default 5) runs of libattn and of the peer
# and reports the medians. See docs/performance.md.
set -eu
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
fixtures=tests/fixtures/tokenizers

build_library() {
    cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTN_BUILD_TESTS=OFF \
        -DATTN_BUILD_TOOLS=OFF > /dev/null
    cmake --build build/bench > /dev/null
}

# build/bench-venv with tools/bench/requirements.txt.
bench_python() {
    [ -x build/bench-venv/bin/python ] || python3 -m venv build/bench-venv
    build/bench-venv/bin/pip install -q -r tools/bench/requirements.txt
    py=build/bench-venv/bin/python
}

# The median of the numbers on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The number of lines that differ between two files of as many lines.
differing_lines() {
    awk 'NR == FNR { a[FNR] = $0; next } a[FNR] != $0 { n++ } END { print n + 0 }' "$1" "$2"
}

# One row of the table: name, peer (spm or hf), tokenizer path.
bench_tokenizer() {
    name=$1 kind=$2 path=$fixtures/$3 dir=build/bench/tokenizers
    build/bench/tokenize "$path" $dir/lines.txt $dir/$name.attn.ids > /dev/null
    $py tools/bench/tokenize_peer.py "$kind" "$path" $dir/lines.txt $dir/$name.peer.ids > /dev/null
    : > $dir/$name.attn.runs
    : > $dir/$name.peer.runs
    for _ in $(seq "$rounds"); do
        build/bench/tokenize "$path" $dir/lines.txt >> $dir/$name.attn.runs
        $py tools/bench/tokenize_peer.py "$kind" "$path" $dir/lines.txt >> $dir/$name.peer.runs
    done
    # Run lines read "lines N tokens T seconds S".
    attn_s=$(awk '{ print $6 }' $dir/$name.attn.runs | median)
    peer_s=$(awk '{ print $6 }' $dir/$name.peer.runs | median)
    set -- $(head -n 1 $dir/$name.attn.runs) $(head -n 1 $dir/$name.peer.runs)
    awk -v name="$name" -v kind="$kind" -v lines="$2" -v at="$4" -v pt="${10}" \
        -v as="$attn_s" -v ps="$peer_s" \
        -v diff="$(differing_lines $dir/$name.attn.ids $dir/$name.peer.ids)" 'BEGIN {
        printf "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %d |\n", name,
            kind == "spm" ? "sentencepiece" : "tokenizers", lines, lines / as, at / as,
            lines / ps, pt / ps, ps / as, diff }'
}

suite_tokenizers() {
    build_library
    bench_python
    mkdir -p build/bench/tokenizers
    cc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude tools/bench/tokenize.c \
        -Lbuild/bench -lattn -Wl,-rpath,"$PWD/build/bench" -o build/bench/tokenize
    $py tools/bench/tokenize_peer.py text $fixtures/cases.json \
        build/bench/tokenizers/lines.txt 40000
    echo "== tokenizers: median of $rounds runs, encode one line at a time"
    echo "| tokenizer | peer | lines | libattn lines/s | libattn tokens/s | peer lines/s" \
         "| peer tokens/s | libattn/peer | lines with other ids |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|--:|"
    bench_tokenizer spm-unigram spm spm-unigram/spm-unigram.model
    bench_tokenizer spm-bpe spm spm-bpe/spm-bpe.model
    bench_tokenizer hf-bytelevel-bpe hf hf-bytelevel-bpe/tokenizer.json
    bench_tokenizer hf-wordpiece-uncased hf hf-wordpiece-uncased/tokenizer.json
    bench_tokenizer hf-unigram hf hf-unigram/tokenizer.json
}

suite_translate() {
    build_library
    ATTN_LIB_DIR=build/bench sh tools/bench/translate.sh ${TRANSLATE_ARGS:-}
}

[ $# -gt 0 ] || set -- tokenizers translate
for suite in "$@"; do
    case $suite in
    tokenizers) suite_tokenizers ;;
    translate) suite_translate ;;
    *) echo "bench.sh: unknown suite '$suite' (known: tokenizers, translate)" >&2; exit 2 ;;
    esac
done
