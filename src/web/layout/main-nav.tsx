import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Me } from '../../access/access-view.js';
import type { Action } from '../../authz/roles.js';
import { api } from '../api.js';
import { may } from '../may.js';

/** Links to pages a role could not use are not offered (issue #15 item 8); the server still decides. */
const anyOf = (me: Me | undefined, actions: readonly Action[]) => actions.some((a) => may(me, a));

/**
 * The main navigation: inline on wide screens; behind a "Menu" button on a phone (390 px, issue #15
 * item 10), closed again when a link is followed.
 */
export function MainNav() {
  const [open, setOpen] = useState(false);
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('GET', '/api/v1/auth/me'), retry: false });
  useEffect(() => {
    const close = () => setOpen(false);
    window.addEventListener('hashchange', close);
    return () => window.removeEventListener('hashchange', close);
  }, []);
  return (
    <>
      <button
        type="button"
        className="menu-button"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen(!open)}
      >
        Menu
      </button>
      <nav id="main-nav" aria-label="Main" className={open ? 'open' : undefined}>
        <a href="#/">Studies</a>{' '}
        {anyOf(me.data, ['study.create', 'study.setup']) && <a href="#/setup">Set-up</a>}{' '}
        {anyOf(me.data, ['export.run', 'export.identified', 'export.approve']) && (
          <a href="#/exports">Exports</a>
        )}{' '}
        <a href="#/ledger">Ledger</a>{' '}
        {anyOf(me.data, ['user.manage', 'grant.manage', 'token.manage']) && (
          <a href="#/admin">Administration</a>
        )}{' '}
        <a href="#/security">Security</a> <a href="#/account">My account</a>
      </nav>
    </>
  );
}
