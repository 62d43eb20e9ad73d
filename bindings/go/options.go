package attn

/*
#include "shim.h"
*/
import "C"

import (
	"cmp"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"unsafe"
)

// Option is one named setting of libattn's docs/options.md, passed to the
// calls that take options. The value's Go type picks how it is set:
// integers and bools (as 0 and 1) as integers, floats as numbers, strings
// as strings, and slices such as []int or [][]int as JSON lists. libattn
// checks the name, type and range, so an unknown name or a bad value
// fails the call with its message.
type Option struct {
	name  string
	value any
}

// WithOption returns the option called name with the given value.
func WithOption(name string, value any) Option { return Option{name, value} }

// OptionMap returns the options of m, ordered by name.
func OptionMap(m map[string]any) []Option {
	opts := make([]Option, 0, len(m))
	for name, value := range m {
		opts = append(opts, Option{name, value})
	}
	slices.SortFunc(opts, func(a, b Option) int { return cmp.Compare(a.name, b.name) })
	return opts
}

// Threads sets the threads a session uses for its matrix products (0:
// OpenMP's setting, OMP_NUM_THREADS or every core).
func Threads(n int) Option { return Option{"threads", n} }

// NumBeams sets the beams of beam search; 1 is greedy decoding.
func NumBeams(n int) Option { return Option{"num_beams", n} }

// NumReturnSequences sets how many hypotheses are returned per input, at
// most the number of beams.
func NumReturnSequences(n int) Option { return Option{"num_return_sequences", n} }

// MaxNewTokens sets the most tokens generated per input.
func MaxNewTokens(n int) Option { return Option{"max_new_tokens", n} }

// LengthPenalty sets the exponent of the length that divides beam scores.
func LengthPenalty(p float64) Option { return Option{"length_penalty", p} }

// DoSample makes generation sample each token instead of taking the most
// likely one; Seed, Temperature, TopK and TopP tune the sampling.
func DoSample(on bool) Option { return Option{"do_sample", on} }

// Seed seeds sampling, so that a seed reproduces its output.
func Seed(seed int64) Option { return Option{"seed", seed} }

// Temperature divides the scores before sampling.
func Temperature(t float64) Option { return Option{"temperature", t} }

// TopK samples among the k most likely tokens only (0: all).
func TopK(k int) Option { return Option{"top_k", k} }

// TopP samples among the most likely tokens whose probability exceeds p.
func TopP(p float64) Option { return Option{"top_p", p} }

// ReturnScores keeps each generated token's log-probability in
// [Hypothesis.TokenScores].
func ReturnScores(on bool) Option { return Option{"return_scores", on} }

// ReturnAttention keeps each generated token's alignment in
// [Hypothesis.Alignment].
func ReturnAttention(on bool) Option { return Option{"return_attention", on} }

// MaxBatchSize sets the most inputs encoded and decoded at once (0: all).
func MaxBatchSize(n int) Option { return Option{"max_batch_size", n} }

// SrcLang sets the language code of the source text (mBART, NLLB, M2M100).
func SrcLang(code string) Option { return Option{"src_lang", code} }

// TgtLang sets the language code of the target text (mBART, NLLB, M2M100).
func TgtLang(code string) Option { return Option{"tgt_lang", code} }

// AddSpecialTokens sets whether tokenizing adds the end-of-sentence token
// and the language codes the model expects (default true).
func AddSpecialTokens(on bool) Option { return Option{"add_special_tokens", on} }

// SkipSpecialTokens sets whether decoding leaves special tokens out of the
// text (default false for [Tokenizer.Decode], true for translations).
func SkipSpecialTokens(on bool) Option { return Option{"skip_special_tokens", on} }

// withOptions calls fn with a libattn options bag holding opts, or with
// nil when there are none.
func withOptions(opts []Option, fn func(*C.attn_options) error) error {
	if len(opts) == 0 {
		return fn(nil)
	}
	var bag *C.attn_options
	if err := check(C.goattn_options_create(&bag)); err != nil {
		return err
	}
	defer C.attn_options_free(bag)
	for _, o := range opts {
		if err := o.set(bag); err != nil {
			return err
		}
	}
	return fn(bag)
}

// set puts the option into bag with the setter its value's type calls for.
func (o Option) set(bag *C.attn_options) error {
	name := C.CString(o.name)
	defer C.free(unsafe.Pointer(name))
	v := reflect.ValueOf(o.value)
	switch v.Kind() {
	case reflect.Bool:
		var i C.int64_t
		if v.Bool() {
			i = 1
		}
		return check(C.goattn_options_set_int(bag, name, i))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return check(C.goattn_options_set_int(bag, name, C.int64_t(v.Int())))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if v.Uint() > math.MaxInt64 {
			return invalid("option '%s': %d is out of range", o.name, v.Uint())
		}
		return check(C.goattn_options_set_int(bag, name, C.int64_t(v.Uint())))
	case reflect.Float32, reflect.Float64:
		return check(C.goattn_options_set_float(bag, name, C.double(v.Float())))
	case reflect.String:
		return o.setString(bag, name, v.String())
	case reflect.Slice, reflect.Array:
		list, err := json.Marshal(o.value)
		if err != nil {
			return invalid("option '%s': %v", o.name, err)
		}
		return o.setString(bag, name, string(list))
	}
	return invalid("option '%s': a value of type %T is not a number, bool, string or list",
		o.name, o.value)
}

func (o Option) setString(bag *C.attn_options, name *C.char, s string) error {
	value := C.CString(s)
	defer C.free(unsafe.Pointer(value))
	return check(C.goattn_options_set_str(bag, name, value))
}
