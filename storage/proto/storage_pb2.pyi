from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PageId(_message.Message):
    __slots__ = ("table_id", "bucket")
    TABLE_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    table_id: int
    bucket: int
    def __init__(self, table_id: _Optional[int] = ..., bucket: _Optional[int] = ...) -> None: ...

class LogRecord(_message.Message):
    __slots__ = ("lsn", "payload")
    LSN_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    lsn: int
    payload: bytes
    def __init__(self, lsn: _Optional[int] = ..., payload: _Optional[bytes] = ...) -> None: ...

class PingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PingReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StreamRequest(_message.Message):
    __slots__ = ("stream_id", "if_epoch")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    IF_EPOCH_FIELD_NUMBER: _ClassVar[int]
    stream_id: int
    if_epoch: int
    def __init__(self, stream_id: _Optional[int] = ..., if_epoch: _Optional[int] = ...) -> None: ...

class StreamStateReply(_message.Message):
    __slots__ = ("stream_id", "epoch", "last_lsn", "applied_lsn", "truncated_lsn")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    LAST_LSN_FIELD_NUMBER: _ClassVar[int]
    APPLIED_LSN_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_LSN_FIELD_NUMBER: _ClassVar[int]
    stream_id: int
    epoch: int
    last_lsn: int
    applied_lsn: int
    truncated_lsn: int
    def __init__(self, stream_id: _Optional[int] = ..., epoch: _Optional[int] = ..., last_lsn: _Optional[int] = ..., applied_lsn: _Optional[int] = ..., truncated_lsn: _Optional[int] = ...) -> None: ...

class AppendRequest(_message.Message):
    __slots__ = ("stream_id", "epoch", "records")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    stream_id: int
    epoch: int
    records: _containers.RepeatedCompositeFieldContainer[LogRecord]
    def __init__(self, stream_id: _Optional[int] = ..., epoch: _Optional[int] = ..., records: _Optional[_Iterable[_Union[LogRecord, _Mapping]]] = ...) -> None: ...

class AppendReply(_message.Message):
    __slots__ = ("last_lsn",)
    LAST_LSN_FIELD_NUMBER: _ClassVar[int]
    last_lsn: int
    def __init__(self, last_lsn: _Optional[int] = ...) -> None: ...

class ReadStreamRequest(_message.Message):
    __slots__ = ("stream_id", "from_lsn", "max_records")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_LSN_FIELD_NUMBER: _ClassVar[int]
    MAX_RECORDS_FIELD_NUMBER: _ClassVar[int]
    stream_id: int
    from_lsn: int
    max_records: int
    def __init__(self, stream_id: _Optional[int] = ..., from_lsn: _Optional[int] = ..., max_records: _Optional[int] = ...) -> None: ...

class ReadStreamReply(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[LogRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[LogRecord, _Mapping]]] = ...) -> None: ...

class TruncateRequest(_message.Message):
    __slots__ = ("stream_id", "upto_lsn")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    UPTO_LSN_FIELD_NUMBER: _ClassVar[int]
    stream_id: int
    upto_lsn: int
    def __init__(self, stream_id: _Optional[int] = ..., upto_lsn: _Optional[int] = ...) -> None: ...

class TruncateReply(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPageRequest(_message.Message):
    __slots__ = ("page_id", "min_version", "catch_up", "timeout_s")
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_VERSION_FIELD_NUMBER: _ClassVar[int]
    CATCH_UP_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    page_id: PageId
    min_version: int
    catch_up: bool
    timeout_s: float
    def __init__(self, page_id: _Optional[_Union[PageId, _Mapping]] = ..., min_version: _Optional[int] = ..., catch_up: _Optional[bool] = ..., timeout_s: _Optional[float] = ...) -> None: ...

class PageImageReply(_message.Message):
    __slots__ = ("page_id", "version", "data")
    PAGE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    page_id: PageId
    version: int
    data: bytes
    def __init__(self, page_id: _Optional[_Union[PageId, _Mapping]] = ..., version: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class ListPagesRequest(_message.Message):
    __slots__ = ("table_id",)
    TABLE_ID_FIELD_NUMBER: _ClassVar[int]
    table_id: int
    def __init__(self, table_id: _Optional[int] = ...) -> None: ...

class ListPagesReply(_message.Message):
    __slots__ = ("page_ids",)
    PAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    page_ids: _containers.RepeatedCompositeFieldContainer[PageId]
    def __init__(self, page_ids: _Optional[_Iterable[_Union[PageId, _Mapping]]] = ...) -> None: ...
