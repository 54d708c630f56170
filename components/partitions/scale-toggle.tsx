import type { TimelineScaleMode } from "./partition-timeline";

const CHOICES: { value: TimelineScaleMode; label: string; title: string }[] = [
  { value: "time", label: "Time", title: "Bands over their time range" },
  { value: "sequence", label: "Sequence", title: "One equal slot per partition, in order" },
];

export function ScaleToggle({
  value,
  onChange,
}: {
  value: TimelineScaleMode;
  onChange: (mode: TimelineScaleMode) => void;
}) {
  return (
    <div
      role="group"
      aria-label="Timeline scale"
      className="inline-flex overflow-hidden rounded-md border border-slate-300 bg-white text-xs"
    >
      {CHOICES.map((c) => (
        <button
          key={c.value}
          type="button"
          aria-pressed={value === c.value}
          title={c.title}
          onClick={() => onChange(c.value)}
          className={`px-2.5 py-1 not-first:border-l not-first:border-slate-300 ${
            value === c.value ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-50"
          }`}
        >
          {c.label}
        </button>
      ))}
    </div>
  );
}
