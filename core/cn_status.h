// cn_status: the error convention of every continuo library function.
// Functions return a cn_status (0 = OK, negative = failure) and leave a one-line,
// human-readable message (with the path or value at fault, and a hint where useful)
// in a thread-local buffer that only cli/ prints. Nothing below cli/ prints.
#ifndef CN_STATUS_H
#define CN_STATUS_H

typedef enum cn_status {
    CN_OK = 0,
    CN_ERR_ARG = -1,       // invalid argument or flag value
    CN_ERR_IO = -2,        // cannot open/read/write a file (disk full included)
    CN_ERR_FORMAT = -3,    // malformed input file (MIDI, WAV, notation, model)
    CN_ERR_NOMEM = -4,     // allocation failed
    CN_ERR_VERSION = -5,   // model/checkpoint magic or version mismatch
    CN_ERR_DEVICE = -6,    // audio device missing or failed
    CN_ERR_UNSUPPORTED = -7,
    CN_ERR_STATE = -8,     // called in the wrong state
    CN_ERR_RANGE = -9,     // value out of range
} cn_status;

// Static name of a status code ("format error", ...).
const char *cn_status_str(cn_status s);

// Record a formatted message for this thread and return `s` (so: return cn_fail(...)).
cn_status cn_fail(cn_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// Put formatted context before this thread's message ("<context>: <message>") and return
// `s`: the safe way to say where an error happened (cn_fail must not format its own
// message, which lives in the buffer it writes).
cn_status cn_fail_prefix(cn_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

// The last message recorded on this thread ("" if none).
const char *cn_error_message(void);
void cn_error_clear(void);

// Argument checks at public entry points (never in hot paths).
#define cn_return_val_if_fail(cond, st)                                          \
    do {                                                                         \
        if (!(cond)) return cn_fail((st), "%s: check failed: %s", __func__, #cond); \
    } while (0)

#endif
