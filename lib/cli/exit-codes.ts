/** Exit codes of the `sda` command (documented in the README and in `sda --help`). */
export const EXIT_OK = 0;
/** The command ran but failed (a problem found, a bad file, a failed job). */
export const EXIT_FAILURE = 1;
/** Bad usage: unknown command or option, bad option value. */
export const EXIT_USAGE = 2;
