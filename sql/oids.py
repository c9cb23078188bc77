"""PostgreSQL type OIDs and sizes of the types Strata speaks (pg_type.oid).

Python representation of values, shared by the engine and the wire codec:
  bool -> bool; int2/int4/int8 -> int; numeric -> decimal.Decimal;
  float4/float8 -> float; text/varchar/bpchar/name -> str; date -> datetime.date;
  timestamp -> datetime.datetime (naive); timestamptz -> aware datetime;
  bytea -> bytes; NULL -> None; unknown (705) -> str (an untyped literal);
  jsonb -> str (its normalised text, sql.jsonb); json -> str (the input text);
  uuid -> str (canonical lowercase); interval -> tuple (months, days, microseconds)
  (sql.intervals); arrays -> tuple of element values (``PgArray`` while computed,
  a plain tuple once stored: rows hold only types storage.page_format unpickles).
"""

BOOL = 16
BYTEA = 17
NAME = 19
INT8 = 20
INT2 = 21
INT4 = 23
TEXT = 25
JSON = 114
OID = 26
FLOAT4 = 700
FLOAT8 = 701
UNKNOWN = 705
BPCHAR = 1042
VARCHAR = 1043
DATE = 1082
TIME = 1083
TIMESTAMP = 1114
TIMESTAMPTZ = 1184
INTERVAL = 1186
NUMERIC = 1700
UUID = 2950
JSONB = 3802

TYPE_SIZE = {
    BOOL: 1, INT2: 2, INT4: 4, INT8: 8, FLOAT4: 4, FLOAT8: 8, DATE: 4, TIME: 8,
    TIMESTAMP: 8, TIMESTAMPTZ: 8, OID: 4, NAME: 64, UUID: 16, INTERVAL: 16,
}

TYPE_NAME = {
    BOOL: "boolean", BYTEA: "bytea", NAME: "name", INT8: "bigint", INT2: "smallint",
    INT4: "integer", TEXT: "text", OID: "oid", FLOAT4: "real", FLOAT8: "double precision",
    UNKNOWN: "unknown", BPCHAR: "character", VARCHAR: "character varying", DATE: "date",
    TIME: "time without time zone", TIMESTAMP: "timestamp without time zone",
    TIMESTAMPTZ: "timestamp with time zone", INTERVAL: "interval", NUMERIC: "numeric",
    UUID: "uuid", JSONB: "jsonb", JSON: "json",
}


def type_size(oid: int) -> int:
    return TYPE_SIZE.get(oid, -1)


# -- catalog types (sql.pg_catalog): the types of pg_catalog columns and casts
CHAR = 18
"""PostgreSQL's one-byte internal ``"char"`` (relkind, contype, ...)."""
INT2VECTOR = 22
REGPROC = 24
OIDVECTOR = 30
PG_NODE_TREE = 194
ACLITEM = 1033
REGCLASS = 2205
REGTYPE = 2206
REGNAMESPACE = 4089
OID_TYPES = frozenset({OID, REGPROC, REGCLASS, REGTYPE, REGNAMESPACE})

ARRAY_OF = {
    BOOL: 1000, BYTEA: 1001, CHAR: 1002, NAME: 1003, INT2: 1005, INT4: 1007, REGPROC: 1008,
    TEXT: 1009, OID: 1028, BPCHAR: 1014, VARCHAR: 1015, INT8: 1016, FLOAT4: 1021,
    FLOAT8: 1022, ACLITEM: 1034, TIMESTAMP: 1115, DATE: 1182, TIME: 1183,
    TIMESTAMPTZ: 1185, INTERVAL: 1187, NUMERIC: 1231, REGCLASS: 2210, REGTYPE: 2211,
    UUID: 2951, JSONB: 3807, JSON: 199, REGNAMESPACE: 4090,
}
"""Element type -> its array type (pg_type.typarray)."""
ELEMENT_OF = {a: e for e, a in ARRAY_OF.items()}

TYPE_NAME.update({
    CHAR: '"char"', INT2VECTOR: "int2vector", REGPROC: "regproc", OIDVECTOR: "oidvector",
    PG_NODE_TREE: "pg_node_tree", ACLITEM: "aclitem", REGCLASS: "regclass", REGTYPE: "regtype",
    REGNAMESPACE: "regnamespace",
})
TYPE_NAME.update({a: TYPE_NAME[e] + "[]" for e, a in ARRAY_OF.items()})
TYPE_SIZE.update({CHAR: 1, REGPROC: 4, REGCLASS: 4, REGTYPE: 4, REGNAMESPACE: 4})
