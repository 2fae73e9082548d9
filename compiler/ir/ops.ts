// The op table: importing this module defines every op (each file under ops/ registers its
// entries with defineOp). Files are grouped by family, in the order a model uses them.
//
// OpTable is the same table as a type: each file exports its entries (`export const sumOp =
// defineOp({...})`) and OpTable maps each literal op name to its entry's type, so `attrsOf` and
// `operandsOf` (view.ts) know an op's attributes and operands by its name. The elementwise maps are
// made by shared helpers (unary, binary), which keep each entry's literal name, so they are in it
// too: tables keyed by OpName (compiler/kernels/lowering.ts) must cover every op.

import "./ops/source.ts";
import "./ops/elementwise.ts";
import "./ops/reduce.ts";
import "./ops/movement.ts";
import "./ops/index.ts";
import "./ops/contraction.ts";
import "./ops/nn.ts";
import "./ops/attention.ts";
import "./ops/attention-qknorm.ts";
import "./ops/attention-grad.ts";
import "./ops/random.ts";
import "./ops/gradient.ts";

import type { AttrSchema, OpDef, OperandNames } from "./op.ts";
import type * as source from "./ops/source.ts";
import type * as elementwise from "./ops/elementwise.ts";
import type * as reduce from "./ops/reduce.ts";
import type * as movement from "./ops/movement.ts";
import type * as index from "./ops/index.ts";
import type * as contraction from "./ops/contraction.ts";
import type * as nn from "./ops/nn.ts";
import type * as attention from "./ops/attention.ts";
import type * as attentionQknorm from "./ops/attention-qknorm.ts";
import type * as attentionGrad from "./ops/attention-grad.ts";
import type * as random from "./ops/random.ts";
import type * as gradient from "./ops/gradient.ts";

export { allOps, getOp, hasOp } from "./op.ts";

type Exports<M> = M[keyof M];
type AnyDef = OpDef<string, AttrSchema, OperandNames>;
type Entries = Extract<
  | Exports<typeof source> | Exports<typeof elementwise> | Exports<typeof reduce> | Exports<typeof movement>
  | Exports<typeof index> | Exports<typeof contraction> | Exports<typeof nn> | Exports<typeof attention>
  | Exports<typeof attentionQknorm> | Exports<typeof attentionGrad> | Exports<typeof random> | Exports<typeof gradient>,
  AnyDef
>;

/** Every entry with a literal name, by name. */
export type OpTable = { readonly [D in Entries as string extends D["name"] ? never : D["name"]]: D };
export type OpName = keyof OpTable;
