import { useEffect, useState } from 'react';

/**
 * The main navigation: inline on wide screens; behind a "Menu" button on a phone (390 px, issue #15
 * item 10), closed again when a link is followed.
 */
export function MainNav() {
  const [open, setOpen] = useState(false);
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
        <a href="#/">Studies</a> <a href="#/setup">Set-up</a> <a href="#/exports">Exports</a>{' '}
        <a href="#/ledger">Ledger</a> <a href="#/admin">Administration</a> <a href="#/security">Security</a>{' '}
        <a href="#/account">My account</a>
      </nav>
    </>
  );
}
