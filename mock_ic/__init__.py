"""mock-ic: a mock Infinite Campus OneRoster server (see README.md)."""

import warnings

# connexion 3.3 imports starlette's TestClient at import time, and starlette warns about its httpx
# backend there: noise in every `mock-ic serve` start that no user of mock-ic can act on.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")
