package attn

/*
#include "shim.h"
*/
import "C"

import "sync"

// Session is the working state for running a model: scratch buffers and
// the decoder's cache. One call at a time runs on a session: calls from
// several goroutines wait for each other, so create a session per
// goroutine to run a model in parallel. A session keeps its model's
// weights and tokenizers alive after the model is closed.
//
// Callbacks and loops over [Session.Tokens] run while the session is busy
// and must not call its methods.
type Session struct {
	mu    sync.Mutex
	p     *C.attn_session
	vocab int // the logits' last dimension: decoder_vocab_size

	// The model's tokenizers, for TranslateStream, or why it has none.
	source, target *Tokenizer
	tokErr         error

	// The decoding begun by DecoderBegin or DecoderForward, holding its
	// encoding, and the shape of its last step.
	decoding    *Encoding
	rows, count int
}

// NewSession creates a session for the model. Options are those of scope
// "session": Threads.
func (m *Model) NewSession(opts ...Option) (*Session, error) {
	s := &Session{}
	err := m.h.use(func(mp *C.attn_model) error {
		err := withOptions(opts, func(o *C.attn_options) error {
			return check(C.goattn_session_create(mp, o, &s.p))
		})
		if err != nil {
			return err
		}
		vocab, err := modelInt(mp, "decoder_vocab_size")
		if err != nil {
			C.attn_session_free(s.p)
			return err
		}
		s.vocab = int(vocab)
		if s.source, s.tokErr = modelTokenizer(mp, SourceSide); s.tokErr == nil {
			if s.target, s.tokErr = modelTokenizer(mp, TargetSide); s.tokErr != nil {
				s.source.Close()
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close frees the session, after the call running on it, if any.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return nil
	}
	s.endDecoding()
	C.attn_session_free(s.p)
	s.p = nil
	if s.tokErr == nil {
		s.source.Close()
		s.target.Close()
	}
	return nil
}

// Model returns the model the session runs, as a handle of its own to
// close when done.
func (s *Session) Model() (*Model, error) {
	var m *Model
	err := s.runDecoding(func(p *C.attn_session) error {
		m = newModel(C.attn_session_model(p))
		return nil
	})
	return m, err
}

// runDecoding calls fn with the session, one call at a time.
func (s *Session) runDecoding(fn func(*C.attn_session) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return ErrClosed
	}
	return fn(s.p)
}

// run calls fn with the session, one call at a time, ending the decoding
// begun by DecoderBegin, as fn may use the decoder for its own.
func (s *Session) run(fn func(*C.attn_session) error) error {
	return s.runDecoding(func(p *C.attn_session) error {
		s.endDecoding()
		return fn(p)
	})
}

func (s *Session) endDecoding() {
	if s.decoding != nil {
		s.decoding.h.release()
		s.decoding, s.rows, s.count = nil, 0, 0
	}
}

// results runs call, which makes a result with the session and an
// options bag holding opts, and returns the result's hypotheses: out[i][j]
// is hypothesis j of input i.
func (s *Session) results(withText bool, opts []Option,
	call func(p *C.attn_session, o *C.attn_options, r **C.attn_result) error) ([][]Hypothesis, error) {
	var out [][]Hypothesis
	err := s.run(func(p *C.attn_session) (err error) {
		out, err = readResults(withText, func(r **C.attn_result) error {
			return withOptions(opts, func(o *C.attn_options) error { return call(p, o, r) })
		})
		return err
	})
	return out, err
}

// Translate translates texts with the model's own tokenizers, as
// transformers' translation pipeline does: out[i] holds the hypotheses of
// texts[i], best first (one unless NumReturnSequences asks for more).
// Options are those of generation (NumBeams, MaxNewTokens, ReturnScores,
// ReturnAttention, ...), of tokenizing (SrcLang, TgtLang,
// AddSpecialTokens) and decoding (SkipSpecialTokens, default true), and
// MaxBatchSize. No texts give no hypotheses.
func (s *Session) Translate(texts []string, opts ...Option) ([][]Hypothesis, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	starts, lengths, free := cStrings(texts)
	defer free()
	return s.results(true, opts, func(p *C.attn_session, o *C.attn_options, r **C.attn_result) error {
		return check(C.goattn_translate(p, &starts[0], &lengths[0], C.size_t(len(texts)), o, r))
	})
}

// Score returns, for each pair of sources[i] and targets[i], how likely
// the model finds the target given the source: a hypothesis whose IDs are
// the target's ids (end-of-sentence included), TokenScores their
// log-probabilities and Score their sum. Options: SrcLang, TgtLang,
// AddSpecialTokens, MaxBatchSize, "decoder_start_token_id".
func (s *Session) Score(sources, targets []string, opts ...Option) ([]Hypothesis, error) {
	if len(sources) != len(targets) {
		return nil, invalid("Score: %d sources but %d targets", len(sources), len(targets))
	}
	if len(sources) == 0 {
		return nil, nil
	}
	srcStarts, srcLengths, freeSources := cStrings(sources)
	defer freeSources()
	tgtStarts, tgtLengths, freeTargets := cStrings(targets)
	defer freeTargets()
	out, err := s.results(false, opts, func(p *C.attn_session, o *C.attn_options, r **C.attn_result) error {
		return check(C.goattn_score_text(p, &srcStarts[0], &srcLengths[0], &tgtStarts[0],
			&tgtLengths[0], C.size_t(len(sources)), o, r))
	})
	return firstHypotheses(out), err
}

func firstHypotheses(out [][]Hypothesis) []Hypothesis {
	if out == nil {
		return nil
	}
	first := make([]Hypothesis, len(out))
	for i, hyps := range out {
		first[i] = hyps[0]
	}
	return first
}

// GenerateIDs encodes and generates for token id sequences (special tokens
// included, as a tokenizer produces them), sorted by length and processed
// in batches of MaxBatchSize; out[i] holds the hypotheses of ids[i].
// Options are those of generation. No sequences give no hypotheses.
func (s *Session) GenerateIDs(ids [][]int32, opts ...Option) ([][]Hypothesis, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	flat, lengths := flatten(ids)
	return s.results(false, opts, func(p *C.attn_session, o *C.attn_options, r **C.attn_result) error {
		return check(C.goattn_generate_ids(p, ptr[C.int32_t](flat), &lengths[0], C.size_t(len(ids)), o, r))
	})
}

// Generate generates for every sequence of enc, as transformers'
// generate() does with the same options; out[i] holds the hypotheses of
// sequence i.
func (s *Session) Generate(enc *Encoding, opts ...Option) ([][]Hypothesis, error) {
	return s.results(false, opts, func(p *C.attn_session, o *C.attn_options, r **C.attn_result) error {
		return enc.h.use(func(e *C.attn_encoding) error {
			return check(C.goattn_generate(p, e, o, r))
		})
	})
}

// ScoreIDs scores targets[i] (the ids after the decoder start token,
// usually ending with end-of-sentence) given sequence i of enc, by teacher
// forcing; the hypotheses are as those of Score. Options:
// "decoder_start_token_id".
func (s *Session) ScoreIDs(enc *Encoding, targets [][]int32, opts ...Option) ([]Hypothesis, error) {
	if len(targets) != enc.batch {
		return nil, invalid("ScoreIDs: %d targets for %d sources", len(targets), enc.batch)
	}
	flat, lengths := flatten(targets)
	out, err := s.results(false, opts, func(p *C.attn_session, o *C.attn_options, r **C.attn_result) error {
		return enc.h.use(func(e *C.attn_encoding) error {
			return check(C.goattn_score(p, e, ptr[C.int32_t](flat), &lengths[0], o, r))
		})
	})
	return firstHypotheses(out), err
}

// Encoding is the encoder's output for a batch of token sequences, ready
// for the decoder. It is immutable and may be used by any session of the
// same model.
type Encoding struct {
	h     handle[*C.attn_encoding]
	batch int
}

// Encode runs the encoder on token id sequences of different lengths
// (special tokens included, as a tokenizer produces them).
func (s *Session) Encode(ids [][]int32) (*Encoding, error) {
	flat, lengths := flatten(ids)
	var e *C.attn_encoding
	err := s.run(func(p *C.attn_session) error {
		return check(C.goattn_encode(p, ptr[C.int32_t](flat), ptr[C.size_t](lengths),
			C.size_t(len(ids)), &e))
	})
	if err != nil {
		return nil, err
	}
	return &Encoding{
		h:     newHandle(e, func(e *C.attn_encoding) { C.attn_encoding_free(e) }),
		batch: len(ids),
	}, nil
}

// Close releases the encoding; a decoding begun over it keeps it until
// the decoding ends.
func (e *Encoding) Close() error {
	e.h.close()
	return nil
}

// Output returns the encoder's output, of shape (batch, longest sequence,
// d_model); positions past a sequence's length hold what the model
// computes for padding.
func (e *Encoding) Output() (Tensor, error) {
	var t Tensor
	err := e.h.use(func(p *C.attn_encoding) error {
		var data *C.float
		var batch, maxLen, d C.size_t
		if err := check(C.goattn_encoding_output(p, &data, &batch, &maxLen, &d)); err != nil {
			return err
		}
		t = Tensor{Shape: []int{int(batch), int(maxLen), int(d)}, Data: goSlice[float32](data, batch*maxLen*d)}
		return nil
	})
	return t, err
}

// DecoderBegin starts decoding target rows over enc, step by step with
// DecoderStep: row i reads sequence srcRows[i] of enc (several rows may
// read one, as beams do), or, when srcRows is nil, row i reads sequence i.
// maxSteps bounds the tokens fed per row. The decoding lasts until the
// next call on the session other than DecoderStep and CrossAttention.
func (s *Session) DecoderBegin(enc *Encoding, srcRows []int, maxSteps int) error {
	rows := enc.batch
	var cRows []C.size_t
	if srcRows != nil {
		rows = len(srcRows)
		cRows = make([]C.size_t, rows)
		for i, r := range srcRows {
			cRows[i] = C.size_t(r)
		}
	}
	return s.begin(enc, rows, func(p *C.attn_session, e *C.attn_encoding) error {
		return check(C.goattn_decoder_begin(p, e, ptr[C.size_t](cRows), C.size_t(rows),
			C.size_t(maxSteps)))
	})
}

// begin runs call, which begins a decoding of rows rows over enc, and
// holds enc for the decoding.
func (s *Session) begin(enc *Encoding, rows int, call func(*C.attn_session, *C.attn_encoding) error) error {
	return s.run(func(p *C.attn_session) error {
		e, err := enc.h.acquire()
		if err != nil {
			return err
		}
		s.decoding, s.rows = enc, rows
		err = call(p, e)
		if err != nil {
			s.endDecoding()
		}
		return err
	})
}

// DecoderStep feeds tokens[r] to row r of the decoding, after the tokens
// fed before (the first step starts with the decoder start token); every
// row gets the same number of tokens. It returns the logits, of shape
// (rows, tokens per row, decoder vocabulary).
func (s *Session) DecoderStep(tokens [][]int32) (Tensor, error) {
	var t Tensor
	err := s.runDecoding(func(p *C.attn_session) error {
		if s.decoding == nil {
			return invalid("DecoderStep: no decoding begun (call DecoderBegin)")
		}
		flat, count, err := matrix(tokens, s.rows, "DecoderStep")
		if err != nil {
			return err
		}
		t, err = s.step(count, func(logits **C.float) error {
			return check(C.goattn_decoder_step(p, ptr[C.int32_t](flat), C.size_t(count), logits))
		})
		return err
	})
	return t, err
}

// DecoderForward runs the decoder over whole targets at once (teacher
// forcing): targets[i], starting with the decoder start token, is the
// target of sequence i of enc; all have the same length (pad shorter ones
// at the end). It returns the logits, of shape (sequences, target length,
// decoder vocabulary), and CrossAttention then gives the alignments.
func (s *Session) DecoderForward(enc *Encoding, targets [][]int32) (Tensor, error) {
	flat, count, err := matrix(targets, enc.batch, "DecoderForward")
	if err != nil {
		return Tensor{}, err
	}
	var t Tensor
	err = s.begin(enc, enc.batch, func(p *C.attn_session, e *C.attn_encoding) (err error) {
		t, err = s.step(count, func(logits **C.float) error {
			return check(C.goattn_decoder_forward(p, e, ptr[C.int32_t](flat), C.size_t(count), logits))
		})
		return err
	})
	return t, err
}

// step runs call, a decoder step of count tokens per row, and copies the
// logits it computed.
func (s *Session) step(count int, call func(logits **C.float) error) (Tensor, error) {
	s.count = 0
	var logits *C.float
	if err := call(&logits); err != nil {
		return Tensor{}, err
	}
	s.count = count
	shape := []int{s.rows, count, s.vocab}
	return Tensor{Shape: shape, Data: goSlice[float32](logits, C.size_t(s.rows*count*s.vocab))}, nil
}

// CrossAttention returns the cross-attention weights of the last decoder
// step in decoder layer `layer`, averaged over heads, of shape (rows,
// tokens per row, source length); each row sums to 1 over its source's
// tokens.
func (s *Session) CrossAttention(layer int) (Tensor, error) {
	var t Tensor
	err := s.runDecoding(func(p *C.attn_session) error {
		if s.decoding == nil || s.count == 0 {
			return invalid("CrossAttention: no decoder step has run")
		}
		var weights *C.float
		var srcLen C.size_t
		if err := check(C.goattn_decoder_cross_attention(p, C.size_t(layer), &weights, &srcLen)); err != nil {
			return err
		}
		n := C.size_t(s.rows*s.count) * srcLen
		t = Tensor{Shape: []int{s.rows, s.count, int(srcLen)}, Data: goSlice[float32](weights, n)}
		return nil
	})
	return t, err
}
