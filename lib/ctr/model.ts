/**
 * CTR models in TensorFlow.js core ops (one code base for the browser and Node), each
 * backbone in two variants that differ only by the LIBER branch:
 *
 * - DIN-style: item = [item embedding, mean of its category embeddings]; target attention
 *   over the last L items with the DIN activation unit ([t, h, t-h, t*h] -> MLP -> score,
 *   masked softmax), then MLP 200-80 over [user, target, pooled history (, LIBER)].
 * - DeepFM: fields user, item, categories (mean), history (mean of item embeddings)
 *   (, LIBER); first-order weights + FM pairwise term + deep MLP 200-80 over the fields.
 *
 * +LIBER (the UIF fuse layer, after KAR's knowledge adaptor and LIBER's target-aware fusion):
 * each partition vector (encoder dim D) passes a mixture-of-experts adaptor to d = 32, plus
 * a learned age term (log of days since the partition was sealed); the target item,
 * projected to d, is the query of a scaled dot-product attention over the adapted vectors
 * (masked: a sample may have fewer than P partitions, or none); the pooled d-vector and
 * its product with the query join the backbone's input (DIN: the MLP input; DeepFM: an extra field, projected to E, so it
 * takes part in the FM crosses as well).
 *
 * Parameters are plain tf.Variables created eagerly with seeded initialisers; the seed of
 * each parameter is derived from (run seed, parameter name), so both variants of one seed
 * start from identical shared weights. Every forward pass runs inside the caller's tf.tidy.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "./random";
import type { CtrShape, CtrVocabSizes } from "./schema";

export type Backbone = "din" | "deepfm";

export interface ModelConfig {
  backbone: Backbone;
  liber: boolean;
  embedDim: number;
  mlp: number[];
  attentionMlp: number[];
  liberDim: number;
  adaptorHidden: number;
  experts: number;
  /** dropout rate on the LIBER branch's output while training (0: none) */
  liberDropout: number;
  /**
   * give the backbone the user's activity, log(1 + events before the sample), in both variants
   * (DIN: one more MLP input; DeepFM: one more field): the information LIBER's partition slots
   * carry without any summary content (see the `blank` control)
   */
  activityFeature?: boolean;
}

export const DEFAULT_MODEL_CONFIG: Omit<ModelConfig, "backbone" | "liber"> = {
  embedDim: 16,
  mlp: [200, 80],
  attentionMlp: [80, 40],
  liberDim: 32,
  adaptorHidden: 64,
  experts: 2,
  liberDropout: 0,
};

/** Training-time options of a forward pass (dropout); predictions pass none. */
export interface ForwardOptions {
  training?: boolean;
  /** seed of this step's dropout mask (vary it per step) */
  dropoutSeed?: number;
}

/** The tensors of one batch (int32 ids, float32 ages). */
export interface BatchInputs {
  user: tf.Tensor1D;
  item: tf.Tensor1D;
  itemCats: tf.Tensor2D; // [B, C]
  histItems: tf.Tensor2D; // [B, L]
  histCats: tf.Tensor3D; // [B, L, C]
  partRows: tf.Tensor2D; // [B, P]
  partAgeDays: tf.Tensor2D; // [B, P]
  /** the distinct partition-table rows of the batch [U] (row 0 included) */
  partUnique: tf.Tensor1D;
  /** partRows re-indexed into partUnique [B, P] */
  partLocal: tf.Tensor2D;
  /** [B] events of the user before the sample (the activity feature) */
  eventsBefore?: tf.Tensor1D;
}

/**
 * Distinct partition rows of a batch and the batch's rows re-indexed into them: the adaptor
 * then runs once per distinct partition instead of once per (sample, slot) — samples of one
 * user share most of their partitions.
 */
export function uniquePartitionRows(partRows: Int32Array): { unique: Int32Array; local: Int32Array } {
  const index = new Map<number, number>([[0, 0]]);
  const local = new Int32Array(partRows.length);
  for (let i = 0; i < partRows.length; i++) {
    const row = partRows[i]!;
    let at = index.get(row);
    if (at === undefined) index.set(row, (at = index.size));
    local[i] = at;
  }
  return { unique: Int32Array.from(index.keys()), local };
}

export interface ForwardOutput {
  logits: tf.Tensor1D;
  /** [B, P] attention over the sample's partitions (LIBER variant only) */
  partitionWeights?: tf.Tensor2D;
  /** [B, L] attention over the short-term history (DIN only) */
  historyWeights?: tf.Tensor2D;
}

type Init = "glorot" | "zeros" | "embedding";

/** tfjs variable names must be unique in the engine; several models may live at once. */
let variableCounter = 0;

export class CtrModel {
  readonly config: ModelConfig;
  readonly shape: CtrShape;
  readonly partitionDim: number;
  private readonly params = new Map<string, tf.Variable>();
  private readonly seed: number;

  constructor(config: ModelConfig, vocab: CtrVocabSizes, shape: CtrShape, partitionDim: number, seed: number) {
    this.config = config;
    this.shape = shape;
    this.partitionDim = partitionDim;
    this.seed = seed;
    const E = config.embedDim;
    this.param("emb.user", [vocab.users, E], "embedding");
    this.param("emb.item", [vocab.items, E], "embedding");
    this.param("emb.category", [vocab.categories, E], "embedding");
    const itemWidth = 2 * E; // [item embedding, category mean]: the attention query of both backbones
    if (config.backbone === "din") {
      this.mlpParams("din.attention", 8 * E, config.attentionMlp, 1);
      const input =
        E + itemWidth + itemWidth + (config.liber ? 2 * config.liberDim : 0) + (config.activityFeature ? 1 : 0);
      this.mlpParams("din.mlp", input, config.mlp, 1);
    } else {
      this.param("fm.w.user", [vocab.users, 1], "zeros");
      this.param("fm.w.item", [vocab.items, 1], "zeros");
      this.param("fm.w.category", [vocab.categories, 1], "zeros");
      this.param("fm.bias", [1], "zeros");
      const fields = 4 + (config.liber ? 1 : 0) + (config.activityFeature ? 1 : 0);
      if (config.activityFeature) {
        this.param("activity.w", [1, E], "glorot");
        this.param("activity.b", [E], "zeros");
      }
      this.mlpParams("deepfm.mlp", fields * E, config.mlp, 1);
      if (config.liber) {
        this.param("liber.to_field.w", [2 * config.liberDim, E], "glorot");
        this.param("liber.to_field.b", [E], "zeros");
      }
    }
    if (config.liber) {
      const D = partitionDim;
      const d = config.liberDim;
      this.param("liber.gate.w", [D, config.experts], "glorot");
      this.param("liber.gate.b", [config.experts], "zeros");
      for (let k = 0; k < config.experts; k++) {
        this.mlpParams(`liber.expert${k}`, D, [config.adaptorHidden], d);
      }
      this.param("liber.age.w", [1, d], "glorot");
      this.param("liber.query.w", [itemWidth, d], "glorot");
      this.param("liber.query.b", [d], "zeros");
    }
  }

  get variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** the weight matrices of the LIBER branch (for an L2 penalty) */
  get liberWeights(): tf.Variable[] {
    return [...this.params.entries()].filter(([n]) => n.startsWith("liber.") && n.endsWith(".w")).map(([, v]) => v);
  }

  get parameterCount(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  private param(name: string, shape: number[], init: Init): tf.Variable {
    const seed = deriveSeed(this.seed, name);
    const value = tf.tidy(() => {
      if (init === "zeros") return tf.zeros(shape);
      if (init === "embedding") return tf.randomNormal(shape, 0, 0.05, "float32", seed);
      return tf.initializers.glorotUniform({ seed }).apply(shape, "float32");
    });
    const variable = tf.variable(value, true, `ctr/${++variableCounter}/${name}`);
    value.dispose();
    this.params.set(name, variable);
    return variable;
  }

  private mlpParams(prefix: string, input: number, hidden: number[], output: number): void {
    let width = input;
    [...hidden, output].forEach((units, i) => {
      this.param(`${prefix}.${i}.w`, [width, units], "glorot");
      this.param(`${prefix}.${i}.b`, [units], "zeros");
      width = units;
    });
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  /** Dense layers with ReLU between them and a linear last layer. */
  private mlp(prefix: string, x: tf.Tensor2D, layers: number): tf.Tensor2D {
    let h = x;
    for (let i = 0; i < layers; i++) {
      h = tf.add(matMul(h, this.p(`${prefix}.${i}.w`)), this.p(`${prefix}.${i}.b`));
      if (i < layers - 1) h = tf.relu(h);
    }
    return h;
  }

  /** Mean of category embeddings over non-padding ids: cats [N, C] -> [N, E]. */
  private categoryMean(cats: tf.Tensor2D, table = "emb.category"): tf.Tensor2D {
    const [N, C] = cats.shape;
    const width = this.p(table).shape[1]!;
    const emb = tf.reshape(embeddingLookup(this.p(table), tf.reshape(cats, [-1])), [N, C, width]);
    const mask = tf.expandDims(tf.cast(tf.notEqual(cats, 0), "float32"), 2);
    const sum = tf.sum(tf.mul(emb, mask), 1);
    const count = tf.maximum(tf.sum(mask, 1), 1);
    return tf.div(sum, count) as tf.Tensor2D;
  }

  /** [item embedding, mean category embedding]: ids [N], cats [N, C] -> [N, 2E]. */
  private itemRepresentation(ids: tf.Tensor1D, cats: tf.Tensor2D): tf.Tensor2D {
    return tf.concat([embeddingLookup(this.p("emb.item"), ids), this.categoryMean(cats)], 1) as tf.Tensor2D;
  }

  /** LIBER fuse layer: adaptor (MoE) + target-aware attention -> [B, d] and weights [B, P]. */
  private liberFuse(inputs: BatchInputs, partitionTable: tf.Tensor2D, target: tf.Tensor2D, options: ForwardOptions) {
    const { liberDim: d, experts } = this.config;
    const [B, P] = inputs.partRows.shape;
    // adapt each distinct partition once, then spread the adapted vectors over the slots
    const vectors = tf.gather(partitionTable, inputs.partUnique) as tf.Tensor2D; // [U, D]
    const gate = tf.softmax(tf.add(matMul(vectors, this.p("liber.gate.w")), this.p("liber.gate.b"))); // [U, K]
    let adapted: tf.Tensor2D | null = null;
    for (let k = 0; k < experts; k++) {
      const out = tf.mul(this.mlp(`liber.expert${k}`, vectors, 2), tf.slice(gate, [0, k], [-1, 1])) as tf.Tensor2D;
      adapted = adapted ? (tf.add(adapted, out) as tf.Tensor2D) : out;
    }
    const slots = embeddingLookup(adapted!, inputs.partLocal); // [B*P, d]
    const age = tf.log1p(tf.maximum(tf.reshape(inputs.partAgeDays, [-1, 1]), 0));
    const keys = tf.reshape(tf.add(slots, matMul(age, this.p("liber.age.w"))), [B, P, d]);
    const query = tf.add(matMul(target, this.p("liber.query.w")), this.p("liber.query.b")); // [B, d]
    const scores = tf.div(tf.sum(tf.mul(keys, tf.expandDims(query, 1)), 2), Math.sqrt(d)) as tf.Tensor2D;
    const weights = maskedSoftmax(scores, tf.notEqual(inputs.partRows, 0));
    const pooled = tf.sum(tf.mul(keys, tf.expandDims(weights, 2)), 1) as tf.Tensor2D;
    // [pooled, pooled * query]: the explicit product lets the backbone read "does this life
    // period match this item" without having to learn a multiplication in its MLP.
    let out = tf.concat([pooled, tf.mul(pooled, query)], 1) as tf.Tensor2D;
    const rate = this.config.liberDropout ?? 0;
    if (options.training && rate > 0) out = tf.dropout(out, rate, undefined, options.dropoutSeed) as tf.Tensor2D;
    return { pooled: out, weights };
  }

  /** log(1 + events before the sample) / 10: [B, 1] (about 0..1 on MovieLens) */
  private activity(inputs: BatchInputs): tf.Tensor2D {
    if (!inputs.eventsBefore) throw new Error("the activity feature needs eventsBefore in the batch");
    return tf.div(tf.log1p(tf.reshape(inputs.eventsBefore, [-1, 1])), 10) as tf.Tensor2D;
  }

  /** Logits (and attention weights) of a batch. Call inside tf.tidy. */
  forward(inputs: BatchInputs, partitionTable: tf.Tensor2D | null, options: ForwardOptions = {}): ForwardOutput {
    if (this.config.liber && !partitionTable) throw new Error("the LIBER variant needs the partition table");
    return this.config.backbone === "din"
      ? this.forwardDin(inputs, partitionTable, options)
      : this.forwardDeepFm(inputs, partitionTable, options);
  }

  private forwardDin(inputs: BatchInputs, partitionTable: tf.Tensor2D | null, options: ForwardOptions): ForwardOutput {
    const [B, L] = inputs.histItems.shape;
    const C = inputs.histCats.shape[2];
    const target = this.itemRepresentation(inputs.item, inputs.itemCats); // [B, 2E]
    const width = target.shape[1];
    const history = tf.reshape(
      this.itemRepresentation(
        tf.reshape(inputs.histItems, [-1]) as tf.Tensor1D,
        tf.reshape(inputs.histCats, [-1, C]) as tf.Tensor2D,
      ),
      [B, L, width],
    );
    const t = tf.tile(tf.expandDims(target, 1), [1, L, 1]);
    const unit = tf.concat([t, history, tf.sub(t, history), tf.mul(t, history)], 2);
    const scores = tf.reshape(
      this.mlp(
        "din.attention",
        tf.reshape(unit, [B * L, 4 * width]) as tf.Tensor2D,
        this.config.attentionMlp.length + 1,
      ),
      [B, L],
    ) as tf.Tensor2D;
    const historyWeights = maskedSoftmax(scores, tf.notEqual(inputs.histItems, 0));
    const pooled = tf.sum(tf.mul(history, tf.expandDims(historyWeights, 2)), 1);
    const parts: tf.Tensor[] = [embeddingLookup(this.p("emb.user"), inputs.user), target, pooled];
    if (this.config.activityFeature) parts.push(this.activity(inputs));
    let partitionWeights: tf.Tensor2D | undefined;
    if (this.config.liber) {
      const fused = this.liberFuse(inputs, partitionTable!, target, options);
      parts.push(fused.pooled);
      partitionWeights = fused.weights;
    }
    const logits = tf.reshape(this.mlp("din.mlp", tf.concat(parts, 1) as tf.Tensor2D, this.config.mlp.length + 1), [
      B,
    ]) as tf.Tensor1D;
    return { logits, partitionWeights, historyWeights };
  }

  private forwardDeepFm(
    inputs: BatchInputs,
    partitionTable: tf.Tensor2D | null,
    options: ForwardOptions,
  ): ForwardOutput {
    const B = inputs.user.shape[0];
    const E = this.config.embedDim;
    const itemEmb = embeddingLookup(this.p("emb.item"), inputs.item) as tf.Tensor2D;
    const catEmb = this.categoryMean(inputs.itemCats);
    const histMask = tf.expandDims(tf.cast(tf.notEqual(inputs.histItems, 0), "float32"), 2);
    const [, L] = inputs.histItems.shape;
    const histEmb = tf.reshape(embeddingLookup(this.p("emb.item"), tf.reshape(inputs.histItems, [-1])), [B, L, E]);
    const histMean = tf.div(tf.sum(tf.mul(histEmb, histMask), 1), tf.maximum(tf.sum(histMask, 1), 1));
    const fields: tf.Tensor2D[] = [
      embeddingLookup(this.p("emb.user"), inputs.user) as tf.Tensor2D,
      itemEmb,
      catEmb,
      histMean as tf.Tensor2D,
    ];
    if (this.config.activityFeature)
      fields.push(tf.add(matMul(this.activity(inputs), this.p("activity.w")), this.p("activity.b")) as tf.Tensor2D);
    let partitionWeights: tf.Tensor2D | undefined;
    if (this.config.liber) {
      const target = tf.concat([itemEmb, catEmb], 1) as tf.Tensor2D;
      const fused = this.liberFuse(inputs, partitionTable!, target, options);
      fields.push(tf.add(matMul(fused.pooled, this.p("liber.to_field.w")), this.p("liber.to_field.b")) as tf.Tensor2D);
      partitionWeights = fused.weights;
    }
    const stacked = tf.stack(fields, 1); // [B, F, E]
    const sumSquare = tf.square(tf.sum(stacked, 1));
    const squareSum = tf.sum(tf.square(stacked), 1);
    const fm = tf.mul(tf.sum(tf.sub(sumSquare, squareSum), 1), 0.5); // [B]
    const firstOrder = tf.add(
      tf.add(
        tf.reshape(embeddingLookup(this.p("fm.w.user"), inputs.user), [B]),
        tf.reshape(embeddingLookup(this.p("fm.w.item"), inputs.item), [B]),
      ),
      tf.add(tf.reshape(this.categoryMean(inputs.itemCats, "fm.w.category"), [B]), this.p("fm.bias")),
    );
    const deep = tf.reshape(this.mlp("deepfm.mlp", tf.concat(fields, 1) as tf.Tensor2D, this.config.mlp.length + 1), [
      B,
    ]);
    const logits = tf.add(tf.add(firstOrder, fm), deep) as tf.Tensor1D;
    return { logits, partitionWeights };
  }

  /** Copies of all parameter values (for early stopping); the caller disposes them. */
  snapshot(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, v] of this.params) out.set(name, tf.clone(v));
    return out;
  }

  restore(snapshot: Map<string, tf.Tensor>): void {
    for (const [name, value] of snapshot) this.p(name).assign(value);
  }

  /** Parameter values by name (for saving a trained model). */
  async weights(): Promise<{ name: string; shape: number[]; values: Float32Array }[]> {
    const out = [];
    for (const [name, v] of this.params) out.push({ name, shape: v.shape, values: (await v.data()) as Float32Array });
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

/**
 * a @ b for 2-D tensors, with a gradient that transposes explicitly: on the wasm backend a
 * matMul with transposeA/transposeB (what tf.matMul's own gradient uses) measured about 5x
 * slower than transpose + plain matMul, and these products are most of the training time.
 */
export function matMul(a: tf.Tensor2D | tf.Tensor, b: tf.Tensor2D | tf.Tensor): tf.Tensor2D {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.matMul(x, w),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]!)),
        tf.matMul(tf.transpose(saved[0]!), dy as tf.Tensor2D),
      ],
    };
  });
  return product(a as tf.Tensor, b as tf.Tensor) as tf.Tensor2D;
}

/**
 * tf.gather(table, ids) whose gradient is a scatter-add (scatterND sums duplicate ids): the
 * wasm backend has no UnsortedSegmentSum kernel, which tf.gather's own gradient needs.
 */
export function embeddingLookup(table: tf.Tensor2D | tf.Variable, ids: tf.Tensor): tf.Tensor2D {
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor;
    return {
      value: tf.gather(t, flat),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.scatterND(tf.expandDims(flat, 1), dy as tf.Tensor, t.shape),
    };
  });
  return lookup(table as tf.Tensor) as tf.Tensor2D;
}

/** Softmax over the last axis restricted to `mask`; rows with no valid entry get all zeros. */
export function maskedSoftmax(scores: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const m = tf.cast(mask, "float32");
  const masked = tf.where(mask, scores, tf.fill(scores.shape, -1e9));
  const weights = tf.mul(tf.softmax(masked), m);
  return tf.div(weights, tf.add(tf.sum(weights, 1, true), 1e-9)) as tf.Tensor2D;
}
