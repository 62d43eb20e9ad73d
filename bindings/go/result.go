package attn

/*
#include "shim.h"
*/
import "C"

import "errors"

// Hypothesis is one output sequence of a generation or scoring call.
type Hypothesis struct {
	// Text is the decoded output of a translation; empty for calls on ids.
	Text string
	// IDs are the generated token ids: the decoder start token excluded,
	// an end-of-sequence token included when one was generated. For
	// scoring, the target's ids.
	IDs []int32
	// Score is the length-normalised log-probability for beam search, the
	// sum of the tokens' log-probabilities otherwise.
	Score float32
	// TokenScores holds each token's log-probability: always for scoring,
	// for generation with ReturnScores(true), else nil.
	TokenScores []float32
	// Alignment holds, with ReturnAttention(true), one row per token: its
	// weights over the source tokens (the last decoder layer's
	// cross-attention averaged over heads). Else nil.
	Alignment [][]float32
}

// Tensor is a copy of an array of floats that libattn computed, stored
// row-major.
type Tensor struct {
	Shape []int
	Data  []float32
}

// readResults runs call, which makes a libattn result, and reads every
// hypothesis of it, with their texts if withText. A result that a failing
// call still made (a stream its callback stopped) is read too.
func readResults(withText bool, call func(**C.attn_result) error) ([][]Hypothesis, error) {
	var r *C.attn_result
	err := call(&r)
	if r == nil {
		return nil, err
	}
	defer C.attn_result_free(r)
	out := make([][]Hypothesis, C.attn_result_count(r))
	for i := range out {
		out[i] = make([]Hypothesis, C.attn_result_hypotheses(r, C.size_t(i)))
		for j := range out[i] {
			if rerr := readHypothesis(r, C.size_t(i), C.size_t(j), withText, &out[i][j]); rerr != nil {
				return nil, rerr
			}
		}
	}
	return out, err
}

func readHypothesis(r *C.attn_result, i, j C.size_t, withText bool, h *Hypothesis) error {
	var tokens *C.int32_t
	var count C.size_t
	var score C.float
	if err := check(C.goattn_result_hypothesis(r, i, j, &tokens, &count, &score)); err != nil {
		return err
	}
	h.IDs, h.Score = goSlice[int32](tokens, count), float32(score)

	var logprobs *C.float
	err := check(C.goattn_result_token_scores(r, i, j, &logprobs, &count))
	if err = recorded(err); err != nil {
		return err
	}
	h.TokenScores = goSlice[float32](logprobs, count)

	var weights *C.float
	var srcLen C.size_t
	err = check(C.goattn_result_alignment(r, i, j, &weights, &count, &srcLen))
	if err = recorded(err); err != nil {
		return err
	}
	if weights != nil {
		all := goSlice[float32](weights, count*srcLen)
		h.Alignment = make([][]float32, count)
		for t := range h.Alignment {
			n := int(srcLen)
			h.Alignment[t] = all[t*n : (t+1)*n : (t+1)*n]
		}
	}

	if withText {
		var text *C.char
		if err := check(C.goattn_result_text(r, i, j, &text, &count)); err != nil {
			return err
		}
		h.Text = C.GoStringN(text, C.int(count))
	}
	return nil
}

// recorded drops the ErrNotFound of a value the call did not record.
func recorded(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
