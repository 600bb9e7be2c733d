"""mock-ic: a mock Infinite Campus OneRoster server (see README.md)."""

import warnings
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mock-ic")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

# What installs the server on top of the kit (the base install): said by the commands that need it.
SERVER_EXTRA = "pip install 'mock-ic[server]'"

# connexion 3.3 imports starlette's TestClient at import time, and starlette warns about its httpx
# backend there: noise in every `mock-ic serve` start that no user of mock-ic can act on.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")
