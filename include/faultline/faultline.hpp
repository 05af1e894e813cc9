// faultline: the core in one include (domain types, clock, corruption, injector, points,
// schedules, sweep and explore).
#pragma once

#include "faultline/clock.hpp"
#include "faultline/corrupt.hpp"
#include "faultline/explore.hpp"
#include "faultline/fault.hpp"
#include "faultline/injector.hpp"
#include "faultline/point.hpp"
#include "faultline/schedule.hpp"
