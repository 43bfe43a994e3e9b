"""Bounds on the integers a client may send: every one of them fits what Postgres (BIGINT) and the SQL
warehouse (a LIMIT/OFFSET literal) can hold, so a hostile value is a 400, never a database error."""

# Far past any real history or table page, far below 2**63.
MAX_OFFSET = 1_000_000_000
