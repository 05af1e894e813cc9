// faultline: the core in one include (domain types, clock, corruption, injector, points).
#pragma once

#include "faultline/clock.hpp"
#include "faultline/corrupt.hpp"
#include "faultline/fault.hpp"
#include "faultline/injector.hpp"
#include "faultline/point.hpp"
