// Package attn runs Hugging Face sequence-to-sequence models (Marian,
// BART, mBART, M2M100) on the CPU through libattn, the C library.
//
// A [Model] holds a model folder's configuration, weights and tokenizers.
// It is immutable and may be shared by any number of goroutines, each of
// which runs it through its own [Session]:
//
//	model, err := attn.LoadModel("models/dates")
//	...
//	defer model.Close()
//	session, err := model.NewSession()
//	...
//	defer session.Close()
//	out, err := session.Translate([]string{"3 mars 2021"}, attn.NumBeams(4))
//	fmt.Println(out[0][0].Text) // 2021-03-03
//
// Models, sessions, tokenizers and encodings own C memory, which Close
// frees; the garbage collector does not. Close may be called in any order
// (a session keeps its model's weights alive) and more than once; a method
// called after Close returns [ErrClosed].
//
// Calls that take options accept [Option] values, named as in libattn's
// docs/options.md (WithOption("num_beams", 4), or helpers such as
// [NumBeams]). Errors that libattn reports are [*Error] values carrying its
// status and message; errors.Is(err, attn.ErrNotFound) tests the status.
//
// The package is built with cgo against an installed libattn, found with
// pkg-config (attn.pc): set PKG_CONFIG_PATH to the installation's
// lib/pkgconfig, and LD_LIBRARY_PATH to its lib to run the programs.
package attn

/*
#cgo pkg-config: attn
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// Status is a libattn status code. Those below are the failures; each is
// an error itself, so that errors.Is(err, ErrNotFound) matches an [*Error]
// with that status.
type Status int32

// The failure statuses of libattn.
const (
	ErrInvalidArgument Status = C.ATTN_E_INVALID_ARGUMENT // NULL pointer, bad option name or value
	ErrNotFound        Status = C.ATTN_E_NOT_FOUND        // missing file, tensor or key
	ErrFormat          Status = C.ATTN_E_FORMAT           // malformed file or text
	ErrUnsupported     Status = C.ATTN_E_UNSUPPORTED      // well-formed but not handled
	ErrNoMemory        Status = C.ATTN_E_NO_MEMORY        // an allocation failed
	ErrIO              Status = C.ATTN_E_IO               // the operating system refused
	ErrBufferTooSmall  Status = C.ATTN_E_BUFFER_TOO_SMALL // a buffer cannot hold the answer
	ErrAborted         Status = C.ATTN_E_ABORTED          // a callback asked to stop
	ErrInternal        Status = C.ATTN_E_INTERNAL         // a bug in libattn or a dependency
)

// String returns libattn's description of the status, such as "not found".
func (s Status) String() string {
	return C.GoString(C.attn_status_string(C.attn_status(s)))
}

func (s Status) Error() string { return "attn: " + s.String() }

// Error is a failure reported by libattn: its status and the message that
// says what was wrong and where (file, tensor, option, position).
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Status.Error()
	}
	return "attn: " + e.Status.String() + ": " + e.Message
}

// Unwrap returns the status, which errors.Is compares with the Err*
// constants.
func (e *Error) Unwrap() error { return e.Status }

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("attn: use of a closed object")

// check turns a shim's outcome into an error, freeing the message's copy.
func check(e C.goattn_err) error {
	if e.status == C.ATTN_OK {
		return nil
	}
	err := &Error{Status: Status(e.status)}
	if e.message != nil {
		err.Message = C.GoString(e.message)
		C.free(unsafe.Pointer(e.message))
	}
	return err
}

// invalid reports a bad argument found on the Go side.
func invalid(format string, args ...any) error {
	return &Error{Status: ErrInvalidArgument, Message: fmt.Sprintf(format, args...)}
}

// Version returns the version of the loaded library, such as "0.1.0".
func Version() string { return C.GoString(C.attn_version_string()) }

// VersionNumber returns the loaded library's version as
// major*10000 + minor*100 + patch.
func VersionNumber() int { return int(C.attn_version()) }

// checkVersion checks once that the loaded library can serve the header
// this package was built with.
var checkVersion = sync.OnceValue(func() error {
	return check(C.goattn_check_version())
})
