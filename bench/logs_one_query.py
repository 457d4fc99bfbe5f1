"""Issue 5's reference for scale: one DuckDB query over the log files computing the invocation count, cold starts,
timeouts, p50/p99 duration and the maximum memory used (the issue measured 2.05 s on a 1.07 GB log).

It reads no START, application or error line, keeps no invocation and computes no byte count: a lower bound for what
DuckDB costs on the same files on this machine, measured in the same run as `lambdoctor logs`.
Usage: python bench/logs_one_query.py FOLDER
"""

from __future__ import annotations

import sys

import duckdb

SOURCE = (r"read_csv(?, columns={'line': 'VARCHAR'}, delim=E'\x01', quote='', escape='', header=false, "
          r"auto_detect=false, new_line='\n', strict_mode=false, ignore_errors=true, max_line_size=2097152)")
QUERY = f"""
SELECT count(*) FILTER (WHERE r), count(*) FILTER (WHERE r AND contains(line, 'Init Duration')),
  count(*) FILTER (WHERE contains(line, 'Task timed out')), quantile_cont(d, [0.5, 0.99]), max(m)
FROM (SELECT line, contains(line, 'REPORT RequestId') AS r,
  CASE WHEN contains(line, 'REPORT RequestId')
       THEN try_cast(regexp_extract(line, 'Duration: ([0-9.]+) ms', 1) AS DOUBLE) END AS d,
  CASE WHEN contains(line, 'REPORT RequestId')
       THEN try_cast(regexp_extract(line, 'Max Memory Used: ([0-9]+) MB', 1) AS DOUBLE) END AS m
  FROM {SOURCE})
"""

if __name__ == "__main__":
    print(duckdb.connect().execute(QUERY, [sys.argv[1] + "/*.log"]).fetchall())
