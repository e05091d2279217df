import { fingerprintGroups } from '../format';

/** A SHA256 fingerprint in groups of four, read out whole by screen readers. */
export function Fingerprint({ value }: { value: string }) {
  return (
    <code className="lockstep-fingerprint" title={value}>
      <span>SHA256:</span>
      {fingerprintGroups(value).map((group, index) => (
        <span key={index}>{group}</span>
      ))}
    </code>
  );
}
