// The one source of faultline_test_pch, which compiles GoogleTest's and GoogleMock's headers
// once for the test programs (see tests/CMakeLists.txt).
