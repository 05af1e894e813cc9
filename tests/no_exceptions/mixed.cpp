#include "mixed.hpp"

#include "faultline/faultline.hpp"

int ReturnThree() { return 3; }

bool PointAndCallThrowWithExceptions() {
  bool point_threw = false;
  try {
    static_cast<void>(FAULTLINE_POINT("mixed.point"));
  } catch (const faultline::InjectedFault&) {
    point_threw = true;
  }
  bool call_threw = false;
  try {
    static_cast<void>(faultline::Call("mixed.call", &ReturnThree));
  } catch (const faultline::InjectedFault&) {
    call_threw = true;
  }
  return point_threw && call_threw;
}
