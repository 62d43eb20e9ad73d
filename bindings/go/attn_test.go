package attn

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Fixtures of the C tests: a small trained Marian model without
// tokenizer files, transformers' outputs for it, and a Marian tokenizer.
const (
	fixtureModel     = "../../tests/fixtures/generate/trained-marian"
	fixtureCases     = "../../tests/fixtures/generate/trained-marian.json"
	fixtureTokenizer = "../../tests/fixtures/tokenizers/marian"
)

// fixtureSources are the source ids of the fixture's "/b3" cases.
var fixtureSources = [][]int32{{14, 30, 21, 29, 20, 6, 13, 29, 0}, {3, 23, 0}, {14, 28, 1, 26, 8, 0}}

func load(t *testing.T, path string) *Model {
	t.Helper()
	m, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newSession(t *testing.T, m *Model) *Session {
	t.Helper()
	s, err := m.NewSession(Threads(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func wantError(t *testing.T, err error, status Status, message string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, status) || !strings.HasPrefix(e.Message, message) {
		t.Fatalf("error %v; want status %q with a message starting %q", err, status, message)
	}
}

func TestErrors(t *testing.T) {
	_, err := LoadModel("/nonexistent/model")
	wantError(t, err, ErrNotFound, "model folder '/nonexistent/model'")
	_, err = LoadTokenizer("/nonexistent/tokenizer")
	wantError(t, err, ErrNotFound, "")

	s := newSession(t, load(t, fixtureModel))
	_, err = s.GenerateIDs(fixtureSources, WithOption("num_beamz", 4))
	wantError(t, err, ErrInvalidArgument, "unknown option 'num_beamz' (docs/options.md lists the options)")
	_, err = s.GenerateIDs(fixtureSources, NumBeams(1000))
	wantError(t, err, ErrInvalidArgument, "")
	_, err = s.GenerateIDs(fixtureSources, WithOption("num_beams", struct{}{}))
	wantError(t, err, ErrInvalidArgument, "option 'num_beams': a value of type struct {}")
	_, err = s.Translate([]string{"x"})
	wantError(t, err, ErrNotFound, "")
	if want := "attn: invalid argument: x"; (&Error{ErrInvalidArgument, "x"}).Error() != want {
		t.Errorf("Error() = %q, want %q", (&Error{ErrInvalidArgument, "x"}).Error(), want)
	}
}

// transformersCase is one case of trained-marian.json.
type transformersCase struct {
	Name      string    `json:"name"`
	Sources   [][]int32 `json:"sources"`
	Sequences [][]int32 `json:"sequences"`
	Scores    []float32 `json:"sequences_scores"`
}

func TestGenerateMatchesTransformers(t *testing.T) {
	var fixture struct{ Cases []transformersCase }
	if err := json.Unmarshal([]byte(readText(t, fixtureCases)), &fixture); err != nil {
		t.Fatal(err)
	}
	options := map[string][]Option{
		"greedy/b3":                      {NumBeams(1), MaxNewTokens(8)},
		"greedy_bad_words/b3":            {NumBeams(1), MaxNewTokens(8), WithOption("bad_words_ids", [][]int{{29}, {23, 31}, {0}})},
		"greedy_suppress_tokens/b3":      {NumBeams(1), MaxNewTokens(8), WithOption("suppress_tokens", []int{23, 29})},
		"beam_length_penalty_0.6/b3":     {NumBeams(4), LengthPenalty(0.6)},
		"beam_early_stopping_never/b3":   {NumBeams(4), WithOption("early_stopping", "never")},
		"beam_num_return_sequences_2/b3": OptionMap(map[string]any{"num_beams": 4, "num_return_sequences": 2}),
	}
	m := load(t, fixtureModel)
	pad, err := m.Int("pad_token_id")
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, m)
	for _, c := range fixture.Cases {
		opts, ok := options[c.Name]
		if !ok {
			continue
		}
		delete(options, c.Name)
		out, err := s.GenerateIDs(c.Sources, opts...)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var got []Hypothesis
		for _, hyps := range out {
			got = append(got, hyps...)
		}
		if len(got) != len(c.Sequences) {
			t.Fatalf("%s: %d hypotheses, want %d", c.Name, len(got), len(c.Sequences))
		}
		for k, h := range got {
			// transformers' rows start with the decoder start token and
			// are padded to the longest.
			want := c.Sequences[k][1:]
			for len(want) > 0 && want[len(want)-1] == int32(pad) {
				want = want[:len(want)-1]
			}
			if !slices.Equal(h.IDs, want) {
				t.Errorf("%s: hypothesis %d is %v, want %v", c.Name, k, h.IDs, want)
			}
			if c.Scores != nil && math.Abs(float64(h.Score-c.Scores[k])) > 1e-4 {
				t.Errorf("%s: hypothesis %d scores %g, want %g", c.Name, k, h.Score, c.Scores[k])
			}
		}
	}
	if len(options) > 0 {
		t.Errorf("cases missing from %s: %v", fixtureCases, options)
	}
}

func TestEncodingDecoderAndScores(t *testing.T) {
	m := load(t, fixtureModel)
	s := newSession(t, m)
	enc, err := s.Encode(fixtureSources)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	out, err := enc.Output()
	if err != nil {
		t.Fatal(err)
	}
	dModel, _ := m.Int("d_model")
	if want := []int{3, 9, int(dModel)}; !slices.Equal(out.Shape, want) || len(out.Data) != 3*9*int(dModel) {
		t.Fatalf("encoder output shape %v (%d floats), want %v", out.Shape, len(out.Data), want)
	}

	gen, err := s.Generate(enc, NumBeams(1), ReturnScores(true), ReturnAttention(true))
	if err != nil {
		t.Fatal(err)
	}
	targets := [][]int32{gen[0][0].IDs, gen[1][0].IDs, gen[2][0].IDs}
	scored, err := s.ScoreIDs(enc, targets)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range scored {
		g := gen[i][0]
		if !slices.Equal(h.IDs, g.IDs) || !close32(h.Score, g.Score) || len(h.TokenScores) != len(g.IDs) {
			t.Errorf("input %d: ScoreIDs %+v differs from Generate %+v", i, h, g)
		}
		if len(g.TokenScores) != len(g.IDs) || len(g.Alignment) != len(g.IDs) || len(g.Alignment[0]) != 9 {
			t.Errorf("input %d: %d ids but %d token scores and %d alignment rows", i,
				len(g.IDs), len(g.TokenScores), len(g.Alignment))
		}
	}

	// Teacher forcing the first target gives, at each position, the
	// log-softmax that scored its next token.
	start, _ := m.Int("decoder_start_token_id")
	target := append([]int32{int32(start)}, targets[0]...)
	one, err := s.Encode(fixtureSources[:1])
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	logits, err := s.DecoderForward(one, [][]int32{target[:len(target)-1]})
	if err != nil {
		t.Fatal(err)
	}
	vocab := logits.Shape[2]
	for k, id := range targets[0] {
		row := logits.Data[k*vocab : (k+1)*vocab]
		if got := logSoftmax(row, id); !close32(got, scored[0].TokenScores[k]) {
			t.Errorf("position %d: log-softmax %g, ScoreIDs %g", k, got, scored[0].TokenScores[k])
		}
	}
	attention, err := s.CrossAttention(1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, len(target) - 1, 9}; !slices.Equal(attention.Shape, want) {
		t.Errorf("cross-attention shape %v, want %v", attention.Shape, want)
	}

	// Step by step over the same encoding, closed meanwhile: the decoding
	// holds it, and the last step's logits are those of teacher forcing.
	if err := s.DecoderBegin(one, nil, len(target)); err != nil {
		t.Fatal(err)
	}
	one.Close()
	var step Tensor
	for _, id := range target[:len(target)-1] {
		if step, err = s.DecoderStep([][]int32{{id}}); err != nil {
			t.Fatal(err)
		}
	}
	last := logits.Data[len(logits.Data)-vocab:]
	for k := range last {
		if !close32(step.Data[k], last[k]) {
			t.Fatalf("logit %d: step by step %g, teacher-forced %g", k, step.Data[k], last[k])
		}
	}
	if _, err := s.DecoderStep([][]int32{{1}, {2}}); err == nil {
		t.Error("DecoderStep accepted 2 rows for a decoding of 1")
	}
	if _, err := s.GenerateIDs(fixtureSources); err != nil {
		t.Fatal(err)
	}
	_, err = s.DecoderStep([][]int32{{1}})
	wantError(t, err, ErrInvalidArgument, "DecoderStep: no decoding begun")
	if err := s.DecoderBegin(one, nil, 4); !errors.Is(err, ErrClosed) {
		t.Errorf("DecoderBegin on a closed encoding: %v", err)
	}
}

func logSoftmax(row []float32, id int32) float32 {
	maxv := slices.Max(row)
	var sum float64
	for _, v := range row {
		sum += math.Exp(float64(v - maxv))
	}
	return float32(float64(row[id]-maxv) - math.Log(sum))
}

func close32(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-4*(1+math.Abs(float64(b))) }

func TestStreams(t *testing.T) {
	s := newSession(t, load(t, fixtureModel))
	enc, err := s.Encode(fixtureSources)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	want, err := s.Generate(enc, NumBeams(1))
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := func(out [][]Hypothesis) [][]int32 {
		ids := make([][]int32, len(out))
		for i, hyps := range out {
			ids[i] = hyps[0].IDs
		}
		return ids
	}

	pushed := make([][]int32, len(fixtureSources))
	out, err := s.GenerateStream(enc, func(tok Token) bool {
		pushed[tok.Input] = append(pushed[tok.Input], tok.ID)
		return true
	})
	if err != nil || !reflect.DeepEqual(pushed, wantIDs(want)) || !reflect.DeepEqual(out, want) {
		t.Errorf("GenerateStream gave %v and %v (%v), want %v", pushed, wantIDs(out), err, wantIDs(want))
	}

	pulled := make([][]int32, len(fixtureSources))
	for tok, err := range s.Tokens(enc) {
		if err != nil {
			t.Fatal(err)
		}
		pulled[tok.Input] = append(pulled[tok.Input], tok.ID)
	}
	if !reflect.DeepEqual(pulled, wantIDs(want)) {
		t.Errorf("Tokens gave %v, want %v", pulled, wantIDs(want))
	}

	// Stopping at the 4th token, in the second step, ends the generation
	// after that step.
	n := 0
	out, err = s.GenerateStream(enc, func(Token) bool { n++; return n < 4 })
	if err != nil || n != 4 || !reflect.DeepEqual(wantIDs(out), [][]int32{pushed[0][:2], pushed[1][:2], pushed[2][:2]}) {
		t.Errorf("stopped after %d tokens: %v, %v", n, out, err)
	}
	for _, err := range s.Tokens(enc, NumBeams(4)) {
		wantError(t, err, ErrUnsupported, "")
	}

	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the callback's panic", r)
			}
		}()
		s.GenerateStream(enc, func(Token) bool { panic("boom") })
	}()
	if again, err := s.Generate(enc, NumBeams(1)); err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("after a panic: %v, %v", again, err)
	}
}

func TestTokenizer(t *testing.T) {
	var cases struct {
		Cases []struct {
			Text     string
			BytesHex string `json:"bytes_hex"` // text that is not UTF-8
		}
	}
	var expected struct {
		Results []struct {
			IDs         []int32 `json:"ids_special"`
			DecodedSkip string  `json:"decoded_skip"`
			Error       string
		}
	}
	if json.Unmarshal([]byte(readText(t, "../../tests/fixtures/tokenizers/cases.json")), &cases) != nil ||
		json.Unmarshal([]byte(readText(t, fixtureTokenizer+"/expected.json")), &expected) != nil ||
		len(cases.Cases) != len(expected.Results) || len(cases.Cases) == 0 {
		t.Fatal("cannot read cases.json and expected.json")
	}
	tok, err := LoadTokenizer(fixtureTokenizer)
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	if tok.Kind() != "marian" || tok.VocabSize() == 0 {
		t.Errorf("kind %q, vocabulary %d", tok.Kind(), tok.VocabSize())
	}
	for i, c := range cases.Cases {
		want := expected.Results[i]
		if want.Error != "" {
			text, _ := hex.DecodeString(c.BytesHex)
			_, err := tok.Encode(string(text))
			wantError(t, err, ErrInvalidArgument, "")
			continue
		}
		ids, err := tok.Encode(c.Text)
		if err != nil || !slices.Equal(ids, want.IDs) {
			t.Errorf("Encode(%q) = %v, %v; want %v", c.Text, ids, err, want.IDs)
		}
		text, err := tok.Decode(want.IDs, SkipSpecialTokens(true))
		if err != nil || text != want.DecodedSkip {
			t.Errorf("Decode(%v) = %q, %v; want %q", want.IDs, text, err, want.DecodedSkip)
		}
	}

	text := strings.Repeat("Le 3 mars 2021, à Genève. ", 40)
	ids, err := tok.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	back, err := tok.Decode(ids, SkipSpecialTokens(true))
	if err != nil || back != strings.TrimSpace(text) {
		t.Errorf("Decode(Encode(%q)) = %q, %v", text, back, err)
	}
	piece, err := tok.IDToPiece(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if id, err := tok.PieceToID(piece); err != nil || id != ids[0] {
		t.Errorf("PieceToID(%q) = %d, %v; want %d", piece, id, err, ids[0])
	}
	_, err = tok.PieceToID("no such piece")
	wantError(t, err, ErrNotFound, "")
	if empty, err := tok.Decode(nil); err != nil || empty != "" {
		t.Errorf("Decode(nil) = %q, %v", empty, err)
	}

	again, err := tok.Clone()
	if err != nil {
		t.Fatal(err)
	}
	tok.Close()
	if _, err := tok.Encode("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: %v", err)
	}
	if _, err := tok.Clone(); !errors.Is(err, ErrClosed) {
		t.Errorf("Clone after Close: %v", err)
	}
	if decoded, err := again.Decode(ids, SkipSpecialTokens(true)); err != nil || decoded != back {
		t.Errorf("the clone: Decode = %q, %v; want %q", decoded, err, back)
	}
	again.Close()
}

// checkClosedModel checks that a session works on after its model is
// closed, and that closed objects refuse calls.
func checkClosedModel[T any](t *testing.T, path string, work func(*Session) (T, error)) {
	m, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewSession(Threads(1))
	if err != nil {
		t.Fatal(err)
	}
	want, err := work(s)
	if err != nil {
		t.Fatal(err)
	}
	clone, err := m.Clone()
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	m.Close()
	if got, err := work(s); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after the model's Close: %v, %v; want %v", got, err, want)
	}
	if _, err := m.Clone(); !errors.Is(err, ErrClosed) {
		t.Errorf("Clone after Close: %v", err)
	}
	// the clone and the session's model outlive m
	runs, err := s.Model()
	if err != nil || runs.Type() != m.Type() {
		t.Fatalf("Session.Model() = %v, %v", runs, err)
	}
	other, err := clone.NewSession(Threads(1))
	if err != nil {
		t.Fatal(err)
	}
	clone.Close()
	if got, err := work(other); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("a session of the clone: %v, %v; want %v", got, err, want)
	}
	other.Close()
	if n, err := runs.Int("d_model"); err != nil || n <= 0 {
		t.Errorf("the session's model: d_model %d, %v", n, err)
	}
	runs.Close()
	if _, err := m.NewSession(); !errors.Is(err, ErrClosed) {
		t.Errorf("NewSession after Close: %v", err)
	}
	if _, err := m.Int("d_model"); !errors.Is(err, ErrClosed) {
		t.Errorf("Int after Close: %v", err)
	}
	s.Close()
	s.Close()
	if _, err := work(s); !errors.Is(err, ErrClosed) {
		t.Errorf("a closed session: %v", err)
	}
	if _, err := s.Model(); !errors.Is(err, ErrClosed) {
		t.Errorf("Model of a closed session: %v", err)
	}
}

// checkConcurrent runs work on several sessions of one model at once, and
// on one session from several goroutines, and checks that every output is
// the sequential one.
func checkConcurrent[T any](t *testing.T, path string, work func(*Session) (T, error)) {
	m := load(t, path)
	want, err := work(newSession(t, m))
	if err != nil {
		t.Fatal(err)
	}
	shared := newSession(t, m)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := shared
			if g%2 == 0 {
				var err error
				if s, err = m.NewSession(Threads(1)); err != nil {
					t.Error(err)
					return
				}
				defer s.Close()
			}
			for range 2 {
				if got, err := work(s); err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("goroutine %d: %v, %v; want %v", g, got, err, want)
				}
			}
		}()
	}
	wg.Wait()
}

func generateFixture(s *Session) ([][]Hypothesis, error) {
	return s.GenerateIDs(fixtureSources, NumBeams(4), NumReturnSequences(2), ReturnScores(true))
}

func TestFixtureModelClosedFirst(t *testing.T) { checkClosedModel(t, fixtureModel, generateFixture) }

func TestFixtureConcurrent(t *testing.T) { checkConcurrent(t, fixtureModel, generateFixture) }

func TestLogFunc(t *testing.T) {
	if err := SetLogFunc(func(LogLevel, string) {}, 7); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetLogFunc with level 7: %v", err)
	}
	var mu sync.Mutex
	var messages []string
	err := SetLogFunc(func(level LogLevel, message string) {
		mu.Lock()
		defer mu.Unlock()
		messages = append(messages, message)
	}, LogDebug)
	if err != nil {
		t.Fatal(err)
	}
	defer SetLogFunc(nil, LogError)
	load(t, fixtureModel)
	SetLogFunc(nil, LogError)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d messages, e.g. %q", len(messages), messages)
}

func TestVersion(t *testing.T) {
	if v := Version(); !strings.Contains(v, ".") || VersionNumber() <= 0 {
		t.Errorf("version %q, %d", v, VersionNumber())
	}
	if err := checkVersion(); err != nil {
		t.Error(err)
	}
}
