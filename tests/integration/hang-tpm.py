# SPDX-License-Identifier: Apache-2.0
# A TPM endpoint that accepts connections and never answers (tests/integration/timeout.sh):
# listens on 127.0.0.1 PORT and PORT+1 (swtpm's command and control ports), reads whatever
# comes, answers nothing. Writes "ready" to the file named by argv[2] once listening; each
# command received appends its size to argv[3].
import socket
import sys
import threading

port, ready, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
relay = int(sys.argv[4]) if len(sys.argv) > 4 else 0


def pipe(src, dst):
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay_ctrl(conn):
    up = socket.create_connection(("127.0.0.1", relay))
    threading.Thread(target=pipe, args=(up, conn), daemon=True).start()
    pipe(conn, up)


def serve(conn):
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            with open(log, "a") as f:
                f.write("%d\n" % len(data))


def listen(p):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p))
    s.listen(8)
    return s


socks = [listen(port), listen(port + 1)]
with open(ready, "w") as f:
    f.write("ready\n")


def accept_loop(s, handler):
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


threading.Thread(target=accept_loop, args=(socks[1], relay_ctrl if relay else serve), daemon=True).start()
accept_loop(socks[0], serve)
