"""The storage node's gRPC server: a thin servicer over one ``RocksStore``.

Owns the translation between protobuf messages and ``storage.api`` types, and
between api exceptions and gRPC status codes (documented in storage.proto).
Protobuf types never reach the store.  ``serve`` starts a server and returns a
handle; ``python -m storage`` (``storage/__main__.py``) runs it as a process.
"""

from __future__ import annotations

import functools
import os
from concurrent import futures
from dataclasses import dataclass

import grpc

from storage.api import FencedError, LogRecord, LsnError, StorageTimeout, StreamState
from storage.proto import storage_pb2 as pb
from storage.proto import storage_pb2_grpc as pb_grpc
from storage.rocks_store import RocksStore

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
WORKERS = 16

_STATUS = {
    FencedError: grpc.StatusCode.FAILED_PRECONDITION,
    LsnError: grpc.StatusCode.OUT_OF_RANGE,
    StorageTimeout: grpc.StatusCode.DEADLINE_EXCEEDED,
    ValueError: grpc.StatusCode.INVALID_ARGUMENT,
}


def _mapped_errors(method):
    """Turn the store's exceptions into gRPC status codes."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except tuple(_STATUS) as exc:
            code = next(c for t, c in _STATUS.items() if isinstance(exc, t))
            context.abort(code, str(exc))

    return wrapper


def _state(state: StreamState) -> pb.StreamStateReply:
    return pb.StreamStateReply(
        stream_id=state.stream_id,
        epoch=state.epoch,
        last_lsn=state.last_lsn,
        applied_lsn=state.applied_lsn,
        truncated_lsn=state.truncated_lsn,
    )


class StorageServicer(pb_grpc.StorageServicer):
    def __init__(self, store: RocksStore):
        self._store = store

    def Ping(self, request, context):
        return pb.PingReply()

    @_mapped_errors
    def OpenStream(self, request, context):
        return _state(self._store.open_stream(request.stream_id))

    @_mapped_errors
    def FenceStream(self, request, context):
        return _state(self._store.fence_stream(request.stream_id, request.if_epoch))

    @_mapped_errors
    def Append(self, request, context):
        records = [LogRecord(r.lsn, r.payload) for r in request.records]
        return pb.AppendReply(
            last_lsn=self._store.append(request.stream_id, request.epoch, records)
        )

    @_mapped_errors
    def ReadStream(self, request, context):
        records = self._store.read_stream(request.stream_id, request.from_lsn, request.max_records)
        return pb.ReadStreamReply(
            records=[pb.LogRecord(lsn=r.lsn, payload=r.payload) for r in records]
        )

    @_mapped_errors
    def Truncate(self, request, context):
        self._store.truncate(request.stream_id, request.upto_lsn)
        return pb.TruncateReply()

    @_mapped_errors
    def StreamState(self, request, context):
        return _state(self._store.stream_state(request.stream_id))

    @_mapped_errors
    def GetPage(self, request, context):
        pid = (request.page_id.table_id, request.page_id.bucket)
        image = self._store.get_page(pid, request.min_version, request.catch_up, request.timeout_s)
        return pb.PageImageReply(page_id=request.page_id, version=image.version, data=image.data)

    @_mapped_errors
    def ListPages(self, request, context):
        pids = self._store.list_pages(request.table_id)
        return pb.ListPagesReply(page_ids=[pb.PageId(table_id=t, bucket=b) for t, b in pids])


@dataclass
class StorageServer:
    """A running server: the port it listens on, and how to stop it."""

    server: grpc.Server
    store: RocksStore
    port: int

    def stop(self, grace_s: float = 1.0) -> None:
        self.server.stop(grace_s).wait()
        self.store.close()


def serve(data_dir: str | os.PathLike, host: str, port: int) -> StorageServer:
    """Open the store under ``data_dir`` and serve it on ``host:port`` (0 = any free port)."""
    store = RocksStore(os.path.join(data_dir, "rocks"))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="storage-rpc"),
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ],
    )
    pb_grpc.add_StorageServicer_to_server(StorageServicer(store), server)
    try:
        bound = server.add_insecure_port(f"{host}:{port}")
        if bound == 0:
            raise RuntimeError(f"cannot bind {host}:{port}")
        server.start()
    except BaseException:
        store.close()
        raise
    return StorageServer(server, store, bound)
