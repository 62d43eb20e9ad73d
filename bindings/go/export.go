package attn

// The Go functions that shim.h's callbacks call. A file with //export may
// only declare C functions, so the shims are included elsewhere.

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

//export goattnToken
func goattnToken(user C.uintptr_t, input C.size_t, token C.int32_t, logprob C.float) C.int32_t {
	sink := cgo.Handle(user).Value().(*tokenSink)
	if sink.take(int(input), int32(token), float32(logprob)) {
		return 0
	}
	return 1
}

//export goattnLog
func goattnLog(level C.int32_t, message *C.char) {
	if fn := logFunc.Load(); fn != nil {
		(*fn)(LogLevel(level), C.GoString(message))
	}
}
