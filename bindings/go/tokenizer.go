package attn

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Tokenizer converts between text and token ids. It is immutable and safe
// for concurrent use by any number of goroutines.
type Tokenizer struct {
	h         handle[*C.attn_tokenizer]
	kind      string
	vocabSize int
}

func newTokenizer(p *C.attn_tokenizer) *Tokenizer {
	return &Tokenizer{
		h:         newHandle(p, func(p *C.attn_tokenizer) { C.attn_tokenizer_free(p) }),
		kind:      C.GoString(C.attn_tokenizer_kind(p)),
		vocabSize: int(C.attn_tokenizer_vocab_size(p)),
	}
}

// LoadTokenizer loads a tokenizer on its own from path: a model folder, a
// SentencePiece .model file or a tokenizer.json file. Options are those of
// scope "tokenizer": WithOption("target", 1) loads a folder's target-side
// tokenizer.
func LoadTokenizer(path string, opts ...Option) (*Tokenizer, error) {
	if err := checkVersion(); err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var p *C.attn_tokenizer
	err := withOptions(opts, func(o *C.attn_options) error {
		return check(C.goattn_tokenizer_load(cpath, o, &p))
	})
	if err != nil {
		return nil, err
	}
	return newTokenizer(p), nil
}

// Close releases the tokenizer.
func (t *Tokenizer) Close() error {
	t.h.close()
	return nil
}

// Clone returns a second handle to the same tokenizer, which stays valid
// after t is closed and must be closed on its own.
func (t *Tokenizer) Clone() (*Tokenizer, error) {
	var c *Tokenizer
	err := t.h.use(func(p *C.attn_tokenizer) error {
		c = newTokenizer(C.attn_tokenizer_retain(p))
		return nil
	})
	return c, err
}

// Kind says what the tokenizer is: "sentencepiece", "tokenizer.json",
// "marian", "mbart", "mbart50", "nllb", "m2m100" or "t5".
func (t *Tokenizer) Kind() string { return t.kind }

// VocabSize returns the number of ids, added tokens included.
func (t *Tokenizer) VocabSize() int { return t.vocabSize }

// Encode returns the ids of text. Options are those of scope "encode":
// AddSpecialTokens (default true), SrcLang, TgtLang.
func (t *Tokenizer) Encode(text string, opts ...Option) ([]int32, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	return fill(t, len(text)+8, opts, func(p *C.attn_tokenizer, o *C.attn_options, ids []int32, n *C.size_t) error {
		return check(C.goattn_tokenizer_encode(p, ctext, C.size_t(len(text)), o,
			ptr[C.int32_t](ids), C.size_t(len(ids)), n))
	})
}

// Decode returns the text of ids. Options are those of scope "decode":
// SkipSpecialTokens (default false, as in transformers).
func (t *Tokenizer) Decode(ids []int32, opts ...Option) (string, error) {
	text, err := fill(t, 4*len(ids)+16, opts, func(p *C.attn_tokenizer, o *C.attn_options, buf []byte, n *C.size_t) error {
		return check(C.goattn_tokenizer_decode(p, ptr[C.int32_t](ids), C.size_t(len(ids)), o,
			ptr[C.char](buf), C.size_t(len(buf)), n))
	})
	return string(text), err
}

// IDToPiece returns the vocabulary string of id; an id outside the
// vocabulary is ErrNotFound.
func (t *Tokenizer) IDToPiece(id int32) (string, error) {
	piece, err := fill(t, 32, nil, func(p *C.attn_tokenizer, _ *C.attn_options, buf []byte, n *C.size_t) error {
		return check(C.goattn_tokenizer_id_to_piece(p, C.int32_t(id), ptr[C.char](buf),
			C.size_t(len(buf)), n))
	})
	return string(piece), err
}

// PieceToID returns the id of a vocabulary string; one not in the
// vocabulary is ErrNotFound.
func (t *Tokenizer) PieceToID(piece string) (int32, error) {
	cpiece := C.CString(piece)
	defer C.free(unsafe.Pointer(cpiece))
	var id C.int32_t
	err := t.h.use(func(p *C.attn_tokenizer) error {
		return check(C.goattn_tokenizer_piece_to_id(p, cpiece, C.size_t(len(piece)), &id))
	})
	return int32(id), err
}

// fill runs call with a buffer of capacity elements, into which call
// writes and stores in *n the number written, or the number needed (a
// terminating NUL excluded) when it fails with ErrBufferTooSmall; then
// fill runs it again with a buffer that large.
func fill[E int32 | byte](t *Tokenizer, capacity int, opts []Option,
	call func(p *C.attn_tokenizer, o *C.attn_options, buf []E, n *C.size_t) error) ([]E, error) {
	var out []E
	err := t.h.use(func(p *C.attn_tokenizer) error {
		return withOptions(opts, func(o *C.attn_options) error {
			for {
				buf := make([]E, capacity)
				var n C.size_t
				err := call(p, o, buf, &n)
				if errors.Is(err, ErrBufferTooSmall) && int(n) >= capacity {
					capacity = int(n) + 1 // with room for a NUL
					continue
				}
				if err == nil {
					out = buf[:n]
				}
				return err
			}
		})
	})
	return out, err
}
