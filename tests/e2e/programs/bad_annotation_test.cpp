// A test program whose annotations are wrong: start-up must fail and say why.
#include <faultline/gtest.hpp>

FAULTLINE_ANNOTATE(Missing, NoSuchTest, faultline::Exception("x"));
FAULTLINE_TEST(Present, Twice, faultline::Exception("dup"), faultline::Delay("dup", std::chrono::milliseconds(1))) {}
FAULTLINE_TEST(Present, Across, faultline::Exception("same")) {}
FAULTLINE_ANNOTATE(Present, Across, faultline::Delay("same", std::chrono::milliseconds(1)));
