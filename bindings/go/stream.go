package attn

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"iter"
	"runtime/cgo"
)

// Token is one generated token, handed out as soon as it is chosen.
type Token struct {
	Input   int     // the input sequence it continues
	ID      int32   // the token id
	LogProb float32 // its log-probability
	// Text is, for TranslateStream, the translation so far; else empty.
	Text string
}

// streamOptions puts greedy decoding under opts, as streaming cannot run
// beam search; a NumBeams in opts still overrides it.
func streamOptions(opts []Option) []Option {
	return append([]Option{NumBeams(1)}, opts...)
}

// TranslateStream translates text as Translate does, with greedy
// decoding or sampling, and calls fn with each token as it is generated,
// its Text being the translation so far. When fn returns false the
// translation stops there. It returns the translation (so far). Options
// are those of Translate except MaxBatchSize and TgtLang (pass
// "forced_bos_token_id" instead).
func (s *Session) TranslateStream(text string, fn func(tok Token) bool, opts ...Option) (Hypothesis, error) {
	var encodeOpts []Option
	decodeOpts := []Option{SkipSpecialTokens(true)}
	var generateOpts []Option
	for _, o := range opts {
		switch o.name {
		case "add_special_tokens", "src_lang":
			encodeOpts = append(encodeOpts, o)
		case "skip_special_tokens":
			decodeOpts = append(decodeOpts, o)
		case "tgt_lang":
			return Hypothesis{}, &Error{Status: ErrUnsupported,
				Message: "TranslateStream: option 'tgt_lang' is not supported; pass forced_bos_token_id"}
		default:
			generateOpts = append(generateOpts, o)
		}
	}
	var hyp Hypothesis
	err := s.run(func(p *C.attn_session) error {
		if s.tokErr != nil {
			return s.tokErr
		}
		ids, err := s.source.Encode(text, encodeOpts...)
		if err != nil {
			return err
		}
		length := C.size_t(len(ids))
		var e *C.attn_encoding
		if err := check(C.goattn_encode(p, ptr[C.int32_t](ids), &length, 1, &e)); err != nil {
			return err
		}
		defer C.attn_encoding_free(e)
		sink := &tokenSink{fn: fn, target: s.target, decode: decodeOpts}
		out, err := sink.generate(p, e, generateOpts)
		if err != nil {
			return err
		}
		hyp = out[0][0]
		hyp.Text, err = s.target.Decode(hyp.IDs, decodeOpts...)
		return err
	})
	return hyp, err
}

// GenerateStream generates for every sequence of enc, as Generate does
// with greedy decoding or sampling, and calls fn with each token as it is
// chosen (inputs interleaved step by step). When fn returns false the
// generation stops there. It returns the hypotheses (so far).
func (s *Session) GenerateStream(enc *Encoding, fn func(tok Token) bool, opts ...Option) ([][]Hypothesis, error) {
	var out [][]Hypothesis
	err := s.run(func(p *C.attn_session) error {
		return enc.h.use(func(e *C.attn_encoding) (err error) {
			out, err = (&tokenSink{fn: fn}).generate(p, e, opts)
			return err
		})
	})
	return out, err
}

// Tokens returns an iterator over the tokens generated for every sequence
// of enc with greedy decoding or sampling, one decoder step after another,
// inputs in order within a step. Generation stops when every input has
// finished or the loop ends. An error ends the sequence, paired with a
// zero Token.
func (s *Session) Tokens(enc *Encoding, opts ...Option) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		err := s.run(func(p *C.attn_session) error {
			return enc.h.use(func(e *C.attn_encoding) error {
				return withOptions(streamOptions(opts), func(o *C.attn_options) error {
					var stream *C.attn_stream
					if err := check(C.goattn_stream_open(p, e, o, &stream)); err != nil {
						return err
					}
					defer C.attn_stream_free(stream)
					for {
						var input C.size_t
						var id C.int32_t
						var logprob C.float
						err := check(C.goattn_stream_next(stream, &input, &id, &logprob))
						if errors.Is(err, ErrNotFound) { // every input has finished
							return nil
						}
						if err != nil {
							return err
						}
						if !yield(Token{Input: int(input), ID: int32(id), LogProb: float32(logprob)}, nil) {
							return nil
						}
					}
				})
			})
		})
		if err != nil {
			yield(Token{}, err)
		}
	}
}

// tokenSink receives the tokens of attn_generate_stream, through
// goattnToken, for one call.
type tokenSink struct {
	fn func(Token) bool
	// target, when set, decodes the tokens so far (of the only input)
	// with the decode options into each Token's Text.
	target *Tokenizer
	decode []Option
	ids    []int32

	stopped  bool  // fn asked to stop
	err      error // decoding a Text failed
	panicked any   // what fn panicked with
}

// generate runs attn_generate_stream, handing its tokens to k.fn.
func (k *tokenSink) generate(p *C.attn_session, e *C.attn_encoding, opts []Option) ([][]Hypothesis, error) {
	h := cgo.NewHandle(k)
	defer h.Delete()
	out, err := readResults(false, func(r **C.attn_result) error {
		return withOptions(streamOptions(opts), func(o *C.attn_options) error {
			return check(C.goattn_generate_stream(p, e, o, C.uintptr_t(h), r))
		})
	})
	switch {
	case k.panicked != nil:
		panic(k.panicked)
	case k.err != nil:
		return nil, k.err
	case k.stopped && errors.Is(err, ErrAborted):
		return out, nil
	}
	return out, err
}

// take hands a token to fn, and says whether to go on. A panic in fn
// stops the generation, to be raised again once libattn has returned.
func (k *tokenSink) take(input int, id int32, logprob float32) (goOn bool) {
	defer func() {
		if r := recover(); r != nil {
			k.panicked, goOn = r, false
		}
	}()
	tok := Token{Input: input, ID: id, LogProb: logprob}
	if k.target != nil {
		k.ids = append(k.ids, id)
		if tok.Text, k.err = k.target.Decode(k.ids, k.decode...); k.err != nil {
			return false
		}
	}
	k.stopped = !k.fn(tok)
	return !k.stopped
}
