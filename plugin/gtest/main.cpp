// faultline::gtest_main: gtest's flags first, then faultline's, then every test.
#include "faultline/gtest.hpp"

// Exported: in a shared build the program's entry point is found in this library.
FAULTLINE_API int main(int argc, char** argv) {
  const std::vector<int> before = faultline::internal::OpenDescriptors();
  ::testing::InitGoogleMock(&argc, argv);
  // gtest's result stream (--gtest_stream_result_to) is open now: never faulted.
  faultline::internal::MarkFrameworkDescriptors(before);
  faultline::Init(&argc, argv);
  return RUN_ALL_TESTS();
}
