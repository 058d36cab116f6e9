# An Istio-style sidecar proxy for the lab (DESIGN §3, pod annotation `packetwalk/mesh: istio`): listens on
# 15001 in the pod's netns, where the pod's nat OUTPUT rules redirect its outbound TCP, accepts every
# connection at once (as Envoy's outbound listener does) and relays it to the original destination
# (SO_ORIGINAL_DST), connecting as uid 1337 so its own traffic is exempt from the redirect. When the real
# destination cannot be reached the client's connect has already opened: the trap a mesh sets for probes.
# Usage: meshproxy.py PORT   (started as root by lab/dataplane/mesh.ts; drops to uid/gid 1337 after bind)
import os, socket, struct, sys, threading

SO_ORIGINAL_DST = 80
PROXY_UID = 1337

def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def handle(conn):
    try:
        raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        port, ip = struct.unpack('!2xH4s8x', raw)
        up = socket.create_connection((socket.inet_ntoa(ip), port), timeout=3)
        up.settimeout(None)
    except OSError:
        conn.close()
        return
    threading.Thread(target=pump, args=(conn, up), daemon=True).start()
    threading.Thread(target=pump, args=(up, conn), daemon=True).start()

def main():
    port = int(sys.argv[1])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('0.0.0.0', port))
    srv.listen(128)
    os.setgroups([])
    os.setgid(PROXY_UID)
    os.setuid(PROXY_UID)
    print('ready mesh proxy on :%d as uid %d' % (port, os.getuid()), flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()

main()
