// faultline: symbol visibility. faultline's libraries are compiled with hidden visibility, so a
// shared build exports only what FAULTLINE_API marks: the public API and the internal names
// that templates and inline functions of the public headers call.
#pragma once

// Marks a class, function or variable as part of faultline's binary interface. Static libraries
// are compiled hidden too: only these names (and the interposed libc functions, marked
// default where they are defined) stay visible when a program or a shared object links them.
#if defined(__GNUC__) || defined(__clang__)
#define FAULTLINE_API __attribute__((visibility("default")))
#else
#define FAULTLINE_API
#endif

// The inline namespace of the header code that differs with exceptions on or off (fault points,
// wrapped calls, error mapping): a program whose translation units are built both ways gets
// two differently named copies of it, never one definition standing for both.
#if defined(__cpp_exceptions)
#define FAULTLINE_EXCEPTION_MODE with_exceptions
#else
#define FAULTLINE_EXCEPTION_MODE without_exceptions
#endif
