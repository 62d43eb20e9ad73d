/* interrupt.c - Ctrl-C: the first one asks the command to stop after the
 * work in hand, which it then prints; the second one ends the process. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>

#include "cli.h"

static volatile sig_atomic_t requested;

static void on_interrupt(int signal_number)
{
    (void)signal_number;
    requested = 1;
}

void interrupt_install(void)
{
    struct sigaction action = { 0 }, old;
    /* a command started in the background with SIGINT ignored keeps it so */
    if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
        return;
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    /* no SA_RESTART: a read waiting for input returns at once; SA_RESETHAND:
     * the next Ctrl-C is the default one */
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, NULL);
}

bool interrupt_requested(void)
{
    return requested != 0;
}
