// Registers every kernel builder with the scheduler. Importing this module is what makes the
// kernel kinds available; each builder file registers its own kinds.

import "./elementwise.ts";
import "./attention.ts";
import "./flash-attention.ts";
import "./scatter.ts";
import "./reduce.ts";
import "./norm.ts";
import "./matmul.ts";
import "./conv.ts";
