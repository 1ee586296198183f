/** Only http(s) references become links; anything else is shown as text. */
export function ReferenceLink({ url }: { url: string }) {
  if (/^https?:\/\//i.test(url))
    return (
      <a href={url} target="_blank" rel="noopener noreferrer" className="pal-break">
        {url}
      </a>
    );
  return <span className="pal-break">{url}</span>;
}
