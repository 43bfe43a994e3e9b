"""The analytics layer: named SQL queries in files, run with typed parameters as the user or as the app, their
results cached per principal in two levels with single-flight.

Query files (`queries/<name>.sql`, QUERIES_DIR; the file name is the query's name, lower_snake_case). Leading
`--` comment lines are the header: free text is the description;
`-- @param <name> <TYPE> [= <SQL literal default>]` declares a parameter (STRING, INT/INTEGER, BIGINT, SMALLINT,
TINYINT, DOUBLE, FLOAT, DECIMAL(p,s), BOOLEAN, DATE, TIMESTAMP, TIMESTAMP_NTZ; defaults: numbers, 'text',
'2016-01-01', true/false, NULL; no default: required; `= NULL`: optional, bound as a NULL of its type);
`-- @run_as user|app` (default user: the signed-in user's token; app: the service principal, for data that is
the same for everyone); `-- @cache_ttl <seconds>` (default 300; 0: never cached, still single-flight). Then
ONE SELECT (or WITH ... SELECT) in Databricks SQL using `:name` markers; every marker must be declared and every
declared parameter used. Values are bound, never spliced. All files are checked when the app starts: a bad one
stops it with `<file>:<line>: <problem>`.

    result = analytics.run("trips_by_hour", {"start_date": "2016-01-01"}, settings=settings, user=user)
    result.frame()  # or .columns, .rows, .records(), .from_cache, .computed_at, .warehouse_ms

Cache key: principal (the user's id for run_as user; the app for run_as app, or when the app acts for a user
without a token), query name, sha256 of the SQL text, the canonical parameter values, workspace and warehouse.
"""

from __future__ import annotations

from services.analytics.cache import QueryCache, clear_caches, query_cache
from services.analytics.files import QueryFile, QueryFileError, load_query_file, query_files
from services.analytics.parameters import QueryParameter, SqlType
from services.analytics.result import QueryResult
from services.analytics.run import run

__all__ = [
    "QueryCache",
    "QueryFile",
    "QueryFileError",
    "QueryParameter",
    "QueryResult",
    "SqlType",
    "clear_caches",
    "load_query_file",
    "query_cache",
    "query_files",
    "run",
]
