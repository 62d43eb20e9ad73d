package attn

/*
#include "shim.h"
*/
import "C"

import "unsafe"

// Model is a loaded model folder: configuration, weights and tokenizers.
// It is immutable, and safe for concurrent use by any number of
// goroutines and sessions.
type Model struct {
	h         handle[*C.attn_model]
	modelType string
}

// LoadModel loads the Hugging Face model folder at path (config.json,
// generation_config.json, model.safetensors and the tokenizer files).
// Options are those of scope "model" in docs/options.md, such as
// WithOption("use_mmap", false).
func LoadModel(path string, opts ...Option) (*Model, error) {
	if err := checkVersion(); err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var p *C.attn_model
	err := withOptions(opts, func(o *C.attn_options) error {
		return check(C.goattn_model_load(cpath, o, &p))
	})
	if err != nil {
		return nil, err
	}
	return newModel(p), nil
}

// newModel wraps a model reference that the Model then owns.
func newModel(p *C.attn_model) *Model {
	return &Model{
		h:         newHandle(p, func(p *C.attn_model) { C.attn_model_free(p) }),
		modelType: C.GoString(C.attn_model_type(p)),
	}
}

// Clone returns a second handle to the same loaded model, which stays
// valid after m is closed and must be closed on its own. The weights are
// not copied.
func (m *Model) Clone() (*Model, error) {
	var c *Model
	err := m.h.use(func(p *C.attn_model) error {
		c = newModel(C.attn_model_retain(p))
		return nil
	})
	return c, err
}

// Close releases the model. Sessions and tokenizers obtained from it keep
// working until they are closed too.
func (m *Model) Close() error {
	m.h.close()
	return nil
}

// Type returns config.json's model_type, such as "marian".
func (m *Model) Type() string { return m.modelType }

// Int returns an integer property of the model, such as "vocab_size",
// "d_model", "decoder_layers" or "eos_token_id" (the list is in attn.h,
// attn_model_get_int). A property the model does not define is
// ErrNotFound.
func (m *Model) Int(name string) (int64, error) {
	var v int64
	err := m.h.use(func(p *C.attn_model) (err error) {
		v, err = modelInt(p, name)
		return err
	})
	return v, err
}

func modelInt(p *C.attn_model, name string) (int64, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var v C.int64_t
	err := check(C.goattn_model_get_int(p, cname, &v))
	return int64(v), err
}

// Side picks one of a model's two tokenizers.
type Side int32

// The sides of a model's tokenizers: they differ for Marian models with
// separate source and target SentencePiece models, and in the default
// language for models with language codes.
const (
	SourceSide Side = C.ATTN_TOKENIZER_SOURCE
	TargetSide Side = C.ATTN_TOKENIZER_TARGET
)

// Tokenizer returns the model's tokenizer of the given side, which stays
// valid after the model is closed; close it when done. A model folder
// without tokenizer files gives ErrNotFound.
func (m *Model) Tokenizer(side Side) (*Tokenizer, error) {
	var t *Tokenizer
	err := m.h.use(func(p *C.attn_model) (err error) {
		t, err = modelTokenizer(p, side)
		return err
	})
	return t, err
}

func modelTokenizer(p *C.attn_model, side Side) (*Tokenizer, error) {
	var t *C.attn_tokenizer
	if err := check(C.goattn_model_tokenizer(p, C.int32_t(side), &t)); err != nil {
		return nil, err
	}
	return newTokenizer(t), nil
}
