"""PostgreSQL type OIDs and sizes of the types Strata speaks (pg_type.oid).

Python representation of values, shared by the engine and the wire codec:
  bool -> bool; int2/int4/int8 -> int; numeric -> decimal.Decimal;
  float4/float8 -> float; text/varchar/bpchar/name -> str; date -> datetime.date;
  timestamp -> datetime.datetime (naive); timestamptz -> aware datetime;
  bytea -> bytes; NULL -> None; unknown (705) -> str (an untyped literal).
"""

BOOL = 16
BYTEA = 17
NAME = 19
INT8 = 20
INT2 = 21
INT4 = 23
TEXT = 25
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
    UUID: "uuid", JSONB: "jsonb",
}


def type_size(oid: int) -> int:
    return TYPE_SIZE.get(oid, -1)
