"""SQLAlchemy 2 against a real cluster through the router, with both the
psycopg driver (create_engine) and the asyncpg driver (create_async_engine):
metadata.create_all (FOREIGN KEY, UNIQUE, an index, a server default, SERIAL and
identity keys), inspect() reflection compared with what a real PostgreSQL 15
reflects for the same metadata, ORM CRUD over a one-to-many relationship
(insertmanyvalues + RETURNING, streamed results through server-side cursors,
join, selectinload, update, delete with cascade) and metadata.drop_all.
EXPECTED_CRUD is what PostgreSQL 15 gives for the same session."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import (
    ForeignKey,
    Identity,
    Numeric,
    String,
    Text,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)

from tests.differential.pg15 import Postgres15, find_bindir

DRIVERS = ["psycopg", "asyncpg"]


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "sa_authors"
    id: Mapped[int] = mapped_column(primary_key=True)  # SERIAL
    name: Mapped[str] = mapped_column(String(50), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author", cascade="all, delete-orphan",
                                             order_by="Book.id")


class Book(Base):
    __tablename__ = "sa_books"
    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    stock: Mapped[int] = mapped_column(server_default=text("0"))
    author_id: Mapped[int] = mapped_column(ForeignKey("sa_authors.id", ondelete="CASCADE"), index=True)
    author: Mapped[Author] = relationship(back_populates="books")


def reflect(conn) -> dict:
    """What inspect() says about the two tables, in a comparable form."""
    insp = inspect(conn)
    out: dict = {"tables": sorted(t for t in insp.get_table_names() if t.startswith("sa_")),
                 "schemas": insp.get_schema_names()}
    for t in ("sa_authors", "sa_books"):
        out[t] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], c["default"], c.get("autoincrement"),
                         c.get("identity")) for c in insp.get_columns(t)],
            "pk": insp.get_pk_constraint(t),
            "fks": insp.get_foreign_keys(t),
            "indexes": insp.get_indexes(t),
            "uniques": insp.get_unique_constraints(t),
        }
    return out


def crud_sync(engine) -> dict:
    out = {}
    with Session(engine) as s:
        s.add_all([Author(name="ann", books=[Book(title="b1", price=Decimal("1.50")), Book(title="b2")]),
                   Author(name="bob", books=[Book(title="b3")])])
        s.commit()
        # stream_results: a server-side cursor (DECLARE ... / FETCH FORWARD n)
        streamed = s.execute(select(Book.title).order_by(Book.id).execution_options(yield_per=2))
        out["streamed"] = [list(p) for p in streamed.partitions()]
        out["join"] = s.execute(select(Author.name, Book.title).join(Author.books)
                                .order_by(Book.title)).all()
        authors = s.scalars(select(Author).options(selectinload(Author.books)).order_by(Author.name)).all()
        out["selectin"] = [(a.name, [b.title for b in a.books], [b.stock for b in a.books]) for a in authors]
        authors[0].name = "anne"
        authors[0].books[0].price = Decimal("2.25")
        s.commit()
        out["updated"] = s.execute(select(Author.name, Book.price).join(Author.books)
                                   .order_by(Book.id)).all()
        s.delete(authors[0])
        s.commit()
        out["after_delete"] = (s.scalar(select(func.count()).select_from(Author)),
                               s.scalars(select(Book.title)).all())
    return out


async def crud_async(engine) -> dict:
    out = {}
    async with AsyncSession(engine, expire_on_commit=False) as s:
        s.add_all([Author(name="ann", books=[Book(title="b1", price=Decimal("1.50")), Book(title="b2")]),
                   Author(name="bob", books=[Book(title="b3")])])
        await s.commit()
        # stream(): an asyncpg cursor (a portal fetched in batches inside a transaction)
        streamed = await s.stream(select(Book.title).order_by(Book.id).execution_options(yield_per=2))
        out["streamed"] = [list(p) async for p in streamed.partitions()]
        out["join"] = (await s.execute(select(Author.name, Book.title).join(Author.books)
                                       .order_by(Book.title))).all()
        authors = (await s.scalars(select(Author).options(selectinload(Author.books))
                                   .order_by(Author.name))).all()
        out["selectin"] = [(a.name, [b.title for b in a.books], [b.stock for b in a.books]) for a in authors]
        authors[0].name = "anne"
        authors[0].books[0].price = Decimal("2.25")
        await s.commit()
        out["updated"] = (await s.execute(select(Author.name, Book.price).join(Author.books)
                                          .order_by(Book.id))).all()
        await s.delete(authors[0])
        await s.commit()
        out["after_delete"] = (await s.scalar(select(func.count()).select_from(Author)),
                               (await s.scalars(select(Book.title))).all())
    return out


def run_all(url: str, driver: str, *, do_reflect: bool = True, do_crud: bool = True
            ) -> tuple[dict | None, dict | None, list]:
    """create_all, reflect, CRUD, drop_all on the database at ``url``."""
    if driver == "psycopg":
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            Base.metadata.drop_all(engine)
            Base.metadata.create_all(engine)
            reflected = crud = None
            if do_reflect:
                with engine.connect() as conn:
                    reflected = reflect(conn)
            if do_crud:
                crud = crud_sync(engine)
            Base.metadata.drop_all(engine)
            with engine.connect() as conn:
                left = [t for t in inspect(conn).get_table_names() if t.startswith("sa_")]
        finally:
            engine.dispose()
        return reflected, crud, left

    async def main():
        engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.drop_all)
                await conn.run_sync(Base.metadata.create_all)
            reflected = crud = None
            if do_reflect:
                async with engine.connect() as conn:
                    reflected = await conn.run_sync(reflect)
            if do_crud:
                crud = await crud_async(engine)
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.drop_all)
            async with engine.connect() as conn:
                left = await conn.run_sync(
                    lambda c: [t for t in inspect(c).get_table_names() if t.startswith("sa_")])
        finally:
            await engine.dispose()
        return reflected, crud, left
    return asyncio.run(main())


@pytest.fixture(scope="module")
def postgres():
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL 15 is not installed")
    pg = Postgres15(bindir).start()
    try:
        yield f"postgresql://postgres@127.0.0.1:{pg.port}/postgres"
    finally:
        pg.stop()


EXPECTED_CRUD = {
    "streamed": [[("b1",), ("b2",)], [("b3",)]],
    "join": [("ann", "b1"), ("ann", "b2"), ("bob", "b3")],
    "selectin": [("ann", ["b1", "b2"], [0, 0]), ("bob", ["b3"], [0])],
    "updated": [("anne", Decimal("2.25")), ("anne", None), ("bob", None)],
    "after_delete": (1, ["b3"]),
}


@pytest.mark.parametrize("driver", DRIVERS)
def test_create_all_and_reflection_match_postgres(cluster, postgres, driver):
    url = f"postgresql://strata@127.0.0.1:{cluster.port}/strata"
    reflected, _, left = run_all(url, driver, do_crud=False)
    assert reflected["tables"] == ["sa_authors", "sa_books"]
    books = reflected["sa_books"]
    assert books["fks"][0]["referred_table"] == "sa_authors"
    assert books["fks"][0]["options"] == {"ondelete": "CASCADE"}
    assert [i["name"] for i in books["indexes"]] == ["ix_sa_books_author_id"]
    assert reflected["sa_authors"]["uniques"][0]["column_names"] == ["name"]
    assert left == []
    # the identity column: attidentity, pg_get_serial_sequence, its sequence in
    # pg_class and pg_sequence give SQLAlchemy the identity options PostgreSQL gives;
    # the SERIAL column: its nextval default
    identity = {"always": False, "start": 1, "increment": 1, "minvalue": 1, "maxvalue": 2147483647,
                "cache": 1, "cycle": False}
    assert books["columns"][0] == ("id", "INTEGER", False, None, True, identity)
    assert reflected["sa_authors"]["columns"][0] == (
        "id", "INTEGER", False, "nextval('sa_authors_id_seq'::regclass)", True, None)
    # the same metadata on PostgreSQL 15 reflects the same
    pg_reflected, _, pg_left = run_all(postgres, driver, do_crud=False)
    assert reflected == pg_reflected and pg_left == []


@pytest.mark.parametrize("driver", DRIVERS)
def test_orm_crud_one_to_many(cluster, driver):
    url = f"postgresql://strata@127.0.0.1:{cluster.port}/strata"
    _, crud, left = run_all(url, driver, do_reflect=False)
    assert crud == EXPECTED_CRUD
    assert left == []
