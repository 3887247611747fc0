// libzmq's C API, seen by Swift only through this shim (the ZeroMQ target wraps it).
#include <zmq.h>
