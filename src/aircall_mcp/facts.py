"""What Aircall's API is, as far as it is known: limits that are Aircall's, not ours to configure.

Each fact is defined once here; settings, models, the client and the sandbox read it from here.
"""

from __future__ import annotations

# Aircall never serves more than the first 10,000 matches of a list or search, whatever the page.
PAGINATION_CAP = 10_000
# The largest `per_page` a list endpoint accepts.
MAX_PER_PAGE = 50
# What a list endpoint serves when no `per_page` is asked for.
DEFAULT_PER_PAGE = 20
# The documented company budget: 120 requests a minute, shared by every integration of the company.
DOCUMENTED_RATE_LIMIT = 120
DOCUMENTED_RATE_WINDOW_SECONDS = 60.0
