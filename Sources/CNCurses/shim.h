#ifndef AETHER_CNCURSES_SHIM_H
#define AETHER_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncursesw/curses.h>

/* Macros and globals Swift cannot import directly. */
static inline WINDOW *aether_stdscr(void) { return stdscr; }
static inline int aether_lines(void) { return LINES; }
static inline int aether_cols(void) { return COLS; }
static inline int aether_colors(void) { return COLORS; }
static inline attr_t aether_a_bold(void) { return A_BOLD; }
static inline attr_t aether_a_reverse(void) { return A_REVERSE; }
static inline attr_t aether_a_dim(void) { return A_DIM; }
static inline attr_t aether_a_underline(void) { return A_UNDERLINE; }
static inline attr_t aether_color_pair(int n) { return COLOR_PAIR(n); }
static inline int aether_key_resize(void) { return KEY_RESIZE; }
static inline int aether_key_mouse(void) { return KEY_MOUSE; }
static inline int aether_err(void) { return ERR; }
static inline int aether_key_code_yes(void) { return KEY_CODE_YES; }
static inline mmask_t aether_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t aether_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t aether_button4_pressed(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t aether_button5_pressed(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t aether_button5_pressed(void) { return 0; }
#endif
static inline int aether_color_black(void) { return COLOR_BLACK; }

static inline int aether_key_max(void) { return KEY_MAX; }

/* Bracketed paste (xterm's mode 2004): a paste arrives between ESC[200~ and ESC[201~. */
static inline void aether_bracketed_paste(FILE *tty, int on) {
    fputs(on ? "\033[?2004h" : "\033[?2004l", tty);
    fflush(tty);
}

/* Restores the terminal at process exit if a screen is still active. */
static SCREEN *aether_active_screen = 0;
static FILE *aether_active_tty = 0;
static inline void aether_atexit_restore(void) {
    if (aether_active_screen != 0 && !isendwin()) {
        if (aether_active_tty != 0) { aether_bracketed_paste(aether_active_tty, 0); }
        endwin();
    }
}
static inline void aether_set_active_screen(SCREEN *screen, FILE *tty) {
    aether_active_screen = screen;
    aether_active_tty = tty;
}

#endif
