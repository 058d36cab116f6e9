'use client';
// Live diagnosis for /d/<id>: join the room, take the server's snapshot (store + seq), then fold events with
// applyEvent. hop:update carries seq: anything at or below what the snapshot already holds is dropped, so a
// reconnect (which re-joins and takes a fresh snapshot) loses nothing and never goes back in time.
import { useEffect, useReducer } from 'react';
import { applyEvent, type DiagnosisEvent } from '../lib/events';
import type { Diagnosis } from '../lib/model';
import { getSocket } from './socket';

export interface LiveState {
  d: Diagnosis | null;
  seq: number;
  notFound: boolean;
  connected: boolean;
  error: string | null;
}

type Action =
  | { type: 'snapshot'; d: Diagnosis; seq: number }
  | { type: 'event'; ev: DiagnosisEvent }
  | { type: 'notFound' }
  | { type: 'connected'; value: boolean }
  | { type: 'error'; message: string };

export function reduce(s: LiveState, a: Action): LiveState {
  switch (a.type) {
    case 'snapshot': {
      const cur = s.d;
      const newer = !cur || a.seq > s.seq || (a.seq === s.seq && cur.hops.length === 0 && a.d.hops.length > 0) || (cur.verdict === 'running' && a.d.verdict !== 'running');
      return newer ? { ...s, d: a.d, seq: Math.max(a.seq, s.seq), notFound: false, error: null } : s;
    }
    case 'event': {
      const ev = a.ev;
      if (ev.type === 'diagnosis:plan') return { ...s, d: applyEvent(s.d, ev), notFound: false }; // seq only grows, a re-plan too
      if (ev.type === 'hop:update') {
        if (ev.payload.seq <= s.seq) return s;
        return { ...s, d: applyEvent(s.d, ev), seq: ev.payload.seq };
      }
      return { ...s, d: applyEvent(s.d, ev) };
    }
    case 'notFound':
      return s.d ? s : { ...s, notFound: true };
    case 'connected':
      return { ...s, connected: a.value };
    case 'error':
      return { ...s, error: a.message };
  }
}

export function useLiveDiagnosis(id: string): LiveState {
  const [state, dispatch] = useReducer(reduce, { d: null, seq: 0, notFound: false, connected: false, error: null });
  useEffect(() => {
    let alive = true;
    // the stored copy first (works even when websockets are blocked)
    fetch(`/api/diagnoses/${encodeURIComponent(id)}`)
      .then(async (r) => {
        if (!alive) return;
        if (r.status === 404) return dispatch({ type: 'notFound' });
        if (!r.ok) return dispatch({ type: 'error', message: ((await r.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${r.status}` });
        const d = (await r.json()) as Diagnosis;
        dispatch({ type: 'snapshot', d, seq: Number(r.headers.get('x-packetwalk-seq') ?? 0) });
      })
      .catch(() => undefined);

    const s = getSocket();
    const join = () => {
      dispatch({ type: 'connected', value: true });
      s.emit('diagnosis:join', id, (snap) => {
        if (!alive) return;
        if (!snap) return dispatch({ type: 'notFound' });
        dispatch({ type: 'snapshot', d: snap, seq: (snap as Diagnosis & { seq?: number }).seq ?? 0 });
      });
    };
    const onPlan = (p: Parameters<import('../lib/events').ServerToClientEvents['diagnosis:plan']>[0]) => p.id === id && dispatch({ type: 'event', ev: { type: 'diagnosis:plan', payload: p } });
    const onHop = (p: Parameters<import('../lib/events').ServerToClientEvents['hop:update']>[0]) => p.id === id && dispatch({ type: 'event', ev: { type: 'hop:update', payload: p } });
    const onDone = (p: Parameters<import('../lib/events').ServerToClientEvents['diagnosis:done']>[0]) => p.id === id && dispatch({ type: 'event', ev: { type: 'diagnosis:done', payload: p } });
    const onDisconnect = () => dispatch({ type: 'connected', value: false });
    s.on('connect', join);
    s.on('disconnect', onDisconnect);
    s.on('diagnosis:plan', onPlan);
    s.on('hop:update', onHop);
    s.on('diagnosis:done', onDone);
    if (s.connected) join();
    return () => {
      alive = false;
      s.off('connect', join);
      s.off('disconnect', onDisconnect);
      s.off('diagnosis:plan', onPlan);
      s.off('hop:update', onHop);
      s.off('diagnosis:done', onDone);
    };
  }, [id]);
  return state;
}
