"""The public job board's queries: published postings that have not reached their closing date, with PostgreSQL
full-text search in the German configuration (stemming and stop words: "Entwicklerin" finds "Entwickler").

The SQL is built with only the filters that are given, rather than `$1 IS NULL OR ...`, so that each shape of
query gets a plan that can use the partial indexes of migration 0001."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from ..domain.model import Posting
from .postings_repository import SELECT_COLUMNS, to_posting

TEXT_SEARCH_CONFIG = "german"
OPEN = "p.status = 'published' AND (p.closes_at IS NULL OR p.closes_at > $1)"
BOARD_COLUMNS = ", ".join(f"p.{name}" for name in SELECT_COLUMNS.split(", "))


@dataclass(frozen=True)
class BoardQuery:
    q: str | None = None
    location: str | None = None
    employment_type: str | None = None
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class BoardSql:
    items: str
    count: str
    args: list[object]
    count_args: list[object]


def board_sql(query: BoardQuery, now: datetime) -> BoardSql:
    """The SQL of one job-board page and of its total, and their arguments. The page is chosen first and joined
    with the company names afterwards, so a deep page or a broad search joins twenty rows, not thousands."""
    where, args = [OPEN], [now]
    rank, order = "", ["published_at DESC", "id DESC"]
    if query.q:
        args.append(query.q)
        where.append(f"p.search_vector @@ websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', ${len(args)})")
        rank = f", ts_rank(p.search_vector, websearch_to_tsquery('{TEXT_SEARCH_CONFIG}', ${len(args)})) AS rank"
        # Ties in relevance fall back to the newest first and then to the id, so pages never overlap or skip.
        order = ["rank DESC", *order]
    if query.location:
        args.append(query.location.strip())
        where.append(f"lower(p.location) = lower(${len(args)})")
    if query.employment_type:
        args.append(query.employment_type)
        where.append(f"p.employment_type = ${len(args)}")
    condition = " AND ".join(where)
    count_args = list(args)
    args += [query.page_size, (query.page - 1) * query.page_size]
    items = f"""SELECT page.*, c.name AS company_name
                FROM (SELECT {BOARD_COLUMNS}{rank} FROM postings p WHERE {condition}
                      ORDER BY {", ".join(order)} LIMIT ${len(args) - 1} OFFSET ${len(args)}) AS page
                LEFT JOIN companies c ON c.company_id = page.company_id
                ORDER BY {", ".join(f"page.{key}" for key in order)}"""
    return BoardSql(items=items, count=f"SELECT count(*) FROM postings p WHERE {condition}", args=args,
                    count_args=count_args)


PostingWithCompany = tuple[Posting, str | None]


async def search(conn: asyncpg.Connection, query: BoardQuery, now: datetime) -> tuple[list[PostingWithCompany], int]:
    sql = board_sql(query, now)
    rows = await conn.fetch(sql.items, *sql.args)
    total = await conn.fetchval(sql.count, *sql.count_args)
    return [(to_posting(row), row["company_name"]) for row in rows], total


async def open_posting(conn: asyncpg.Connection, posting_id: UUID, now: datetime) -> PostingWithCompany | None:
    row = await conn.fetchrow(
        f"""SELECT {BOARD_COLUMNS}, c.name AS company_name
            FROM postings p LEFT JOIN companies c ON c.company_id = p.company_id
            WHERE p.id = $2 AND {OPEN}""",
        now, posting_id,
    )
    return (to_posting(row), row["company_name"]) if row else None
