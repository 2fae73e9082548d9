// The printing WGSL and CUDA C++ share: Kernel IR statements and expressions have the same
// C-like shape on both targets (braces and two-space indentation, `if`/`for`/`while`, infix
// operators, `a[i]` loads and stores, `params.<name>`, `.x` lanes, shortest float literals).
// CLikePrinter walks the statements, prints the operators and parenthesizes operands; a printer
// supplies only its Dialect, the table of what its language spells differently (declarations,
// the `for` header's parts, barriers, comments, literals, builtins, calls, casts, vectors,
// subgroup operations, and any operator it must route through helpers).
//
// Nested operators are always parenthesized, which also keeps WGSL's no-mixing rules for
// `&&`/`||` and the bitwise operators. The two target folders (backends/wgsl, backends/cuda)
// import this module and never each other.

import type { BinaryOp, Expr, Stmt, UnaryOp } from "../../compiler/kernels/kernel-ir.ts";

export type ExprOf<K extends Expr["kind"]> = Extract<Expr, { kind: K }>;
export type StmtOf<K extends Stmt["kind"]> = Extract<Stmt, { kind: K }>;

/** The operator of each binary op, the same in WGSL and C++. */
export const BINARY_OPS: Readonly<Record<BinaryOp, string>> = {
  add: "+", sub: "-", mul: "*", div: "/", rem: "%",
  eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=",
  and: "&&", or: "||", bitand: "&", bitor: "|", bitxor: "^", shl: "<<", shr: ">>",
};

/** The prefix operator of each unary op. */
export const UNARY_OPS: Readonly<Record<UnaryOp, string>> = { neg: "-", not: "!", bitnot: "~" };

/**
 * What one target spells its own way. Statement entries return one line without its indentation;
 * expression entries print sub-expressions through `p` (p.expr, p.operand, or p.prefix/p.infix
 * for the plain operator form).
 */
export interface Dialect {
  /** Whether a negative literal used as an operand is parenthesized (C++: `a - (-1)`). */
  readonly parenthesizeNegativeOperands: boolean;
  let(s: StmtOf<"let">, p: CLikePrinter): string;
  var(s: StmtOf<"var">, p: CLikePrinter): string;
  array(s: StmtOf<"array">): string;
  /** The `for` header is `for (<init>; <name> < <operand(end)>; <step>) {`. */
  forInit(s: StmtOf<"for">, p: CLikePrinter): string;
  forStep(s: StmtOf<"for">, p: CLikePrinter): string;
  barrier(s: StmtOf<"barrier">): string;
  /** One line of a comment statement. */
  comment(line: string): string;
  literal(e: ExprOf<"const">): string;
  builtin(e: ExprOf<"builtin">): string;
  unary(e: ExprOf<"unary">, p: CLikePrinter): string;
  binary(e: ExprOf<"binary">, p: CLikePrinter): string;
  call(e: ExprOf<"call">, p: CLikePrinter): string;
  select(e: ExprOf<"select">, p: CLikePrinter): string;
  cast(e: ExprOf<"cast">, p: CLikePrinter): string;
  bitcast(e: ExprOf<"bitcast">, p: CLikePrinter): string;
  vector(e: ExprOf<"vector">, p: CLikePrinter): string;
  subgroup(e: ExprOf<"subgroup">, p: CLikePrinter): string;
}

export class CLikePrinter {
  readonly #d: Dialect;

  constructor(dialect: Dialect) {
    this.#d = dialect;
  }

  /** Appends `stmts` to `out`, one line each, indented two spaces per `depth`. */
  stmts(stmts: readonly Stmt[], depth: number, out: string[]): void {
    const d = this.#d;
    const pad = "  ".repeat(depth);
    for (const s of stmts) {
      switch (s.kind) {
        case "let": out.push(pad + d.let(s, this)); break;
        case "var": out.push(pad + d.var(s, this)); break;
        case "array": out.push(pad + d.array(s)); break;
        case "assign": out.push(`${pad}${s.name} = ${this.expr(s.value)};`); break;
        case "store": out.push(`${pad}${s.array.name}[${this.expr(s.index)}] = ${this.expr(s.value)};`); break;
        case "if":
          out.push(`${pad}if (${this.expr(s.cond)}) {`);
          this.stmts(s.then, depth + 1, out);
          if (s.else.length > 0) {
            out.push(`${pad}} else {`);
            this.stmts(s.else, depth + 1, out);
          }
          out.push(`${pad}}`);
          break;
        case "for":
          out.push(`${pad}for (${d.forInit(s, this)}; ${s.name} < ${this.operand(s.end)}; ${d.forStep(s, this)}) {`);
          this.stmts(s.body, depth + 1, out);
          out.push(`${pad}}`);
          break;
        case "while":
          out.push(`${pad}while (${this.expr(s.cond)}) {`);
          this.stmts(s.body, depth + 1, out);
          out.push(`${pad}}`);
          break;
        case "break": out.push(`${pad}break;`); break;
        case "continue": out.push(`${pad}continue;`); break;
        case "return": out.push(`${pad}return;`); break;
        case "barrier": out.push(pad + d.barrier(s)); break;
        case "comment": for (const line of s.text.split("\n")) out.push(pad + d.comment(line)); break;
      }
    }
  }

  /** An expression as an operand of an operator: parenthesized unless it is atomic. */
  operand(e: Expr): string {
    const text = this.expr(e);
    if (e.kind === "binary" || e.kind === "unary") return `(${text})`;
    if (e.kind === "const" && this.#d.parenthesizeNegativeOperands && text.startsWith("-")) return `(${text})`;
    return text;
  }

  expr(e: Expr): string {
    const d = this.#d;
    switch (e.kind) {
      case "const": return d.literal(e);
      case "local": return e.name;
      case "param": return `params.${e.name}`;
      case "builtin": return d.builtin(e);
      case "load": return `${e.array.name}[${this.expr(e.index)}]`;
      case "unary": return d.unary(e, this);
      case "binary": return d.binary(e, this);
      case "call": return d.call(e, this);
      case "select": return d.select(e, this);
      case "cast": return d.cast(e, this);
      case "bitcast": return d.bitcast(e, this);
      case "vector": return d.vector(e, this);
      case "lane": return `${this.operand(e.vec)}.${"xyzw"[e.lane]}`;
      case "subgroup": return d.subgroup(e, this);
    }
  }

  /** The plain prefix form: `-x`, `!(a < b)`, `~m`. */
  prefix(e: ExprOf<"unary">): string {
    return `${UNARY_OPS[e.op]}${this.operand(e.arg)}`;
  }

  /** The plain infix form: `a + (b * c)`. */
  infix(e: ExprOf<"binary">): string {
    return `${this.operand(e.lhs)} ${BINARY_OPS[e.op]} ${this.operand(e.rhs)}`;
  }
}

/**
 * The shortest decimal that rounds back to `v` in the given precision and does not exceed its
 * largest finite value (WGSL rejects 3.4028235e+38f although it rounds to the f32 maximum), in
 * exponent form for very large or small magnitudes, always with a `.` or an exponent: valid in
 * WGSL and C alike once the target's suffix is added.
 */
export function floatText(v: number, precision: "f32" | "f16"): string {
  const round = precision === "f32" ? Math.fround : Math.f16round;
  const maxFinite = precision === "f32" ? 3.4028234663852886e38 : 65504;
  let shortest = v;
  for (let p = 1; p <= 17; p++) {
    const candidate = Number(v.toPrecision(p));
    if (round(candidate) === v && Math.abs(candidate) <= maxFinite) { shortest = candidate; break; }
  }
  const mag = Math.abs(shortest);
  // Exponent form for very large or small magnitudes (1e-7, 2.5e+20), positional otherwise.
  const text = mag !== 0 && (mag >= 1e7 || mag < 1e-4) ? shortest.toExponential() : String(shortest);
  return /[.e]/.test(text) ? text : `${text}.0`;
}
