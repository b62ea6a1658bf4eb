"""asyncpg repositories and the service's metrics."""
