"""The benchmark suite: every scenario of the platform next to a baseline measured in the same run.

Entry point: bench/__main__.py (`uv run python -m bench`). Layout:
  cli.py          flags, sizes, the run, the table and the JSON file
  environment.py  this run's databases, exchange, queues, service processes, gateway and mailbox; cleanup
  load.py         the HTTP load generator (wrk, or an httpx fallback) and its figures
  broker.py       raw aio-pika baselines (publish with confirms, consume with ack, quorum queues)
  results.py      a row of the table, percentiles, formatting
  profiling.py    py-spy around a scenario (--profile)
  scenarios/      one module per scenario, each `async def run(env, sizes) -> list[Row]`"""
