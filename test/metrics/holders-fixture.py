# Loopback connections whose server side is held by more than one descriptor, for the holder metrics.
# argv[1] is JSON {"dup": N, "inherit": N, "single": N, "closeClients": bool}. Accepted sockets of kind "dup" get a second
# descriptor in this process (os.dup, kept, as a leaky library does); those of kind "inherit" are passed
# to a child process (`sleep`), as a spawn without close-on-exec does; "single" ones stay alone. With
# closeClients the client sides close, leaving every server side in CLOSE_WAIT. A
# forked child shares the listener (pre-fork servers do that on purpose; the metric ignores listeners).
# Prints one JSON line {pid, port, childPid, forkPid, ports: {kind: [client port, ...]}}, then waits
# for stdin to close.
import json, os, socket, subprocess, sys

spec = json.loads(sys.argv[1])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
port = srv.getsockname()[1]
fork_pid = os.fork()
if fork_pid == 0:
    sys.stdin.read()  # the pre-fork worker: holds the listener until the parent's stdin closes
    os._exit(0)
keep, clients, ports, inherited = [], [], {}, []
for kind in ("dup", "inherit", "single"):
    ports[kind] = []
    for _ in range(spec.get(kind, 0)):
        c = socket.create_connection(("127.0.0.1", port))
        s, _addr = srv.accept()
        keep.append(s)
        clients.append(c)
        ports[kind].append(c.getsockname()[1])
        if kind == "dup":
            keep.append(os.dup(s.fileno()))
        if kind == "inherit":
            inherited.append(s.fileno())
child = subprocess.Popen(["sleep", "3600"], pass_fds=inherited)
if spec.get("closeClients"):
    for c in clients:
        c.close()
print(json.dumps({"pid": os.getpid(), "port": port, "childPid": child.pid, "forkPid": fork_pid, "ports": ports}), flush=True)
sys.stdin.read()
child.kill()
os.kill(fork_pid, 9)
