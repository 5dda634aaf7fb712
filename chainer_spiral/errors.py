"""One-line errors for the files a user names and the outputs they ask for (docs/errors.md)."""
import sys
from pathlib import Path

import numpy as np


class NonFiniteLossError(FloatingPointError):
    """A loss or gradient is NaN or infinite; raised before any parameter is updated."""


def check_finite(**values):
    """Raise NonFiniteLossError naming the first non-finite value (floats or arrays)."""
    for name, value in values.items():
        if not np.all(np.isfinite(value)):
            raise NonFiniteLossError(f'{name}: expected a finite value, got {value!r}')


def read_text(path, what, expected, error=ValueError):
    """The text of a file the user named.

    Args:
        path: The file.
        what: What it is, for messages ('the config file').
        expected: What its bytes should be, for messages ('a YAML text file').
        error: The exception class to raise.

    Raises:
        error: One line naming the file: it cannot be read (missing, a directory, ...) or is not
            UTF-8 text.
    """
    try:
        return Path(path).read_text()
    except OSError as e:
        raise error(f'{path}: cannot read {what} ({e.strerror})') from None
    except UnicodeDecodeError:
        raise error(f'{path}: expected {expected}, got bytes that are not UTF-8') from None


def report_unwritable(prog, error, out):
    """Prints ``PROG: error: FILE: cannot write the output (REASON)`` to stderr.

    Args:
        prog: The program name (``parser.prog``).
        error: The OSError raised while writing.
        out: The output the user named (shown when the error names no file).

    Returns:
        1, the exit status of an output that cannot be written.
    """
    print(f'{prog}: error: {error.filename or out}: cannot write the output '
          f'({error.strerror or error})', file=sys.stderr)
    return 1
