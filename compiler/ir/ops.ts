// The op table: importing this module defines every op (each file under ops/ registers its
// entries with defineOp). Files are grouped by family, in the order a model uses them.

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

export { allOps, getOp, hasOp } from "./op.ts";
