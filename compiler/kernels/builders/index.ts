// Registers every kernel builder with the scheduler. Importing this module is what makes the
// kernel kinds available; each builder file registers its own kinds.

import "./elementwise.ts";
