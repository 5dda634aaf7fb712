"""Loading the package's compiled cffi extensions (built by `bash scripts/install.sh`)."""
import importlib


def import_extension(module, error=ImportError):
    """Import a compiled cffi extension (with ``ffi`` and ``lib``).

    Args:
        module (str): dotted name of the extension.
        error: exception class raised, with a one-line message, when it is not built.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise error(f'{module}: the cffi extension is not built ({err}); '
                    f'run `bash scripts/install.sh`') from None
