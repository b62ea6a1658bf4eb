"""One module per scenario of issue 9, in the order of the table. Each has `NAME` and
`async def run(env, sizes) -> list[Row]`; the runner stops the scenario's processes before the next one starts."""

from . import applying, erasures, event_pipeline, invoicing, job_board, login

SCENARIOS = {module.NAME: module for module in (job_board, applying, event_pipeline, login, erasures, invoicing)}
