/* progress.c - the progress bar on stderr: count, rate and, when the size
 * of the input is known, the share done and the time left. It shows only
 * when stderr is a terminal and stdout is not (results on the terminal
 * show the progress themselves and would mix with the bar), and only once
 * a run has lasted a second, so short runs stay clean. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_DELAY 1.0 /* seconds before the bar first shows */
#define PROGRESS_WIDTH 24  /* characters of the bar itself */
#define PROGRESS_PERIOD 0.1 /* seconds between redraws, to keep the terminal calm */

double cli_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void progress_init(progress_bar *p, bool wanted, uint64_t total_bytes, size_t total_items)
{
    *p = (progress_bar){ .enabled = wanted && isatty(fileno(stderr)) && !isatty(fileno(stdout)),
                         .start = cli_seconds(),
                         .total_bytes = total_bytes,
                         .total_items = total_items };
}

/* Writes a duration as M:SS or H:MM:SS. */
static void print_duration(double seconds)
{
    const unsigned long s = seconds > 0 ? (unsigned long)(seconds + 0.5) : 0;
    if (s >= 3600)
        fprintf(stderr, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        fprintf(stderr, "%lu:%02lu", s / 60, s % 60);
}

void progress_update(progress_bar *p, size_t items, uint64_t bytes)
{
    const double elapsed = cli_seconds() - p->start;
    if (!p->enabled || elapsed < PROGRESS_DELAY || elapsed - p->drawn < PROGRESS_PERIOD)
        return;
    p->drawn = elapsed;
    double done = -1; /* the share done, when the total is known */
    if (p->total_bytes)
        done = (double)bytes / (double)p->total_bytes;
    else if (p->total_items)
        done = (double)items / (double)p->total_items;
    if (done > 1)
        done = 1;
    fputs("\r\033[K", stderr);
    if (done >= 0) {
        const int filled = (int)(done * PROGRESS_WIDTH);
        fputc('[', stderr);
        for (int i = 0; i < PROGRESS_WIDTH; i++)
            fputc(i < filled ? '#' : '.', stderr);
        fprintf(stderr, "] %3d%%  ", (int)(done * 100));
    }
    fprintf(stderr, "%zu done, %.1f/s", items, (double)items / elapsed);
    if (done > 0) {
        fputs(", ETA ", stderr);
        print_duration(elapsed / done - elapsed);
    }
    fflush(stderr);
    p->shown = true;
}

void progress_clear(progress_bar *p)
{
    if (!p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}
