// Linux interfaces Glibc's Swift module map leaves out (signalfd, eventfd).
#pragma once
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <spawn.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
