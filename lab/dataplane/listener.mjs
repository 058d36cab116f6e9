/* global process, Buffer */
// A lab pod's application: one small process per pod, run inside the pod's netns, answering every
// declared TCP containerPort with HTTP 200 and the pod's name (UDP ports echo the name back); the
// outside hosts of the lab run it too, with their host name;
// GET /bytes/N answers N bytes, for transfers bigger than one packet.
// Plain JavaScript on purpose: it starts in ~40 ms without a TypeScript loader, once per pod.
// usage: listener.mjs POD_NAME tcp:ADDR:PORT|udp:ADDR:PORT ...   (ADDR v6only: [::] with IPV6_V6ONLY, TCP only)
import { createServer } from 'node:http';
import { createSocket } from 'node:dgram';

const [name, ...binds] = process.argv.slice(2);
let pending = binds.length;
const ready = () => {
  if (--pending <= 0) process.stdout.write(`ready ${name}\n`);
};
const fail = (what, e) => {
  process.stderr.write(`listener ${name}: ${what}: ${e.message}\n`);
  process.exit(1);
};

for (const b of binds) {
  const [proto, host, port] = b.split(':');
  if (proto === 'udp') {
    const s = createSocket('udp4');
    s.on('error', (e) => fail(`udp ${host}:${port}`, e));
    s.on('message', (_msg, rinfo) => s.send(`${name}\n`, rinfo.port, rinfo.address));
    s.bind(Number(port), host, ready);
  } else {
    const srv = createServer((req, res) => {
      // GET /bytes/N answers N bytes (at most 10 MB): a bulk transfer for path-MTU checks.
      const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
      // x-packetwalk-client: the source address this server saw (shows whether a hop SNATed the flow)
      res.writeHead(200, { 'content-type': m ? 'application/octet-stream' : 'text/plain; charset=utf-8', 'x-packetwalk-client': `${req.socket.remoteAddress}:${req.socket.remotePort}` });
      res.end(m ? Buffer.alloc(Math.min(Number(m[1]), 10 << 20), 120) : `${name}\n`);
    });
    srv.on('error', (e) => fail(`tcp ${host}:${port}`, e));
    // v6only: [::] with IPV6_V6ONLY (ss prints it as [::]:PORT; a dual-stack one as *:PORT)
    if (host === 'v6only') srv.listen({ port: Number(port), host: '::', ipv6Only: true }, ready);
    else srv.listen(Number(port), host, ready);
  }
}
if (!binds.length) ready();
process.on('SIGTERM', () => process.exit(0));
