// Fault points compiled out with FAULTLINE_DISABLED: the expression is a constant false.
#define FAULTLINE_DISABLED
#include "faultline/point.hpp"

static_assert(!FAULTLINE_POINT("db.read"), "a compiled-out point is a constant false");

int CompiledOutRead() {
  if (FAULTLINE_POINT("db.read")) return -5;
  return 0;
}
