/**
 * A server time (UTC, ISO 8601) in the viewer's own zone, with UTC on hover (issue #15 item 8): the
 * audited time stays the server's (21 CFR 11.10(e)); only its display is local.
 */
export function When({ at }: { at: string }) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <span>{at}</span>;
  return (
    <time dateTime={at} title={`${at.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`}>
      {date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}
