package attn

/*
#include "shim.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
)

// LogLevel is the severity of a libattn log message.
type LogLevel int32

// The levels of libattn's log messages, most severe first.
const (
	LogError LogLevel = C.ATTN_LOG_ERROR
	LogWarn  LogLevel = C.ATTN_LOG_WARN
	LogInfo  LogLevel = C.ATTN_LOG_INFO
	LogDebug LogLevel = C.ATTN_LOG_DEBUG
)

var (
	logMu   sync.Mutex                             // serialises SetLogFunc
	logFunc atomic.Pointer[func(LogLevel, string)] // read by goattnLog
)

// SetLogFunc makes libattn pass its log messages at maxLevel and more
// severe ones to fn; nil stops them. Without it libattn logs nothing. fn
// may be called from any goroutine or C thread that runs libattn, one call
// at a time, and must not call into this package.
func SetLogFunc(fn func(level LogLevel, message string), maxLevel LogLevel) error {
	logMu.Lock()
	defer logMu.Unlock()
	if fn == nil {
		err := check(C.goattn_set_log_callback(0, C.int32_t(maxLevel)))
		if err == nil {
			logFunc.Store(nil)
		}
		return err
	}
	old := logFunc.Swap(&fn)
	err := check(C.goattn_set_log_callback(1, C.int32_t(maxLevel)))
	if err != nil {
		logFunc.Store(old)
	}
	return err
}
