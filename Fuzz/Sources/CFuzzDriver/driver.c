// Empty: SwiftPM needs one source file to build the C target that carries CFuzzDriver.h.
