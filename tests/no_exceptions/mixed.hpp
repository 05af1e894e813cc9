// The same fault points and calls made from a translation unit built with exceptions
// (mixed.cpp), linked into the program whose other files are built without: each file keeps
// its own behaviour (the headers' code differs by mode under different names).
#pragma once

// A callable type both files pass to faultline::Call, so that both instantiate it alike.
int ReturnThree();

// With an exception rule on "mixed.point" and "mixed.call" installed: true when the point and
// the call each threw faultline::InjectedFault, as they must where exceptions are on.
bool PointAndCallThrowWithExceptions();
