package attn

// The behaviour shared by the Python, Rust and Go bindings, on the demo
// model: a Marian model that turns dates as people write them ("3 mars
// 2021") into ISO dates, with the transformers outputs the C tests check.

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// demoModel returns the demo model's folder, $ATTN_DEMO_MODEL or
// models/dates, and the first 20 rows of the held-out file beside it
// (<folder>-heldout.tsv); it skips the test when the folder is missing.
func demoModel(t *testing.T) (string, []demoRow) {
	t.Helper()
	path := os.Getenv("ATTN_DEMO_MODEL")
	if path == "" {
		path = "../../models/dates"
	}
	path = filepath.Clean(path)
	if _, err := os.Stat(filepath.Join(path, "config.json")); err != nil {
		t.Skipf("no demo model (set ATTN_DEMO_MODEL): %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(readText(t, path+"-heldout.tsv"), "\n"), "\n")
	if len(lines) < 21 {
		t.Fatalf("%s-heldout.tsv has %d lines", path, len(lines))
	}
	column := map[string]int{}
	for i, name := range strings.Split(lines[0], "\t") {
		column[name] = i
	}
	var rows []demoRow
	for _, line := range lines[1:21] {
		cells := strings.Split(line, "\t")
		cell := func(name string) string {
			i, ok := column[name]
			if !ok || i >= len(cells) {
				t.Fatalf("%s-heldout.tsv: no column %q in %q", path, name, line)
			}
			return cells[i]
		}
		rows = append(rows, demoRow{
			source: cell("source"), sourceIDs: parseIDs(t, cell("source_ids")),
			beam: cell("beam"), beamIDs: parseIDs(t, cell("beam_ids")),
			greedy: cell("greedy"), greedyIDs: parseIDs(t, cell("greedy_ids")),
		})
	}
	return path, rows
}

// demoRow is a source, its ids, and transformers' translations of it
// with beam search and greedy decoding.
type demoRow struct {
	source, beam, greedy          string
	sourceIDs, beamIDs, greedyIDs []int32
}

// parseIDs parses space-separated token ids.
func parseIDs(t *testing.T, cell string) []int32 {
	var out []int32
	for _, f := range strings.Fields(cell) {
		id, err := strconv.ParseInt(f, 10, 32)
		if err != nil {
			t.Fatalf("token id %q: %v", f, err)
		}
		out = append(out, int32(id))
	}
	return out
}

func sources(rows []demoRow) []string {
	var s []string
	for _, r := range rows {
		s = append(s, r.source)
	}
	return s
}

func texts(out [][]Hypothesis) []string {
	var s []string
	for _, hyps := range out {
		s = append(s, hyps[0].Text)
	}
	return s
}

func TestDemoTranslateMatchesTransformers(t *testing.T) {
	path, rows := demoModel(t)
	s := newSession(t, load(t, path))
	for _, c := range []struct {
		name  string
		beams int
		want  func(demoRow) (string, []int32)
	}{
		{"greedy", 1, func(r demoRow) (string, []int32) { return r.greedy, r.greedyIDs }},
		{"beam search", 4, func(r demoRow) (string, []int32) { return r.beam, r.beamIDs }},
	} {
		out, err := s.Translate(sources(rows), NumBeams(c.beams))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i, r := range rows {
			text, ids := c.want(r)
			if got := out[i][0]; got.Text != text || !slices.Equal(got.IDs, ids) {
				t.Errorf("%s: %q gives %q %v, transformers %q %v", c.name, r.source, got.Text, got.IDs, text, ids)
			}
		}
	}
}

func TestDemoTranslateDetails(t *testing.T) {
	path, rows := demoModel(t)
	s := newSession(t, load(t, path))
	out, err := s.Translate(sources(rows[:2]), NumBeams(4), NumReturnSequences(3),
		ReturnScores(true), ReturnAttention(true))
	if err != nil {
		t.Fatal(err)
	}
	for i, hyps := range out {
		if len(hyps) != 3 || hyps[0].Text != rows[i].beam || hyps[0].Score < hyps[1].Score {
			t.Errorf("input %d: hypotheses %+v", i, hyps)
		}
		for _, h := range hyps {
			if len(h.TokenScores) != len(h.IDs) || len(h.Alignment) != len(h.IDs) {
				t.Errorf("input %d: %d ids, %d token scores, %d alignment rows", i,
					len(h.IDs), len(h.TokenScores), len(h.Alignment))
			}
		}
	}
}

func TestDemoTranslateStream(t *testing.T) {
	path, rows := demoModel(t)
	s := newSession(t, load(t, path))
	for _, r := range rows[:5] {
		var streamed []Token
		hyp, err := s.TranslateStream(r.source, func(tok Token) bool {
			streamed = append(streamed, tok)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int32
		for _, tok := range streamed {
			ids = append(ids, tok.ID)
		}
		if hyp.Text != r.greedy || !slices.Equal(ids, hyp.IDs) || streamed[len(streamed)-1].Text != r.greedy {
			t.Errorf("%q streams %v into %q, transformers %q", r.source, streamed, hyp.Text, r.greedy)
		}
	}
	_, err := s.TranslateStream(rows[0].source, func(Token) bool { return true }, TgtLang("fr"))
	wantError(t, err, ErrUnsupported, "TranslateStream: option 'tgt_lang'")
}

func TestDemoScore(t *testing.T) {
	path, rows := demoModel(t)
	s := newSession(t, load(t, path))
	var targets []string
	for _, r := range rows {
		targets = append(targets, r.beam)
	}
	scored, err := s.Score(sources(rows), targets)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range scored {
		var sum float32
		for _, lp := range h.TokenScores {
			sum += lp
		}
		if len(h.TokenScores) != len(h.IDs) || !close32(sum, h.Score) || h.Score > 0 {
			t.Errorf("%q -> %q: %+v", rows[i].source, targets[i], h)
		}
	}
	if _, err := s.Score(sources(rows), targets[:1]); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Score with 20 sources and 1 target: %v", err)
	}
}

// The source tokenizer normalises text (case, spaces), so a round trip
// reaches the normalised text, which encodes to the same ids.
func TestDemoTokenizeRoundTrip(t *testing.T) {
	path, rows := demoModel(t)
	m := load(t, path)
	source, err := m.Tokenizer(SourceSide)
	if err != nil {
		t.Fatal(err)
	}
	defer source.Close()
	alone, err := LoadTokenizer(path)
	if err != nil {
		t.Fatal(err)
	}
	defer alone.Close()
	target, err := m.Tokenizer(TargetSide)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	for _, r := range rows {
		ids, err := source.Encode(r.source)
		if err != nil || !slices.Equal(ids, r.sourceIDs) {
			t.Errorf("%q: encoded %v (%v), transformers %v", r.source, ids, err, r.sourceIDs)
		}
		if same, err := alone.Encode(r.source); err != nil || !slices.Equal(same, ids) {
			t.Errorf("%q: %v from the model's tokenizer, %v (%v) from LoadTokenizer", r.source, ids, same, err)
		}
		text, err := source.Decode(ids, SkipSpecialTokens(true))
		if err != nil {
			t.Fatal(err)
		}
		if again, err := source.Encode(text); err != nil || !slices.Equal(again, ids) {
			t.Errorf("%q: encoded %v, decoded %q, encoded again %v (%v)", r.source, ids, text, again, err)
		}
		if text, err := target.Decode(r.greedyIDs, SkipSpecialTokens(true)); err != nil || text != r.greedy {
			t.Errorf("target tokenizer decodes %v to %q (%v), transformers to %q", r.greedyIDs, text, err, r.greedy)
		}
	}
}

func TestDemoErrors(t *testing.T) {
	path, rows := demoModel(t)
	s := newSession(t, load(t, path))
	_, err := s.Translate(sources(rows), WithOption("num_beamz", 4))
	wantError(t, err, ErrInvalidArgument, "unknown option 'num_beamz' (docs/options.md lists the options)")
	_, err = LoadModel(path + "/missing")
	wantError(t, err, ErrNotFound, "model folder '"+path+"/missing'")
}

func translateGreedy(rows []demoRow) func(*Session) ([]string, error) {
	return func(s *Session) ([]string, error) {
		out, err := s.Translate(sources(rows), NumBeams(1))
		return texts(out), err
	}
}

func TestDemoModelClosedFirst(t *testing.T) {
	path, rows := demoModel(t)
	checkClosedModel(t, path, translateGreedy(rows))
}

func TestDemoConcurrent(t *testing.T) {
	path, rows := demoModel(t)
	checkConcurrent(t, path, translateGreedy(rows))
}
