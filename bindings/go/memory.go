package attn

/*
#include <stdlib.h>
*/
import "C"

import (
	"slices"
	"strings"
	"unsafe"
)

// ptr returns the address of s's first element as a *P for C, or nil for
// an empty slice.
func ptr[P, T any](s []T) *P {
	if len(s) == 0 {
		return nil
	}
	return (*P)(unsafe.Pointer(&s[0]))
}

// goSlice copies the n elements of C memory at p.
func goSlice[T, P any](p *P, n C.size_t) []T {
	if p == nil || n == 0 {
		return nil
	}
	return slices.Clone(unsafe.Slice((*T)(unsafe.Pointer(p)), int(n)))
}

// cStrings copies ss one after another into C memory, returning where
// each starts, their lengths, and the function that frees the copy.
func cStrings(ss []string) ([]*C.char, []C.size_t, func()) {
	buf := C.CString(strings.Join(ss, ""))
	starts := make([]*C.char, len(ss))
	lengths := make([]C.size_t, len(ss))
	at := 0
	for i, s := range ss {
		starts[i] = (*C.char)(unsafe.Add(unsafe.Pointer(buf), at))
		lengths[i] = C.size_t(len(s))
		at += len(s)
	}
	return starts, lengths, func() { C.free(unsafe.Pointer(buf)) }
}

// flatten puts token sequences one after another, as libattn takes them,
// with their lengths.
func flatten(seqs [][]int32) ([]int32, []C.size_t) {
	lengths := make([]C.size_t, len(seqs))
	for i, s := range seqs {
		lengths[i] = C.size_t(len(s))
	}
	return slices.Concat(seqs...), lengths
}

// matrix puts `rows` rows of equal length one after another, returning
// that length; what names the rows in errors.
func matrix(seqs [][]int32, rows int, what string) ([]int32, int, error) {
	if len(seqs) != rows {
		return nil, 0, invalid("%s: %d rows where %d are expected", what, len(seqs), rows)
	}
	for i, s := range seqs {
		if len(s) != len(seqs[0]) {
			return nil, 0, invalid("%s: row %d has %d tokens but row 0 has %d",
				what, i, len(s), len(seqs[0]))
		}
	}
	return slices.Concat(seqs...), len(seqs[0]), nil
}
