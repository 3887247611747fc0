#include <sys/prctl.h>
#include "clinux.h"

int clinux_set_parent_death_signal(int signo) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signo, 0UL, 0UL, 0UL);
}
