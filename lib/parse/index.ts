// Every tool-output parser, one import for the engine (lib/probes.ts) and the verdicts.
// Shape: parseX(stdout, run?) → Result<T, ParseError>; `run` ({exitCode, stderr}, e.g. an Evidence) lets
// parsers read failure forms the tools print on stderr or signal by exit code.
export * from './common';
export * from './ipTool';
export * from './ipAddr';
export * from './ipRoute';
export * from './ipRouteGet';
export * from './ipLink';
export * from './ipNeigh';
export * from './bridgeFdb';
export * from './bridgeLink';
export * from './ss';
export * from './resolvConf';
export * from './dig';
export * from './getent';
export * from './nc';
export * from './socat';
export * from './ping';
export * from './tracepath';
export * from './conntrack';
export * from './conntrackList';
export * from './sysctl';
export * from './tcpdump';
// kube-proxy dumps (owned by the kube engineer; re-exported so there is one import path)
export * from './iptablesSave';
export * from './nft';
export * from './ipvsadm';
