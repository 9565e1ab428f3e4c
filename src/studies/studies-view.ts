/** What the study routes answer (node-free: the web app imports these types). */
export interface Study {
  readonly id: string;
  readonly protocolId: string;
  readonly title: string;
  readonly status: 'draft' | 'live' | 'closed';
  readonly isDemo: boolean;
  readonly createdAt: string;
}

export interface StudySummary {
  readonly sites: { code: string; name: string; participants: number }[];
  readonly forms: { form: string; visit: string; entered: number; missing: number }[];
  /** Null for callers who do not review alerts. */
  readonly openAlerts: number | null;
  /** Break-glass sessions past their 72-hour review without one; null for callers who do not review. */
  readonly overdueBreakGlassReviews: number | null;
}

export interface Site {
  readonly id: string;
  readonly code: string;
  readonly name: string;
}
