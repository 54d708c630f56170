"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import * as Comlink from "comlink";
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { fetchJson, retryUnlessClientError } from "@/lib/api/fetch-json";
import type { BackendTiming } from "@/lib/ctr/backend";
import type { CtrPartitionDetail } from "@/lib/ctr/server/partition-details";
import type { CtrRunSummary } from "@/lib/ctr/server/runs";
import type { TransferProgress } from "@/lib/ctr/stream-client";
import { useSession } from "@/components/auth/use-session";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Skeleton } from "@/components/ui/states";
import type { CtrWorkerApi, WorkerEvent, WorkerResult } from "./ctr-worker";
import { EncoderPanel } from "./encoder-panel";
import {
  addCurvePoint,
  DEFAULT_SETTINGS,
  formatMetric,
  progressFraction,
  transferLabel,
  type CurvePoint,
  type ExplainRow,
  type ExplainUser,
  type LabSettings,
  type LabVariant,
  type ProgressEvent,
  type Variant,
} from "./lab-model";

const RUNS_KEY = ["ctr", "runs"] as const;
const COLOURS: Record<LabVariant, string> = { baseline: "#475569", liber: "#0284c7", control: "#a16207" };
const VARIANT_LABEL: Record<LabVariant, string> = {
  baseline: "Baseline",
  liber: "+LIBER",
  control: "Control (shuffled across users)",
};

type Phase = "idle" | "transfer" | "backend" | "training" | "done" | "failed";

interface RunState {
  phase: Phase;
  transfer: TransferProgress | null;
  data: Extract<WorkerEvent, { kind: "data" }> | null;
  backend: string | null;
  timings: BackendTiming[] | null;
  progress: Partial<Record<LabVariant, ProgressEvent>>;
  /** this run also trains the control */
  control: boolean;
  curve: CurvePoint[];
  result: WorkerResult | null;
  error: string | null;
  startedAt: number;
}

const IDLE: RunState = {
  phase: "idle",
  transfer: null,
  data: null,
  backend: null,
  timings: null,
  progress: {},
  control: false,
  curve: [],
  result: null,
  error: null,
  startedAt: 0,
};

/** One comlink-wrapped worker for the page's lifetime (terminated on unmount or cancel). */
function useCtrWorker() {
  const ref = useRef<{ worker: Worker; api: Comlink.Remote<CtrWorkerApi> } | null>(null);
  // Stable callbacks: effects that talk to the worker depend on them.
  const get = useCallback(() => {
    if (!ref.current) {
      const worker = new Worker(new URL("./ctr-worker.ts", import.meta.url), { type: "module" });
      ref.current = { worker, api: Comlink.wrap<CtrWorkerApi>(worker) };
    }
    return ref.current.api;
  }, []);
  const terminate = useCallback(() => {
    ref.current?.worker.terminate();
    ref.current = null;
  }, []);
  useEffect(() => terminate, [terminate]);
  return { get, terminate };
}

export function CtrLabScreen() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const worker = useCtrWorker();
  const [settings, setSettings] = useState<LabSettings>(DEFAULT_SETTINGS);
  const [run, setRun] = useState<RunState>(IDLE);
  const [savedId, setSavedId] = useState<number | null>(null);
  const running = run.phase === "transfer" || run.phase === "backend" || run.phase === "training";

  const runs = useQuery({
    queryKey: RUNS_KEY,
    queryFn: () => fetchJson<{ runs: CtrRunSummary[] }>("/api/ctr/runs?limit=20"),
    retry: retryUnlessClientError,
  });

  const save = useMutation({
    mutationFn: (r: { result: WorkerResult; settings: LabSettings; durationMs: number }) => {
      const { compact, result, provenance } = r.result;
      const meta = provenance as {
        configId?: number | null;
        promptVersionId?: number | null;
        encoder?: { id: number } | null;
        labelRule?: unknown;
        cutoffs?: unknown;
      };
      const { backbone, baseline, liber, lift, slices } = compact;
      return fetchJson<{ id: number }>("/api/ctr/runs", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          backbone,
          settings: {
            ...r.settings,
            labelRule: meta.labelRule,
            cutoffs: meta.cutoffs,
            seeds: compact.seeds,
            samples: compact.samples,
            backend: compact.backend,
          },
          configId: meta.configId ?? null,
          promptVersionId: meta.promptVersionId ?? null,
          encoderVersionId: meta.encoder?.id ?? null,
          metrics: {
            baseline,
            liber,
            lift,
            ...(compact.control
              ? {
                  control: compact.control,
                  liberMinusControl: compact.liberMinusControl,
                  controlLift: compact.controlLift,
                }
              : {}),
            slices,
            backend: compact.backend,
            seconds: compact.seconds,
            roc: result.roc,
          },
          curves: (["baseline", "liber", "control"] as const).flatMap(
            (variant) => result[variant]?.perSeed.map((s) => ({ variant, seed: s.seed, epochs: s.epochs })) ?? [],
          ),
          durationMs: r.durationMs,
        }),
      });
    },
    onSuccess: ({ id }) => {
      setSavedId(id);
      void queryClient.invalidateQueries({ queryKey: RUNS_KEY });
    },
  });

  const start = async (e: FormEvent) => {
    e.preventDefault();
    if (running) return;
    setSavedId(null);
    save.reset();
    setRun({ ...IDLE, phase: "transfer", control: settings.control, startedAt: performance.now() });
    const onEvent = (ev: WorkerEvent) => {
      setRun((r) => {
        switch (ev.kind) {
          case "transfer":
            return { ...r, transfer: ev.progress };
          case "data":
            return { ...r, data: ev, phase: "backend" };
          case "backend":
            return { ...r, backend: ev.backend, timings: ev.timings ?? r.timings, phase: "training" };
          case "progress": {
            const { kind: _kind, ...p } = ev;
            return { ...r, progress: { ...r.progress, [p.variant]: p }, curve: addCurvePoint(r.curve, p) };
          }
        }
      });
    };
    try {
      const result = await worker.get().train(settings, Comlink.proxy(onEvent));
      setRun((r) => ({
        ...r,
        phase: "done",
        result,
        progress: {
          baseline: r.progress.baseline && { ...r.progress.baseline, done: true },
          liber: r.progress.liber && { ...r.progress.liber, done: true },
          control: r.progress.control && { ...r.progress.control, done: true },
        },
      }));
      if (can("editor")) save.mutate({ result, settings, durationMs: Math.round(result.result.seconds * 1000) });
    } catch (err) {
      setRun((r) => ({ ...r, phase: "failed", error: (err as Error).message }));
    }
  };

  const cancel = () => {
    worker.terminate();
    setRun((r) => ({ ...r, phase: "failed", error: "Cancelled." }));
  };

  const set = <K extends keyof LabSettings>(key: K, value: LabSettings[K]) =>
    setSettings((s) => ({ ...s, [key]: value }));

  return (
    <>
      <PageHeader
        title="CTR Lab"
        description="Train a CTR backbone without and with LIBER's fuse layer over the partition vectors, on identical time-split samples, in your browser (a Web Worker)."
      />
      <Section id="ctr-settings" title="Settings">
        <form onSubmit={start} className="grid grid-cols-2 gap-3 text-sm md:grid-cols-4" aria-label="Training settings">
          <Field label="Backbone">
            <select
              value={settings.backbone}
              onChange={(e) => set("backbone", e.target.value as LabSettings["backbone"])}
              className={INPUT}
            >
              <option value="deepfm">DeepFM</option>
              <option value="din">DIN</option>
            </select>
          </Field>
          <Field label="Label rule" hint='e.g. "rate>=4" or "rate>=4,click"'>
            <input
              value={settings.label}
              onChange={(e) => set("label", e.target.value)}
              className={INPUT}
              maxLength={200}
              required
            />
          </Field>
          <Field label="From (optional)">
            <input type="date" value={settings.from} onChange={(e) => set("from", e.target.value)} className={INPUT} />
          </Field>
          <Field label="To (optional)">
            <input type="date" value={settings.to} onChange={(e) => set("to", e.target.value)} className={INPUT} />
          </Field>
          <NumberField
            label="Sample cap per split"
            hint="0 = all; evenly over time"
            min={0}
            max={1_000_000}
            step={100}
            value={settings.sampleCap}
            onChange={(v) => set("sampleCap", v)}
          />
          <NumberField label="Epochs" min={1} max={20} value={settings.epochs} onChange={(v) => set("epochs", v)} />
          <NumberField label="Seed" min={1} max={1_000_000} value={settings.seed} onChange={(v) => set("seed", v)} />
          <Field label="Backend">
            <select
              value={settings.backend}
              onChange={(e) => set("backend", e.target.value as LabSettings["backend"])}
              className={INPUT}
            >
              <option value="auto">auto (fastest measured)</option>
              <option value="webgl">webgl</option>
              <option value="wasm">wasm</option>
              <option value="cpu">cpu</option>
            </select>
          </Field>
          <NumberField
            label="History length L"
            min={1}
            max={200}
            value={settings.history}
            onChange={(v) => set("history", v)}
          />
          <NumberField
            label="Partitions P"
            min={1}
            max={256}
            value={settings.partitions}
            onChange={(v) => set("partitions", v)}
          />
          <EncoderPanel settings={settings} canFit={can("editor")} running={running} />
          <CheckboxField
            label="Allow an encoder fitted after the validation cutoff"
            hint="Only when no encoder was fitted before it (prefer fitting one above): its IDF then saw the test period (a leak, flagged in the results)."
            checked={settings.allowLateEncoder}
            onChange={(v) => set("allowLateEncoder", v)}
          />
          <CheckboxField
            label="Also train a control (shuffled across users)"
            hint={
              "The +LIBER architecture on the same samples with every user's partition vectors taken from another user (same slots and ages): \"LIBER − control\" is what the user's own summaries add."
            }
            checked={settings.control}
            onChange={(v) => set("control", v)}
          />
          <div className="col-span-2 flex items-end gap-2">
            <button
              type="submit"
              disabled={running}
              className="rounded-md bg-sky-700 px-4 py-2 font-medium text-white hover:bg-sky-800 disabled:opacity-50"
            >
              {running ? "Training…" : settings.control ? "Train all three" : "Train both"}
            </button>
            {running && (
              <button
                type="button"
                onClick={cancel}
                className="rounded-md border border-slate-300 px-4 py-2 hover:bg-slate-50"
              >
                Cancel
              </button>
            )}
          </div>
        </form>
      </Section>

      {run.phase !== "idle" && (
        <Section id="ctr-progress" title="Training">
          <div className="space-y-4 text-sm">
            <Bar
              label={`Samples transfer${run.transfer ? `: ${transferLabel(run.transfer.received, run.transfer.total)}` : ""}`}
              fraction={run.transfer?.total ? run.transfer.received / run.transfer.total : run.data ? 1 : 0}
            />
            {run.data && (
              <p className="text-slate-600">
                Samples train / valid / test: {run.data.samples.train} / {run.data.samples.valid} /{" "}
                {run.data.samples.test}
                {run.data.samples.train < run.data.totalSamples.train &&
                  ` (capped from ${run.data.totalSamples.train} / ${run.data.totalSamples.valid} / ${run.data.totalSamples.test})`}
                ; {run.data.partitions} partition vectors of {run.data.dim} dimensions.
              </p>
            )}
            <p data-testid="ctr-backend">
              Backend: <strong>{run.backend ?? (run.phase === "backend" ? "measuring…" : "—")}</strong>
              {run.timings && (
                <span className="text-slate-600">
                  {" "}
                  (measured:{" "}
                  {run.timings
                    .map(
                      (t) =>
                        `${t.backend} ${t.samplesPerSecond > 0 ? `${Math.round(t.samplesPerSecond)} samples/s` : "unavailable"}`,
                    )
                    .join(", ")}
                  )
                </span>
              )}
            </p>
            <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
              {(run.control ? (["baseline", "liber", "control"] as const) : (["baseline", "liber"] as const)).map(
                (v) => {
                  const p = run.progress[v];
                  return (
                    <div key={v}>
                      <Bar
                        label={`${VARIANT_LABEL[v]}${p ? `: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}${p.validAuc !== undefined ? `, valid AUC ${p.validAuc.toFixed(4)}` : ""}, ${Math.round(p.samplesPerSecond)} samples/s` : ": waiting"}`}
                        fraction={progressFraction(p)}
                        colour={COLOURS[v]}
                      />
                    </div>
                  );
                },
              )}
            </div>
            {run.curve.length > 1 && (
              <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
                <Curve data={run.curve} title="Training loss" keys={["baselineLoss", "liberLoss"]} />
                <Curve data={run.curve} title="Validation AUC" keys={["baselineAuc", "liberAuc"]} />
              </div>
            )}
            {run.error && <ErrorState error={new Error(run.error)} title="Training failed" />}
          </div>
        </Section>
      )}

      {run.result && (
        <Results
          result={run.result}
          savedId={savedId}
          saveError={save.error}
          canSave={can("editor")}
          api={worker.get}
        />
      )}
      {run.result && <ExplainSection api={worker.get} runKey={run.startedAt} provenance={run.result.provenance} />}

      <Section
        id="ctr-runs"
        title="Saved runs"
        description="Runs trained here (browser) and by `liber ctr-eval` (cli), newest first."
      >
        {runs.isPending ? (
          <Skeleton className="h-24" />
        ) : runs.isError ? (
          <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
        ) : runs.data.runs.length === 0 ? (
          <EmptyState title="No saved runs yet" />
        ) : (
          <table className="w-full text-left text-sm" aria-label="Saved runs">
            <thead className="text-slate-600">
              <tr>
                <th className="py-1">Run</th>
                <th>When</th>
                <th>Source</th>
                <th>Backbone</th>
                <th>Baseline AUC</th>
                <th>+LIBER AUC</th>
                <th>Lift</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.runs.map((r) => (
                <tr key={r.id} className="border-t border-slate-100">
                  <td className="py-1">#{r.id}</td>
                  <td>{formatDateTime(r.createdAt)}</td>
                  <td>{r.source}</td>
                  <td>{r.backbone}</td>
                  <td>{formatMetric(r.auc?.baseline)}</td>
                  <td>{formatMetric(r.auc?.liber)}</td>
                  <td>{formatMetric(r.auc?.lift, true)}</td>
                  <td>{r.createdBy ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

const INPUT = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5";

function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="block">
      <span className="text-slate-700">{label}</span>
      {children}
      {hint && <span className="mt-0.5 block text-xs text-slate-500">{hint}</span>}
    </label>
  );
}

function CheckboxField({
  label,
  hint,
  checked,
  onChange,
}: {
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="col-span-2 flex items-start gap-2 self-end">
      <input type="checkbox" className="mt-1" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span className="text-slate-700">
        {label}
        <span className="block text-xs text-slate-500">{hint}</span>
      </span>
    </label>
  );
}

function NumberField({
  label,
  hint,
  min,
  max,
  step,
  value,
  onChange,
}: {
  label: string;
  hint?: string;
  min: number;
  max: number;
  step?: number;
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <Field label={label} hint={hint}>
      <input
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        className={INPUT}
      />
    </Field>
  );
}

function Bar({ label, fraction, colour = "#0284c7" }: { label: string; fraction: number; colour?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  return (
    <div>
      <div className="mb-1 text-slate-700">{label}</div>
      <div
        role="progressbar"
        aria-label={label.split(":")[0]}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-2 w-full rounded bg-slate-100"
      >
        <div className="h-2 rounded" style={{ width: `${pct}%`, background: colour }} />
      </div>
    </div>
  );
}

function Curve({
  data,
  title,
  keys,
}: {
  data: CurvePoint[];
  title: string;
  keys: [keyof CurvePoint, keyof CurvePoint];
}) {
  return (
    <figure>
      <figcaption className="mb-1 text-slate-700">{title}</figcaption>
      <div className="h-48">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="#e2e8f0" />
            <XAxis
              dataKey="x"
              type="number"
              domain={["dataMin", "dataMax"]}
              tickFormatter={(x: number) => x.toFixed(1)}
              fontSize={11}
            />
            <YAxis domain={["auto", "auto"]} fontSize={11} width={48} tickFormatter={(y: number) => y.toFixed(3)} />
            <Tooltip
              formatter={(v) => (typeof v === "number" ? v.toFixed(4) : String(v))}
              labelFormatter={(x) => `epoch ${Number(x).toFixed(2)}`}
            />
            <Legend />
            {keys.map((k, i) => (
              <Line
                key={k}
                dataKey={k}
                name={i === 0 ? "Baseline" : "+LIBER"}
                stroke={i === 0 ? COLOURS.baseline : COLOURS.liber}
                dot={false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function Results({
  result,
  savedId,
  saveError,
  canSave,
  api,
}: {
  result: WorkerResult;
  savedId: number | null;
  saveError: Error | null;
  canSave: boolean;
  api: () => Comlink.Remote<CtrWorkerApi>;
}) {
  const { compact, result: full } = result;
  const rows: {
    name: string;
    testId: string;
    m: { auc: number | null; logloss: number | null; gauc: number | null };
    signed?: boolean;
  }[] = [
    { name: "Baseline", testId: "metrics-baseline", m: compact.baseline },
    { name: "+LIBER", testId: "metrics-liber", m: compact.liber },
    {
      name: "Lift (+LIBER − baseline)",
      testId: "metrics-lift",
      m: { auc: compact.lift.auc.mean, logloss: compact.lift.logloss.mean, gauc: compact.lift.gauc.mean },
      signed: true,
    },
  ];
  if (compact.control && compact.liberMinusControl)
    rows.push(
      { name: VARIANT_LABEL.control, testId: "metrics-control", m: compact.control },
      {
        name: "LIBER − control",
        testId: "metrics-liber-minus-control",
        m: {
          auc: compact.liberMinusControl.auc.mean,
          logloss: compact.liberMinusControl.logloss.mean,
          gauc: compact.liberMinusControl.gauc.mean,
        },
        signed: true,
      },
    );
  // Each variant's ROC has its own FPR points: one data array per line on a numeric x axis.
  const roc = full.roc;
  return (
    <Section
      id="ctr-results"
      title="Test metrics"
      description={`${compact.backbone === "din" ? "DIN" : "DeepFM"}, seed ${compact.seeds.join(", ")}, ${compact.samples.test} test samples, backend ${compact.backend}, ${compact.seconds.toFixed(1)} s. One seed: no interval over seeds (use liber ctr-eval --seeds 3).`}
    >
      <EncoderNote provenance={result.provenance} />
      <table className="mb-4 w-full text-left text-sm" aria-label="Test metrics">
        <thead className="text-slate-600">
          <tr>
            <th className="py-1">Variant</th>
            <th>AUC</th>
            <th>LogLoss</th>
            <th>gAUC</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-testid={r.testId} className="border-t border-slate-100">
              <td className="py-1 font-medium">{r.name}</td>
              <td>{formatMetric(r.m.auc, r.signed)}</td>
              <td>{formatMetric(r.m.logloss, r.signed)}</td>
              <td>{formatMetric(r.m.gauc, r.signed)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="mb-1 text-sm font-medium text-slate-800">By history length before the sample</h3>
      <table className="mb-4 w-full text-left text-sm" aria-label="Slices">
        <thead className="text-slate-600">
          <tr>
            <th className="py-1">Events before</th>
            <th>Samples</th>
            <th>Clicks</th>
            <th>Baseline AUC</th>
            <th>+LIBER AUC</th>
            <th>Lift</th>
          </tr>
        </thead>
        <tbody>
          {compact.slices.map((s) => (
            <tr key={s.name} className="border-t border-slate-100">
              <td className="py-1">{s.name}</td>
              <td>{s.samples}</td>
              <td>{s.positives}</td>
              <td>{formatMetric(s.baseline.auc)}</td>
              <td>{formatMetric(s.liber.auc)}</td>
              <td>{formatMetric(s.lift.mean, true)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {roc && (
        <figure className="mb-4 max-w-md">
          <figcaption className="mb-1 text-sm text-slate-700">ROC (test)</figcaption>
          <div className="h-64">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart margin={{ top: 4, right: 8, bottom: 4, left: 0 }}>
                <CartesianGrid stroke="#e2e8f0" />
                <XAxis
                  dataKey="fpr"
                  type="number"
                  domain={[0, 1]}
                  fontSize={11}
                  tickFormatter={(x: number) => x.toFixed(1)}
                />
                <YAxis
                  type="number"
                  domain={[0, 1]}
                  fontSize={11}
                  width={36}
                  tickFormatter={(y: number) => y.toFixed(1)}
                />
                <Tooltip
                  formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))}
                  labelFormatter={(x) => `FPR ${Number(x).toFixed(3)}`}
                />
                <Legend />
                <Line
                  data={roc.baseline}
                  dataKey="tpr"
                  name="Baseline"
                  stroke={COLOURS.baseline}
                  dot={false}
                  isAnimationActive={false}
                />
                <Line
                  data={roc.liber}
                  dataKey="tpr"
                  name="+LIBER"
                  stroke={COLOURS.liber}
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
      )}
      <ModelDownloads api={api} />
      <p className="text-sm text-slate-600" data-testid="ctr-save-status">
        {!canSave
          ? "Viewers cannot save runs (editor role)."
          : saveError
            ? `Could not save the run: ${saveError.message}`
            : savedId
              ? `Saved as run #${savedId}.`
              : "Saving the run…"}
      </p>
    </Section>
  );
}

/** For one test user: both variants' predictions side by side and +LIBER's attention over the user's partitions. */
function ExplainSection({
  api,
  runKey,
  provenance,
}: {
  api: () => Comlink.Remote<CtrWorkerApi>;
  runKey: number;
  provenance: Record<string, unknown>;
}) {
  const [users, setUsers] = useState<ExplainUser[]>([]);
  const [userKey, setUserKey] = useState<number | null>(null);
  const [rows, setRows] = useState<ExplainRow[]>([]);
  const [selected, setSelected] = useState(0);

  useEffect(() => {
    let live = true;
    void api()
      .explainUsers()
      .then((u) => {
        if (!live) return;
        setUsers(u);
        setUserKey(u[0]?.userKey ?? null);
      });
    return () => {
      live = false;
    };
  }, [api, runKey]);

  useEffect(() => {
    if (userKey === null) return;
    let live = true;
    void api()
      .explainUser(userKey)
      .then((r) => {
        if (!live) return;
        setRows(r);
        // the first sample that has partitions, so the attention shows something
        setSelected(
          Math.max(
            0,
            r.findIndex((x) => x.partitions.length > 0),
          ),
        );
      });
    return () => {
      live = false;
    };
  }, [api, userKey]);

  const row = rows[selected];
  const meta = provenance as { promptVersionId?: number | null; encoder?: { id: number } | null };
  const details = usePartitionDetails(
    row?.partitions.map((p) => p.partitionId) ?? [],
    meta.encoder?.id ?? null,
    meta.promptVersionId ?? null,
  );
  if (users.length === 0) return null;
  const maxWeight = Math.max(1e-9, ...(row?.partitions.map((p) => p.weight ?? 0) ?? [0]));
  return (
    <Section
      id="ctr-explain"
      title="Predictions for one user"
      description="Test samples of one user (time order): both variants' click probability, and which of the user's partitions +LIBER attended to."
    >
      <label className="mb-3 block text-sm">
        <span className="text-slate-700">User (database id)</span>
        <select
          value={userKey ?? ""}
          onChange={(e) => setUserKey(Number(e.target.value))}
          className={`${INPUT} max-w-xs`}
        >
          {users.map((u) => (
            <option key={u.userKey} value={u.userKey}>
              user #{u.userKey}: {u.samples} test samples, {u.clicks} clicks
            </option>
          ))}
        </select>
      </label>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <div className="max-h-96 overflow-auto">
          <table className="w-full text-left text-sm" aria-label="User predictions">
            <thead className="sticky top-0 bg-white text-slate-600">
              <tr>
                <th className="py-1">When</th>
                <th>Item</th>
                <th>Click</th>
                <th>Baseline p</th>
                <th>+LIBER p</th>
                <th>Partitions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr
                  key={i}
                  onClick={() => setSelected(i)}
                  aria-selected={i === selected}
                  className={`cursor-pointer border-t border-slate-100 ${i === selected ? "bg-sky-50" : "hover:bg-slate-50"}`}
                >
                  <td className="py-1">{formatDateTime(new Date(r.ts).toISOString())}</td>
                  <td>#{r.item}</td>
                  <td>{r.label > 0.5 ? "yes" : "no"}</td>
                  <td>{r.baseline.toFixed(3)}</td>
                  <td>{r.liber.toFixed(3)}</td>
                  <td>{r.partitions.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="text-sm" data-testid="ctr-attention">
          {!row ? null : row.partitions.length === 0 ? (
            <EmptyState title="No partition sealed before this sample">
              +LIBER saw a zero vector here: both variants differ only by training.
            </EmptyState>
          ) : (
            <>
              <p className="mb-2 text-slate-700">
                {details.data && details.data.size > 0 && <>User {[...details.data.values()][0]!.userExternalId}: </>}
                Attention of +LIBER over the {row.partitions.length} partitions sealed before this sample (
                {row.eventsBefore} events before it):
              </p>
              <ul className="space-y-1">
                {row.partitions.map((p) => (
                  <PartitionWeight
                    key={p.partitionId}
                    partition={p}
                    maxWeight={maxWeight}
                    detail={details.data?.get(p.partitionId)}
                    loading={details.isPending}
                    error={details.error as Error | null}
                  />
                ))}
              </ul>
            </>
          )}
        </div>
      </div>
    </Section>
  );
}

/** Downloads the last run's trained models in tfjs format (model.json + weights.bin each). */
function ModelDownloads({ api }: { api: () => Comlink.Remote<CtrWorkerApi> }) {
  const [error, setError] = useState<string | null>(null);
  const download = async (variant: Variant) => {
    setError(null);
    try {
      const files = await api().modelFiles(variant);
      if (!files) throw new Error("no trained model in this page's worker (train again)");
      // what tf.io.browserDownloads does: one anchor click per file
      for (const [name, part, type] of [
        [files.jsonName, files.json, "application/json"],
        [files.weightsName, files.weights, "application/octet-stream"],
      ] as const) {
        const url = URL.createObjectURL(new Blob([part], { type }));
        const a = document.createElement("a");
        a.href = url;
        a.download = name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      }
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className="mb-3 flex flex-wrap items-center gap-2 text-sm">
      <span className="text-slate-700">Download the trained model (TensorFlow.js: model.json + weights.bin):</span>
      {(["baseline", "liber"] as const).map((v) => (
        <button
          key={v}
          type="button"
          onClick={() => void download(v)}
          className="rounded-md border border-slate-300 px-2 py-1 hover:bg-slate-50"
        >
          Download {VARIANT_LABEL[v]} model
        </button>
      ))}
      {error && <span className="text-red-700">{error}</span>}
    </div>
  );
}

/** The attended partitions' summaries (GET /api/ctr/partitions), by partition id. */
function usePartitionDetails(ids: number[], encoder: number | null, prompt: number | null) {
  const sorted = [...ids].sort((a, b) => a - b);
  return useQuery({
    queryKey: ["ctr", "partitions", sorted.join(","), encoder, prompt],
    enabled: sorted.length > 0,
    retry: retryUnlessClientError,
    staleTime: Infinity,
    queryFn: async () => {
      const q = new URLSearchParams({ ids: sorted.slice(0, 256).join(",") });
      if (encoder) q.set("encoder", String(encoder));
      if (prompt) q.set("prompt", String(prompt));
      const { partitions } = await fetchJson<{ partitions: CtrPartitionDetail[] }>(`/api/ctr/partitions?${q}`);
      return new Map(partitions.map((p) => [p.partitionId, p]));
    },
  });
}

/** One partition's attention bar; hover (or focus) shows its summary, who wrote it and when it was sealed. */
function PartitionWeight({
  partition: p,
  maxWeight,
  detail,
  loading,
  error,
}: {
  partition: ExplainRow["partitions"][number];
  maxWeight: number;
  detail: CtrPartitionDetail | undefined;
  loading: boolean;
  error: Error | null;
}) {
  const [open, setOpen] = useState(false);
  const tipId = `ctr-partition-tip-${p.partitionId}`;
  return (
    <li
      className="relative rounded outline-none focus-visible:ring-2 focus-visible:ring-sky-500"
      tabIndex={0}
      aria-describedby={open ? tipId : undefined}
      data-testid="ctr-partition"
      data-partition-id={p.partitionId}
      onMouseEnter={() => setOpen(true)}
      onMouseLeave={() => setOpen(false)}
      onFocus={() => setOpen(true)}
      onBlur={() => setOpen(false)}
    >
      <div className="flex justify-between text-xs text-slate-600">
        <span>
          {detail ? `partition #${detail.seq}` : `partition ${p.partitionId}`} · {p.ageDays.toFixed(0)} days old
        </span>
        <span>{p.weight === null ? "—" : p.weight.toFixed(3)}</span>
      </div>
      <div className="h-2 rounded bg-slate-100">
        <div
          className="h-2 rounded bg-sky-600"
          style={{ width: `${Math.round(((p.weight ?? 0) / maxWeight) * 100)}%` }}
        />
      </div>
      {open && (
        <div
          id={tipId}
          role="tooltip"
          className="absolute left-0 top-full z-20 mt-1 w-full max-w-md rounded-md border border-slate-200 bg-white p-2 text-xs text-slate-800 shadow-lg"
        >
          {error ? (
            <span className="text-red-700">Could not load the summary: {error.message}</span>
          ) : loading ? (
            <span>Loading the summary…</span>
          ) : !detail ? (
            <span>Partition {p.partitionId} not found.</span>
          ) : (
            <>
              <p className="mb-1 whitespace-pre-wrap">{detail.summary ?? "No summary for this partition."}</p>
              {detail.shift && <p className="mb-1 text-slate-600">Shift: {detail.shift}</p>}
              <p className="text-slate-500">
                {detail.provider ? `${detail.provider} · ${detail.model}` : "no summariser"} · sealed{" "}
                {formatDateTime(detail.sealedAt)} · {detail.events} events {formatDate(detail.startTs)} –{" "}
                {formatDate(detail.endTs)}
                {detail.summarySource === "latest" && " · newest summary (not the one encoded for this run)"}
              </p>
            </>
          )}
        </div>
      )}
    </li>
  );
}

/** Which UIF encoder's partition vectors +LIBER read, and whether it was fitted leak-free. */
function EncoderNote({ provenance }: { provenance: Record<string, unknown> }) {
  const meta = provenance as {
    encoder?: { id: number; version: string; fittedUntil: string | null } | null;
    encoderFittedAfterCutoff?: boolean;
  };
  const e = meta.encoder;
  return (
    <p
      className={`mb-3 text-sm ${!e || meta.encoderFittedAfterCutoff ? "text-amber-800" : "text-slate-600"}`}
      data-testid="ctr-encoder"
    >
      {!e
        ? "No UIF encoder fitted before the validation cutoff has vectors: +LIBER saw no partition vectors (an editor can fit one as of the cutoff in the settings, or allow a later one)."
        : `Partition vectors of encoder #${e.id} (${e.version.slice(0, 12)}), fitted until ${formatDateTime(e.fittedUntil)}` +
          (meta.encoderFittedAfterCutoff
            ? ": fitted after the validation cutoff, so its IDF saw the evaluation period (leak)."
            : ".")}
    </p>
  );
}
