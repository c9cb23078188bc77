"""``GrpcStorage``: the StorageApi of a remote storage node, over gRPC.

Owns the client side of storage.proto: one channel per instance (thread-safe,
shared by every call), deadlines, and the mapping of gRPC status codes back to
the api exceptions:

    FAILED_PRECONDITION -> FencedError        OUT_OF_RANGE -> LsnError
    DEADLINE_EXCEEDED   -> StorageTimeout on get_page, StorageUnavailable elsewhere
                           (the outcome of a late append is unknown)
    UNAVAILABLE         -> StorageUnavailable (also: connection refused)
    anything else       -> StorageError
"""

from __future__ import annotations

from typing import Sequence

import grpc

from storage.api import (
    FencedError,
    LogRecord,
    LsnError,
    PageImage,
    StorageError,
    StorageTimeout,
    StorageUnavailable,
    StreamState,
)
from storage.page_format import PageId
from storage.proto import storage_pb2 as pb
from storage.proto import storage_pb2_grpc as pb_grpc

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CALL_TIMEOUT_S = 30.0
"""Deadline of every call but get_page (whose deadline is its timeout_s + 5)."""


def _error(exc: grpc.RpcError, timeout_is: type[StorageError]) -> StorageError:
    code, details = exc.code(), exc.details()
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return FencedError(details)
    if code == grpc.StatusCode.OUT_OF_RANGE:
        return LsnError(details)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return timeout_is(details)
    if code == grpc.StatusCode.UNAVAILABLE:
        return StorageUnavailable(details)
    return StorageError(f"{code.name}: {details}")


def _state(reply: pb.StreamStateReply) -> StreamState:
    return StreamState(
        reply.stream_id, reply.epoch, reply.last_lsn, reply.applied_lsn, reply.truncated_lsn
    )


class GrpcStorage:
    """StorageApi over a gRPC channel to ``address`` ("host:port")."""

    def __init__(self, address: str):
        self.address = address
        self._channel = grpc.insecure_channel(
            address,
            options=[
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        self._stub = pb_grpc.StorageStub(self._channel)

    def _call(self, method, request, timeout_s=CALL_TIMEOUT_S, timeout_is=StorageUnavailable):
        try:
            return method(request, timeout=timeout_s)
        except grpc.RpcError as exc:
            raise _error(exc, timeout_is) from None

    def ping(self, timeout_s: float = 5.0) -> None:
        self._call(self._stub.Ping, pb.PingRequest(), timeout_s)

    def open_stream(self, stream_id: int) -> StreamState:
        return _state(self._call(self._stub.OpenStream, pb.StreamRequest(stream_id=stream_id)))

    def fence_stream(self, stream_id: int, if_epoch: int = 0) -> StreamState:
        request = pb.StreamRequest(stream_id=stream_id, if_epoch=if_epoch)
        return _state(self._call(self._stub.FenceStream, request))

    def append(self, stream_id: int, epoch: int, records: Sequence[LogRecord]) -> int:
        request = pb.AppendRequest(
            stream_id=stream_id,
            epoch=epoch,
            records=[pb.LogRecord(lsn=r.lsn, payload=r.payload) for r in records],
        )
        return self._call(self._stub.Append, request).last_lsn

    def read_stream(self, stream_id: int, from_lsn: int, max_records: int) -> list[LogRecord]:
        request = pb.ReadStreamRequest(
            stream_id=stream_id, from_lsn=max(from_lsn, 0), max_records=max(max_records, 0)
        )
        reply = self._call(self._stub.ReadStream, request)
        return [LogRecord(r.lsn, r.payload) for r in reply.records]

    def truncate(self, stream_id: int, upto_lsn: int) -> None:
        self._call(
            self._stub.Truncate, pb.TruncateRequest(stream_id=stream_id, upto_lsn=max(upto_lsn, 0))
        )

    def stream_state(self, stream_id: int) -> StreamState:
        return _state(self._call(self._stub.StreamState, pb.StreamRequest(stream_id=stream_id)))

    def get_page(
        self, page_id: PageId, min_version: int, catch_up: bool = False, timeout_s: float = 10.0
    ) -> PageImage:
        request = pb.GetPageRequest(
            page_id=pb.PageId(table_id=page_id[0], bucket=page_id[1]),
            min_version=max(min_version, 0),
            catch_up=catch_up,
            timeout_s=timeout_s,
        )
        reply = self._call(self._stub.GetPage, request, timeout_s + 5, StorageTimeout)
        return PageImage((reply.page_id.table_id, reply.page_id.bucket), reply.version, reply.data)

    def list_pages(self, table_id: int) -> list[PageId]:
        reply = self._call(self._stub.ListPages, pb.ListPagesRequest(table_id=table_id))
        return [(p.table_id, p.bucket) for p in reply.page_ids]

    def close(self) -> None:
        self._channel.close()
