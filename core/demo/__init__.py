"""Demo data: three communes, their people, subscriptions and about 300 télédossiers (`python -m core.demo`).

Everything is invented and relative to the `now` given, drawn from a fixed random seed so that the world is
the same at each load. Loading twice creates nothing the second time.
"""

from core.demo.api_clients import DEMO_OSL_CLIENT_ID, DEMO_OSL_SECRET
from core.demo.loader import DEMO_PASSWORD, demo_is_loaded, load_demo_data
from core.demo.subscriptions import DEMO_API_CLIENT_ID, DEMO_API_SECRET
from core.demo.world import ACCOUNTS

# (email, who it is) of every demo account, for the welcome message and the README.
DEMO_LOGINS: list[tuple[str, str]] = [(spec.email, spec.description) for spec in ACCOUNTS]

__all__ = [
    "DEMO_API_CLIENT_ID",
    "DEMO_API_SECRET",
    "DEMO_LOGINS",
    "DEMO_OSL_CLIENT_ID",
    "DEMO_OSL_SECRET",
    "DEMO_PASSWORD",
    "demo_is_loaded",
    "load_demo_data",
]
