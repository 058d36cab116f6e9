// The dataplane family of a running lab (DESIGN §3.1): one module per family, chosen by cluster.cni.
import { cniOf } from '../../families';
import type { LabState } from '../../types';
import { calico } from './calico';
import { cilium } from './cilium';
import { flannel } from './flannel';
import { kindnet } from './kindnet';
import type { Family } from './types';
import { vpc } from './vpc';

export type { Family, FamilyTunnel } from './types';

const FAMILIES = { flannel, calico, cilium, kindnet, vpc };

/** The family module that builds (and knows the fault mechanisms of) this lab. */
export const familyOf = (st: Pick<LabState, 'cluster'>): Family => FAMILIES[cniOf(st.cluster)];
