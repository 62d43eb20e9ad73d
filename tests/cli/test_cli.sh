#!/bin/sh
# Tests the attn command end to end: every command's --help, usage errors
# and exit codes, tokenizing with a fixture tokenizer, and, with the demo
# model models/dates, translations checked against transformers' outputs
# recorded in models/dates-heldout.tsv, JSON output, scoring, alignment
# pictures, and one bad line among good ones.
# usage: test_cli.sh ATTN_BINARY REPO_ROOT
# Exits 0 when every check passes, 1 when one fails, 77 (skipped) when all
# that could run passed but models/dates is missing.
set -u
attn=$1
root=$2
model="$root/models/dates"
heldout="$root/models/dates-heldout.tsv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export OMP_NUM_THREADS
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run CMD...: runs CMD with stdin from $work/in when it exists, leaving
# $work/out, $work/err and the exit status in $status.
run() {
    if [ -f "$work/in" ]; then
        "$@" < "$work/in" > "$work/out" 2> "$work/err"
    else
        "$@" < /dev/null > "$work/out" 2> "$work/err"
    fi
    status=$?
}

# expect WHAT STATUS: the last run exited with STATUS.
expect() {
    if [ "$status" -ne "$2" ]; then
        fail "$1: exit status $status, want $2; stderr:"
        sed 's/^/    /' "$work/err"
        return 1
    fi
    echo "ok: $1"
}

# same WHAT GOT WANT: files GOT and WANT are the same.
same() {
    if cmp -s "$2" "$3"; then
        echo "ok: $1"
    else
        fail "$1: output differs (< got, > want):"
        diff "$2" "$3" | sed 's/^/    /'
    fi
}

# lines FILE: the number of lines in FILE.
lines() {
    wc -l < "$1" | tr -d ' '
}

# expect_stderr WHAT PATTERN: stderr is one line and matches PATTERN.
expect_stderr() {
    if [ "$(lines "$work/err")" -ne 1 ] || ! grep -q -- "$2" "$work/err"; then
        fail "$1: want one line on stderr matching '$2', got:"
        sed 's/^/    /' "$work/err"
    fi
}

# input TEXT: the next run's stdin (printf format: \t, \n, \377).
input() {
    # shellcheck disable=SC2059
    printf "$1" > "$work/in"
}

no_input() {
    rm -f "$work/in"
}

# ------------------------------------------------------ without a model

run "$attn" --version
expect "--version" 0
grep -q '^attn [0-9][0-9.]*$' "$work/out" || fail "--version: no version number"
run "$attn" --help
expect "--help" 0
run "$attn"
expect "no command" 2
run "$attn" frobnicate
expect "unknown command" 2
for command in translate score tokenize detokenize info align bench; do
    run "$attn" "$command" --help
    expect "$command --help" 0
    grep -q "^usage: attn $command" "$work/out" || fail "$command --help: no usage line"
    grep -q "^Exit status" "$work/out" || fail "$command --help: no exit status"
    grep -q "^Examples" "$work/out" || fail "$command --help: no examples"
done

run "$attn" translate --model "$work/no-such-model" "3 mars 2021"
expect "translate: wrong model path" 2
expect_stderr "translate: wrong model path" "no-such-model"
run "$attn" info --model "$work/no-such-model"
expect "info: wrong model path" 2
expect_stderr "info: wrong model path" "no-such-model"
run "$attn" translate --model "$work/no-such-model" --no-such-option 3 "3 mars 2021"
expect "translate: unknown option" 2
grep -q "unknown option 'no_such_option'" "$work/err" || fail "unknown option: no library message"
run "$attn" translate --model "$work/no-such-model" --num-beams 1.5 "3 mars 2021"
expect "translate: option of the wrong type" 2
grep -q "num_beams" "$work/err" || fail "wrong type: the message does not name num_beams"
run "$attn" translate "3 mars 2021"
expect "translate: no --model" 2
run "$attn" translate --model "$work/no-such-model" --max-batch-size 0 "3 mars 2021"
expect "translate: --max-batch-size 0" 2
run "$attn" tokenize --tokenizer "$root/tests/fixtures/tokenizers/marian" --skip-special-tokens x
expect "tokenize: an option of decoding" 2

# A model folder without tokenizer files: info says why, translate refuses.
tiny="$root/tests/fixtures/models/tiny-marian"
run "$attn" info --model "$tiny"
expect "info: fixture model" 0
grep -q "^architecture  *marian$" "$work/out" || fail "info: architecture"
grep -q "^source tokenizer  *none: " "$work/out" || fail "info: the missing tokenizer"
run "$attn" info --model "$tiny" --json
expect "info --json" 0
grep -q '"model_type":"marian"' "$work/out" || fail "info --json: model_type"
run "$attn" translate --model "$tiny" "x"
expect "translate: a model without tokenizer" 2
expect_stderr "translate: a model without tokenizer" "tokenizer"

# Tokenizing with a fixture tokenizer: a round trip, pieces, bad lines.
tok="$root/tests/fixtures/tokenizers/marian"
text="Hello world, this is a test."
ids=$("$attn" tokenize --tokenizer "$tok" --target "$text")
back=$("$attn" detokenize --tokenizer "$tok" --target --skip-special-tokens "$ids")
[ "$back" = "$text" ] || fail "tokenize/detokenize round trip: '$back'"
echo "ok: tokenize/detokenize round trip"
input 'first\n\377\nthird\n'
run "$attn" tokenize --tokenizer "$tok"
expect "tokenize: a line that is not UTF-8" 1
expect_stderr "tokenize: a line that is not UTF-8" "^attn: line 2: not UTF-8 at byte 1$"
[ "$(lines "$work/out")" -eq 3 ] && [ -z "$(sed -n 2p "$work/out")" ] ||
    fail "tokenize: output lines not aligned with input lines"
input '5 6 0\n5 x\n'
run "$attn" detokenize --tokenizer "$tok"
expect "detokenize: a line that is not ids" 1
expect_stderr "detokenize: a line that is not ids" "^attn: line 2: 'x' is not a token id$"
no_input

# ------------------------------------------------------ with the demo model

if [ ! -f "$model/config.json" ] || [ ! -f "$heldout" ]; then
    echo "models/dates or models/dates-heldout.tsv is missing: skipping the tests that need them"
    [ "$failures" -eq 0 ] && exit 77
    exit 1
fi

# column NAME [CASES]: column NAME of the first CASES held-out cases (all by
# default); the TSV's first row names the columns.
column() {
    awk -F '\t' -v name="$1" -v cases="${2:-0}" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        c && (cases == 0 || NR <= cases + 1) { print $c }' "$heldout"
}

# Every held-out case with greedy decoding, streamed in batches.
column source > "$work/in"
column greedy > "$work/want"
run "$attn" translate --model "$model" --num-beams 1
expect "translate: every held-out case, greedy" 0
same "translate: transformers' greedy outputs" "$work/out" "$work/want"

# Cases 1 to 3: the source and the two outputs of transformers.
column source 3 > "$work/sources"
column beam 3 > "$work/beam"
column greedy 3 > "$work/greedy"
column source_ids 3 > "$work/source_ids"
column beam_ids 3 > "$work/beam_ids"
[ "$(lines "$work/sources")" -eq 3 ] || fail "models/dates-heldout.tsv: no source column"

cp "$work/sources" "$work/in"
run "$attn" tokenize --model "$model"
expect "tokenize: held-out sources" 0
same "tokenize: transformers' source ids" "$work/out" "$work/source_ids"

cp "$work/sources" "$work/in"
run "$attn" translate --model "$model"
expect "translate: held-out lines (generation_config.json)" 0
same "translate: transformers' beam search output" "$work/out" "$work/beam"
run "$attn" translate --model "$model" --num-beams 1
expect "translate --num-beams 1" 0
same "translate: transformers' greedy output" "$work/out" "$work/greedy"
run "$attn" translate --model "$model" --max-batch-size 2
same "translate --max-batch-size 2" "$work/out" "$work/beam"
run "$attn" translate --model "$model" --no-pack --no-mmap
expect "translate --no-pack --no-mmap" 0
same "translate --no-pack --no-mmap" "$work/out" "$work/beam"

run "$attn" translate --model "$model" --json
expect "translate --json" 0
[ "$(lines "$work/out")" -eq 3 ] || fail "translate --json: not one object per line"
for field in '"line":1' '"source":' '"translations":\[{"text":' '"score":-' '"ids":\[' \
    '"token_scores":\['; do
    grep -q "$field" "$work/out" || fail "translate --json: no $field"
done
first=$(head -n 1 "$work/beam")
grep -q "\"text\":\"$first\"" "$work/out" || fail "translate --json: the text of line 1"
first_ids=$(head -n 1 "$work/beam_ids" | tr ' ' ',')
grep -q "\"ids\":\[$first_ids\]" "$work/out" || fail "translate --json: the ids of line 1"
run "$attn" translate --model "$model" --json --num-beams 4 --num-return-sequences 3
expect "translate --json n-best" 0
[ "$(head -n 1 "$work/out" | grep -o '"text":' | wc -l)" -eq 3 ] ||
    fail "translate --json: not 3 hypotheses"

# An empty line and a line that is not UTF-8 among good ones: those two
# fail, the others are translated, and output lines stay aligned.
good1=$(sed -n 1p "$work/sources")
good3=$(sed -n 2p "$work/sources")
good5=$(sed -n 3p "$work/sources")
input "$good1\n\n$good3\n31 d\351cembre 1999\n$good5\n"
run "$attn" translate --model "$model" --num-beams 1
expect "translate: bad lines among good ones" 1
[ "$(lines "$work/out")" -eq 5 ] || fail "translate: bad lines: $(lines "$work/out") output lines"
[ "$(lines "$work/err")" -eq 2 ] || fail "translate: bad lines: want 2 lines on stderr"
grep -q "^attn: line 2: empty line$" "$work/err" || fail "translate: no message for the empty line"
grep -q "^attn: line 4: not UTF-8 at byte 5$" "$work/err" || fail "translate: no message for line 4"
[ -z "$(sed -n 2p "$work/out")" ] && [ -z "$(sed -n 4p "$work/out")" ] ||
    fail "translate: failed lines are not empty"
[ "$(sed -n 1p "$work/out")" = "$(sed -n 1p "$work/greedy")" ] &&
    [ "$(sed -n 3p "$work/out")" = "$(sed -n 2p "$work/greedy")" ] &&
    [ "$(sed -n 5p "$work/out")" = "$(sed -n 3p "$work/greedy")" ] ||
    fail "translate: the good lines around the bad ones"
run "$attn" translate --model "$model" --json --num-beams 1
grep -q '^{"line":2,"error":"empty line"}$' "$work/out" || fail "translate --json: the failed line"
no_input

run "$attn" translate --model "$model" --no-such-option 1 "$good1"
expect "translate: unknown option (real model)" 2
expect_stderr "translate: unknown option (real model)" "unknown option 'no_such_option'"
run "$attn" translate --model "$model" --use-mmap 0 "$good1" "$good3"
expect "translate: an option that does not apply" 2
expect_stderr "translate: an option that does not apply" "use_mmap"

run "$attn" info --model "$model"
expect "info: demo model" 0
grep -q "^source tokenizer  *marian, " "$work/out" || fail "info: source tokenizer"
grep -q "^decoder_start_token_id  *[0-9]" "$work/out" || fail "info: decoder start token"

# Scores: the expected translation gets a finite negative log-probability.
paste "$work/sources" "$work/greedy" > "$work/in"
run "$attn" score --model "$model"
expect "score" 0
[ "$(lines "$work/out")" -eq 3 ] || fail "score: not one line per pair"
if grep -qv '^-[0-9][0-9]*\.[0-9]*$' "$work/out"; then
    fail "score: not negative finite numbers: $(cat "$work/out")"
fi
run "$attn" score --model "$model" --json
grep -q '"pieces":\[' "$work/out" && grep -q '"token_scores":\[-' "$work/out" ||
    fail "score --json: per-token values"
no_input
run "$attn" score --model "$model" --source "$work/sources" --target "$work/greedy"
expect "score --source --target" 0
input "$good1\n"
run "$attn" score --model "$model"
expect "score: no TAB" 1
expect_stderr "score: no TAB" "^attn: line 1: no TAB between source and target$"
no_input

# Tokenizing with the model's own tokenizers.
ids=$("$attn" tokenize --model "$model" "$good1")
back=$("$attn" detokenize --model "$model" --skip-special-tokens "$ids")
[ "$("$attn" tokenize --model "$model" "$back")" = "$ids" ] || fail "tokenize: round trip"
date=$(sed -n 1p "$work/greedy")
ids=$("$attn" tokenize --model "$model" --target "$date")
back=$("$attn" detokenize --model "$model" --target --skip-special-tokens "$ids")
[ "$back" = "$date" ] || fail "tokenize --target: round trip: '$back'"

# Alignment pictures, generated and forced.
well_formed() {
    if command -v xmllint > /dev/null 2>&1; then
        xmllint --noout "$1"
    else
        head -n 2 "$1" | grep -q '^<svg ' && tail -n 1 "$1" | grep -q '^</svg>$'
    fi
}
run "$attn" align --model "$model" "$good1" -o "$work/align.svg"
expect "align" 0
well_formed "$work/align.svg" || fail "align: the SVG is not well-formed"
grep -q '<title>' "$work/align.svg" || fail "align: no cell tooltips"
run "$attn" align --model "$model" "$good1" "$date" -o "$work/forced.svg"
expect "align with a target" 0
well_formed "$work/forced.svg" || fail "align with a target: the SVG is not well-formed"
[ "$(grep -c '<rect x=' "$work/forced.svg")" -gt 10 ] || fail "align: too few cells"

cp "$work/sources" "$work/bench.txt"
run "$attn" bench --model "$model" --repeat 2 "$work/bench.txt"
expect "bench" 0
grep -q '^sentences/s  *[0-9]' "$work/out" && grep -q '^tokens/s  *[0-9]' "$work/out" ||
    fail "bench: no rates"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
