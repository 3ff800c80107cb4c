#!/usr/bin/env python3
"""Open N idle keep-alive HTTP/1.1 connections to 127.0.0.1:PORT and hold them.

With --tls the connections are HTTPS (TLS termination; the bench's self-signed
certificate is not verified).

Each connection sends one `GET PATH` with keep-alive and reads the whole response
(Content-Length framed), so the proxy has served one request on it and now holds an
idle keep-alive connection. At most --concurrency connections are being set up at the
same time, so the proxy never needs more than about that many upstream connections.

Prints "ready OK FAILED" on stdout once every connection is set up (or failed), then
holds them until stdin is closed or --max-seconds have passed, closes them and exits.
Exit status: 0 if every connection worked, 1 otherwise.
"""
import argparse
import asyncio
import resource
import ssl
import sys


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def client_tls_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


async def open_one(port, path, timeout, sem, tls):
    async with sem:
        writer = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=tls), timeout)
            writer.write(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                          "Connection: keep-alive\r\n\r\n" % (path, port)).encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
            lines = head.decode("latin-1").split("\r\n")
            if not lines[0].startswith("HTTP/1.1 200"):
                raise RuntimeError("status line %r" % lines[0])
            length = None
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                raise RuntimeError("no Content-Length in the response")
            await asyncio.wait_for(reader.readexactly(length), timeout)
            return writer
        except Exception as exc:  # noqa: BLE001 - counted and reported
            if writer is not None:
                writer.close()
            return exc


async def wait_stdin_eof(max_seconds):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (ValueError, OSError):
        await asyncio.sleep(max_seconds)  # stdin is not a pipe/fifo: just hold for max time
        return

    async def drain():
        while await reader.read(4096):
            pass

    try:
        await asyncio.wait_for(drain(), max_seconds)
    except asyncio.TimeoutError:
        pass


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=64,
                    help="connections being set up at the same time")
    ap.add_argument("--path", default="/")
    ap.add_argument("--tls", action="store_true", help="HTTPS instead of HTTP")
    ap.add_argument("--timeout", type=float, default=10.0, help="per step, seconds")
    ap.add_argument("--max-seconds", type=float, default=300.0,
                    help="hold the connections at most this long")
    args = ap.parse_args()

    limit = raise_nofile(65536)
    if limit < args.connections + 64:
        print("warning: open-file limit %d is below %d connections" % (limit, args.connections),
              file=sys.stderr)

    sem = asyncio.Semaphore(args.concurrency)
    tls = client_tls_context() if args.tls else None
    results = await asyncio.gather(
        *(open_one(args.port, args.path, args.timeout, sem, tls) for _ in range(args.connections)))
    writers = [r for r in results if isinstance(r, asyncio.StreamWriter)]
    errors = [r for r in results if not isinstance(r, asyncio.StreamWriter)]
    if errors:
        print("error: %d connections failed, first: %r" % (len(errors), errors[0]),
              file=sys.stderr)
    print("ready %d %d" % (len(writers), len(errors)), flush=True)

    await wait_stdin_eof(args.max_seconds)
    for w in writers:
        w.close()
    await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
