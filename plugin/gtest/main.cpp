// faultline::gtest_main: gtest's flags first, then faultline's, then every test.
#include "faultline/gtest.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  faultline::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
