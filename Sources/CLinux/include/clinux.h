// Linux interfaces Glibc's Swift module map leaves out (signalfd, eventfd, epoll, prctl).
#pragma once
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <signal.h>
#include <spawn.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/syscall.h>
#include <unistd.h>

/// setns(2) without _GNU_SOURCE (the tests move a thread into a network namespace).
static inline int vlgw_setns(int fd, int nstype) { return (int)syscall(SYS_setns, fd, nstype); }

/// prctl(PR_SET_PDEATHSIG, signo): the kernel sends `signo` to this process when the
/// thread that started it exits (prctl is variadic, which Swift cannot call). 0 on success.
int clinux_set_parent_death_signal(int signo);
