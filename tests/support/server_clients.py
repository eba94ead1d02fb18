"""Clients of `stsenv exec --server`, run as its COMMAND (tests/server.rs). Each mode prints
`KEY value` lines for the test to check.

  server_clients.py hostile STS_URL   idle and slow-loris connections, a 100 MiB header, 200
                                      parallel requests, a client that resets mid-answer
  server_clients.py burst SECONDS     waits until the credentials are due, then 50 wrong-token
                                      and 100 parallel right-token requests
  server_clients.py midjob SECONDS    clears stsenv's cache (the MFA session goes), waits until
                                      the credentials are due, then asks once
"""
import concurrent.futures
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
TOKEN = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
ADDRESS = (urllib.parse.urlsplit(URL).hostname, urllib.parse.urlsplit(URL).port)


def say(key, *values):
    print(key, *values, flush=True)


def fetch(token=TOKEN):
    """One request as the SDKs make it; (status, body, seconds)."""
    start = time.perf_counter()
    request = urllib.request.Request(URL, headers={"Authorization": token})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    return status, json.loads(body), time.perf_counter() - start


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])


def closed_after(sock, limit):
    """Seconds until the server closes `sock` (None: still open after `limit`)."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except socket.timeout:
        return None
    except OSError:
        pass
    return time.monotonic() - start


def hostile(sts_url):
    say("SERVER_PEAK_KIB_AT_START", peak_rss_kib(os.getppid()))
    idle = socket.create_connection(ADDRESS)  # connects, sends nothing
    loris_cut = []

    def loris():
        sock = socket.create_connection(ADDRESS)
        start = time.monotonic()
        try:
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 60:
                sock.send(bytes([byte]))
                time.sleep(1)
        except OSError:
            pass
        loris_cut.append(closed_after(sock, 10) is not None and time.monotonic() - start)

    threading.Thread(target=loris, daemon=True).start()
    time.sleep(0.3)
    status, body, seconds = fetch()
    say("FETCH", status, f"{seconds * 1000:.1f}")
    start = time.perf_counter()
    import boto3

    arn = boto3.session.Session().client("sts", endpoint_url=sts_url).get_caller_identity()["Arn"]
    say("BOTO3", arn, f"{time.perf_counter() - start:.2f}")
    start = time.perf_counter()
    cli = subprocess.run(
        ["/usr/bin/aws", "--endpoint-url", sts_url, "sts", "get-caller-identity", "--query", "Arn", "--output", "text"],
        capture_output=True,
        text=True,
    )
    say("CLI", cli.stdout.strip() or cli.stderr.strip().replace("\n", " "), f"{time.perf_counter() - start:.2f}")
    say("IDLE_CLOSED_AFTER", closed_after(idle, 10))
    for _ in range(100):
        if loris_cut:
            break
        time.sleep(0.1)
    say("LORIS_CUT_AFTER", loris_cut[0] if loris_cut else None)

    # A header that never ends: cut off long before 100 MiB, the server's memory bounded.
    sock = socket.create_connection(ADDRESS)
    sent = 0
    chunk = b"a" * 65536
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ")
        while sent < 100 * 2**20:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    try:
        sock.settimeout(5)
        status_line = sock.recv(64).split(b"\r\n")[0].decode()
    except OSError as e:
        status_line = f"closed ({e.__class__.__name__})"
    say("LONG_HEADER", f"{sent / 2**20:.1f}MiB", status_line or "closed")
    say("SERVER_PEAK_KIB", peak_rss_kib(os.getppid()))

    with concurrent.futures.ThreadPoolExecutor(200) as pool:
        answers = list(pool.map(lambda _: fetch(), range(200)))
    keys = {body.get("AccessKeyId") for _, body, _ in answers}
    say("PARALLEL", sum(status == 200 for status, _, _ in answers), len(keys))

    # A client that resets the connection before reading its answer.
    for _ in range(20):
        sock = socket.create_connection(ADDRESS)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {TOKEN}\r\n\r\n".encode())
        sock.close()
    say("AFTER_RESETS", fetch()[0])
    request = urllib.request.Request(URL, data=b"x", headers={"Authorization": TOKEN}, method="POST")
    try:
        urllib.request.urlopen(request)
        say("POST", 200)
    except urllib.error.HTTPError as e:
        say("POST", e.code)


def burst(wait):
    time.sleep(wait)
    wrong = [fetch("not-the-token")[0] for _ in range(50)]
    say("WRONG", sorted(set(wrong)))
    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        answers = list(pool.map(lambda _: fetch(), range(100)))
    keys = {body.get("AccessKeyId") for _, body, _ in answers}
    say("BURST", sum(status == 200 for status, _, _ in answers), len(keys))


def midjob(wait):
    subprocess.run(["stsenv", "cache", "clear"], check=True, capture_output=True)
    time.sleep(wait)
    say("ASKING")
    status, body, _ = fetch()
    say("MIDJOB", status, body.get("AccessKeyId") or body.get("message"))
    # The job goes on: another request does not prompt again.
    status, body, _ = fetch()
    say("AGAIN", status)


if __name__ == "__main__":
    {"hostile": hostile, "burst": lambda a: burst(float(a)), "midjob": lambda a: midjob(float(a))}[sys.argv[1]](
        sys.argv[2]
    )
