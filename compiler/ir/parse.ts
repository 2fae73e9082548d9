// The Graph IR text parser (the form `text.ts` prints), built on chevrotain.
//
//   module := graph+
//   graph  := 'graph' name '{' line* 'return' '{' (name ':' %label),* '}' '}'
//   line   := %label '=' op ('(' %label,* ')')? record? ':' dtype '[' dim,* ']'
//   dim    := (int | symbol) ('*' (int | symbol))*
//   value  := number | -inf | string | true | false | null | inf | nan | '[' value,* ']' | record
//   record := '{' (name ':' value),* '}'
//
// `#` and `//` start comments that run to the end of the line.
//
// Limits, each refused with a ParseError rather than failing some other way: lists and records in
// attribute values nest at most MAX_NESTING deep (the parser recurses per level, and the stack runs
// out near 900), and a dimension, or the numeric factor of a symbolic one, is at most MAX_DIM
// (2^53 - 1; past it sizes no longer hold exactly). A text must hold at least one graph.
//
// Parsing happens in two steps. Chevrotain turns tokens into a small syntax tree that keeps token
// positions; then each line is built with `apply` (so the op table infers its type, exactly as for
// nodes made anywhere else) and the written type must equal the inferred one. Every error, lexical,
// syntactic or semantic, is a `ParseError` carrying the line and column it is about.

import type { IToken, TokenType } from "chevrotain";
import { EOF, EmbeddedActionsParser, Lexer, createToken, tokenMatcher } from "chevrotain";
import { IRError, apply } from "./build.ts";
import type { AttrValue, Attrs, GraphOutput, Node } from "./graph.ts";
import { Graph } from "./graph.ts";
import { getOp, hasOp } from "./op.ts";
import type { DType, Dim } from "./types.ts";
import { DTYPES, MAX_DIM, dim, formatType, isDType, shapeEq } from "./types.ts";
import type { TextPos } from "./verify.ts";
import { recordPositions } from "./verify.ts";
import { attrsOf } from "./view.ts";

/** How deep lists and records may nest in an attribute value, the attribute record included. */
export const MAX_NESTING = 64;
export { MAX_DIM };

export class ParseError extends Error {
  readonly line: number;
  readonly column: number;
  /** The message without its position. */
  readonly reason: string;
  constructor(line: number, column: number, reason: string) {
    super(`${line}:${column}: ${reason}`);
    this.name = "ParseError";
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_.]*/, label: "a name" });
const GraphKw = createToken({ name: "GraphKw", pattern: /graph/, longer_alt: Identifier, label: "'graph'" });
const ReturnKw = createToken({ name: "ReturnKw", pattern: /return/, longer_alt: Identifier, label: "'return'" });
const Label = createToken({ name: "Label", pattern: /%[A-Za-z0-9_.]+/, label: "a %name" });
const NumberLit = createToken({ name: "NumberLit", pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, label: "a number" });
const NegInf = createToken({ name: "NegInf", pattern: /-inf(?![A-Za-z0-9_.])/, start_chars_hint: ["-"], label: "'-inf'" });
const StringLit = createToken({
  name: "StringLit",
  pattern: /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/,
  label: "a string",
});
// Matches what StringLit refused (no closing quote, a bad escape, a raw control character), so the
// error can say so instead of "unexpected character".
const BadString = createToken({ name: "BadString", pattern: /"(?:[^"\\\n\r]|\\.)*/, label: "a string" });
const punct = (name: string, ch: string) => createToken({ name, pattern: ch, label: `'${ch}'` });
const LBrace = punct("LBrace", "{"), RBrace = punct("RBrace", "}");
const LParen = punct("LParen", "("), RParen = punct("RParen", ")");
const LBracket = punct("LBracket", "["), RBracket = punct("RBracket", "]");
const Comma = punct("Comma", ","), Colon = punct("Colon", ":"), Equals = punct("Equals", "="), Star = punct("Star", "*");
const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: "Comment", pattern: /(?:#|\/\/)[^\n\r]*/, group: Lexer.SKIPPED });

const allTokens: TokenType[] = [
  WhiteSpace, Comment, StringLit, BadString, NegInf, NumberLit, Label, GraphKw, ReturnKw, Identifier,
  LBrace, RBrace, LParen, RParen, LBracket, RBracket, Comma, Colon, Equals, Star,
];

const lexer = new Lexer(allTokens, { positionTracking: "full" });

// ---------------------------------------------------------------------------------------------
// Syntax tree

interface DimAst {
  readonly factors: readonly IToken[];
}
interface TypeAst {
  readonly dtype: IToken;
  readonly dims: readonly DimAst[];
}
interface RecordAst {
  readonly value: { [k: string]: AttrValue };
  /** Where each key was written, for errors about one attribute. */
  readonly keys: Map<string, IToken>;
}
interface LineAst {
  readonly label: IToken;
  readonly op: IToken;
  readonly args: readonly IToken[];
  readonly attrs: RecordAst | undefined;
  readonly type: TypeAst;
}
interface OutputAst {
  readonly name: string;
  readonly nameTok: IToken;
  readonly label: IToken;
}
interface GraphAst {
  readonly keyword: IToken;
  readonly name: string;
  readonly nameTok: IToken;
  readonly lines: readonly LineAst[];
  readonly outputs: readonly OutputAst[];
}

const at = (tok: IToken, reason: string) => new ParseError(tok.startLine ?? 0, tok.startColumn ?? 0, reason);
const show = (tok: IToken) => (tokenMatcher(tok, EOF) ? "end of input" : `'${tok.image}'`);
const labelOf = (t: TokenType) => t.LABEL ?? t.name;
const orList = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? "nothing") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`);
const unique = (xs: string[]) => [...new Set(xs)];

/** What each rule expects, in words, for "expected X but found Y" at an alternation. */
const RULE_EXPECTS: Record<string, string> = {
  value: "a value (number, string, true, false, null, inf, nan, list or record)",
  key: "a name",
  dim: "a dimension",
};

const messages = {
  buildMismatchTokenMessage: ({ expected, actual }: { expected: TokenType; actual: IToken }) =>
    `expected ${expected === ReturnKw ? "a %name line or 'return'" : labelOf(expected)} but found ${show(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }: { firstRedundant: IToken }) =>
    `expected 'graph' but found ${show(firstRedundant)}`,
  buildNoViableAltMessage: (o: { expectedPathsPerAlt: TokenType[][][]; actual: IToken[]; ruleName: string }) => {
    const firsts = unique(o.expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? labelOf(path[0]) : ""))));
    return `expected ${RULE_EXPECTS[o.ruleName] ?? orList(firsts)} but found ${show(o.actual[0]!)}`;
  },
  buildEarlyExitMessage: (o: { expectedIterationPaths: TokenType[][]; actual: IToken[]; ruleName: string }) => {
    const firsts = unique(o.expectedIterationPaths.map((path) => (path[0] ? labelOf(path[0]) : "")));
    return `expected ${RULE_EXPECTS[o.ruleName] ?? orList(firsts)} but found ${show(o.actual[0]!)}`;
  },
};

/** The words a value may be; a Map, so that `constructor` or `toString` is no word. */
const WORDS = new Map<string, AttrValue>([["true", true], ["false", false], ["null", null], ["inf", Infinity], ["nan", NaN]]);

class IRParser extends EmbeddedActionsParser {
  /** How many lists and records enclose the current point of an attribute value. */
  nesting = 0;

  constructor() {
    super(allTokens, { errorMessageProvider: messages, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  /** A list or record opens at `open`: refuse it past MAX_NESTING, before recursion runs out of stack. */
  enter(open: IToken): void {
    if (++this.nesting > MAX_NESTING) {
      throw at(open, `lists and records nest deeper than ${MAX_NESTING} levels (the limit for attribute values)`);
    }
  }

  module = this.RULE("module", (): GraphAst[] => {
    this.ACTION(() => {
      this.nesting = 0; // left over when the previous text failed inside a value
    });
    const graphs: GraphAst[] = [];
    this.MANY(() => {
      graphs.push(this.SUBRULE(this.graph));
    });
    return graphs;
  });

  graph = this.RULE("graph", (): GraphAst => {
    const keyword = this.CONSUME(GraphKw);
    const name = this.SUBRULE(this.key);
    this.CONSUME(LBrace);
    const lines: LineAst[] = [];
    this.MANY(() => {
      lines.push(this.SUBRULE(this.line));
    });
    this.CONSUME(ReturnKw);
    this.CONSUME2(LBrace);
    const outputs: OutputAst[] = [];
    this.MANY_SEP({
      SEP: Comma,
      DEF: () => {
        const k = this.SUBRULE2(this.key);
        this.CONSUME(Colon);
        outputs.push({ name: k.text, nameTok: k.tok, label: this.CONSUME(Label) });
      },
    });
    this.CONSUME(RBrace);
    this.CONSUME2(RBrace);
    return { keyword, name: name.text, nameTok: name.tok, lines, outputs };
  });

  line = this.RULE("line", (): LineAst => {
    const label = this.CONSUME(Label);
    this.CONSUME(Equals);
    const op = this.CONSUME(Identifier);
    const args: IToken[] = [];
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.MANY_SEP({ SEP: Comma, DEF: () => args.push(this.CONSUME2(Label)) });
      this.CONSUME(RParen);
    });
    const attrs = this.OPTION2(() => this.SUBRULE(this.record));
    this.CONSUME(Colon);
    const type = this.SUBRULE(this.type);
    return { label, op, args, attrs, type };
  });

  type = this.RULE("type", (): TypeAst => {
    const dtype = this.CONSUME(Identifier);
    this.CONSUME(LBracket);
    const dims: DimAst[] = [];
    this.MANY_SEP({ SEP: Comma, DEF: () => dims.push(this.SUBRULE(this.dim)) });
    this.CONSUME(RBracket);
    return { dtype, dims };
  });

  dim = this.RULE("dim", (): DimAst => {
    const factors: IToken[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: Star,
      DEF: () => factors.push(this.OR([{ ALT: () => this.CONSUME(NumberLit) }, { ALT: () => this.CONSUME(Identifier) }])),
    });
    return { factors };
  });

  key = this.RULE("key", (): { text: string; tok: IToken } => {
    const tok = this.OR([
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(GraphKw) },
      { ALT: () => this.CONSUME(ReturnKw) },
    ]);
    const text = this.ACTION(() => (tokenMatcher(tok, StringLit) ? (JSON.parse(tok.image) as string) : tok.image));
    return { text, tok };
  });

  record = this.RULE("record", (): RecordAst => {
    const value: { [k: string]: AttrValue } = {};
    const keys = new Map<string, IToken>();
    const open = this.CONSUME(LBrace);
    this.ACTION(() => this.enter(open));
    this.MANY_SEP({
      SEP: Comma,
      DEF: () => {
        const k = this.SUBRULE(this.key);
        this.CONSUME(Colon);
        const v = this.SUBRULE(this.value);
        this.ACTION(() => {
          const prev = keys.get(k.text);
          if (prev) throw at(k.tok, `key '${k.text}' is repeated (first at ${prev.startLine}:${prev.startColumn})`);
          keys.set(k.text, k.tok);
          // Defined, not assigned: assigning '__proto__' would set the prototype (or do nothing)
          // instead of making a key, as JSON.parse also knows.
          Object.defineProperty(value, k.text, { value: v, enumerable: true, writable: true, configurable: true });
        });
      },
    });
    this.CONSUME(RBrace);
    this.ACTION(() => this.nesting--);
    return { value, keys };
  });

  value = this.RULE("value", (): AttrValue =>
    this.OR([
      { ALT: () => Number(this.CONSUME(NumberLit).image) },
      { ALT: () => (this.CONSUME(NegInf), -Infinity) },
      {
        ALT: () => {
          const tok = this.CONSUME(StringLit);
          return this.ACTION(() => JSON.parse(tok.image) as string);
        },
      },
      {
        ALT: () => {
          const tok = this.CONSUME(Identifier);
          return this.ACTION(() => {
            if (!WORDS.has(tok.image)) throw at(tok, `expected ${RULE_EXPECTS["value"]} but found '${tok.image}'`);
            return WORDS.get(tok.image)!;
          });
        },
      },
      {
        ALT: () => {
          const items: AttrValue[] = [];
          const open = this.CONSUME(LBracket);
          this.ACTION(() => this.enter(open));
          this.MANY_SEP({ SEP: Comma, DEF: () => items.push(this.SUBRULE(this.value)) });
          this.CONSUME(RBracket);
          this.ACTION(() => this.nesting--);
          return items;
        },
      },
      { ALT: () => this.SUBRULE(this.record).value },
    ]));
}

let parserInstance: IRParser | undefined;

function syntax(text: string): GraphAst[] {
  const lexed = lexer.tokenize(text);
  const bad = lexed.tokens.find((t) => tokenMatcher(t, BadString));
  const lexErr = lexed.errors[0];
  if (bad && (!lexErr || bad.startOffset < lexErr.offset)) {
    const closed = text[bad.endOffset! + 1] === '"';
    throw at(bad, closed ? "invalid string (bad escape or control character)" : "unterminated string");
  }
  if (lexErr) {
    throw new ParseError(lexErr.line ?? 0, lexErr.column ?? 0, `unexpected character ${JSON.stringify(text[lexErr.offset])}`);
  }
  const parser = (parserInstance ??= new IRParser());
  parser.input = lexed.tokens;
  const graphs = parser.module();
  const err = parser.errors[0];
  if (err) {
    if (tokenMatcher(err.token, EOF)) {
      // Errors at the end of input point just past the last token.
      const last = lexed.tokens[lexed.tokens.length - 1];
      const line = last ? last.endLine! : 1, col = last ? last.endColumn! + 1 : 1;
      throw new ParseError(line, col, err.message);
    }
    throw at(err.token, err.message);
  }
  return graphs;
}

// ---------------------------------------------------------------------------------------------
// Building graphs

/** A long literal, shortened for a message. */
const digits = (s: string) => (s.length > 24 ? `${s.slice(0, 12)}... (${s.length} digits)` : s);
const tooBig = (what: string) => `dimension ${what} exceeds the maximum ${MAX_DIM} (2^53 - 1)`;

function buildDim(d: DimAst): Dim {
  const first = d.factors[0]!;
  // The numeric factors multiply exactly (as BigInt), so that no size rounds before it is checked.
  let coef = 1n;
  const syms: string[] = [];
  for (const f of d.factors) {
    if (tokenMatcher(f, NumberLit)) {
      if (!/^\d+$/.test(f.image)) throw at(f, `dimension must be a non-negative integer or a symbol, got '${f.image}'`);
      if (BigInt(f.image) > BigInt(MAX_DIM)) throw at(f, tooBig(digits(f.image)));
      coef *= BigInt(f.image);
    } else {
      if (f.image.includes(".")) throw at(f, `symbolic dimension '${f.image}' may not contain '.'`);
      syms.push(f.image);
    }
  }
  if (coef > BigInt(MAX_DIM)) throw at(first, tooBig(`${d.factors.map((f) => f.image).join("*")} (factor ${digits(String(coef))})`));
  if (syms.length === 0) return Number(coef);
  try {
    return dim([String(coef), ...syms].join("*"));
  } catch (e) {
    throw at(first, (e as Error).message);
  }
}

function buildType(t: TypeAst): { dtype: DType; shape: Dim[] } {
  const dtype = t.dtype.image;
  if (!isDType(dtype)) throw at(t.dtype, `unknown dtype '${dtype}' (expected ${orList([...DTYPES])})`);
  return { dtype, shape: t.dims.map(buildDim) };
}

const pos = (tok: IToken) => `${tok.startLine}:${tok.startColumn}`;
const textPos = (tok: IToken): TextPos => ({ line: tok.startLine ?? 0, column: tok.startColumn ?? 0 });

/**
 * Refuse attribute keys the op does not have, by its own keys. `resolveAttrs` tests `k in attrs`,
 * for which every op has `constructor` and `__proto__` (and the value is then dropped silently).
 * The message is the one `resolveAttrs` gives for any other unknown key.
 */
function checkAttrKeys(op: string, args: readonly Node[], attrs: RecordAst | undefined): void {
  const known = getOp(op).attrs;
  for (const [k, tok] of attrs?.keys ?? []) {
    if (!Object.hasOwn(known, k)) {
      throw at(tok, new IRError(op, `unknown attribute '${k}' (known: ${Object.keys(known).join(", ") || "none"})`, args).message);
    }
  }
}

function buildGraph(g: GraphAst, file: string): Graph {
  const values = new Map<string, { node: Node; tok: IToken }>();
  const inputs: Node[] = [], params: Node[] = [];
  const leafNames = new Map<string, IToken>();
  const nodePos = new Map<Node, TextPos>();
  for (const line of g.lines) {
    const name = line.label.image;
    const prev = values.get(name);
    if (prev) throw at(line.label, `${name} is already defined at ${pos(prev.tok)}`);
    const op = line.op.image;
    if (!hasOp(op)) throw at(line.op, `unknown op '${op}'`);
    const args = line.args.map((a) => {
      const v = values.get(a.image);
      if (!v) throw at(a, `${a.image} is not defined`);
      return v.node;
    });
    const written = buildType(line.type);
    checkAttrKeys(op, args, line.attrs);
    const attrs: Attrs = line.attrs?.value ?? {};
    let node: Node;
    try {
      node = apply(op, args, attrs, { file, line: line.op.startLine!, col: line.op.startColumn! });
    } catch (e) {
      if (!(e instanceof IRError)) throw e;
      // Errors about one attribute point at its key when it was written.
      const attr = /attribute '([^']+)'/.exec(e.reason)?.[1];
      const where = (attr !== undefined && line.attrs?.keys.get(attr)) || line.op;
      throw at(where, e.message.split("\n")[0]!);
    }
    if (node.dtype !== written.dtype || !shapeEq(node.shape, written.shape)) {
      throw at(line.type.dtype,
        `type mismatch: written ${formatType(written.dtype, written.shape)} but ${op} infers ${formatType(node.dtype, node.shape)}`);
    }
    if (op === "input" || op === "param") {
      const leafKey = attrsOf(node, "input", "param").name;
      const first = leafNames.get(leafKey);
      if (first) throw at(line.op, `'${leafKey}' is already declared at ${pos(first)}`);
      leafNames.set(leafKey, line.op);
      (op === "input" ? inputs : params).push(node);
    }
    values.set(name, { node, tok: line.label });
    if (!nodePos.has(node)) nodePos.set(node, textPos(line.op));
  }
  const outputs: GraphOutput[] = [];
  const outNames = new Map<string, IToken>();
  const outPos = new Map<string, TextPos>();
  for (const o of g.outputs) {
    const first = outNames.get(o.name);
    if (first) throw at(o.nameTok, `output '${o.name}' is already returned at ${pos(first)}`);
    outNames.set(o.name, o.nameTok);
    outPos.set(o.name, textPos(o.nameTok));
    const v = values.get(o.label.image);
    if (!v) throw at(o.label, `${o.label.image} is not defined`);
    outputs.push({ name: o.name, node: v.node });
  }
  const graph = new Graph(g.name, inputs, params, outputs);
  recordPositions(graph, { name: textPos(g.nameTok), outputs: outPos, nodes: nodePos });
  return graph;
}

function build(text: string, file: string): { graphs: Graph[]; asts: GraphAst[] } {
  const asts = syntax(text);
  // The grammar stops at the first token that is not 'graph', so no graph means no tokens at all.
  if (asts.length === 0) throw new ParseError(1, 1, `no graph: the text is ${text.trim() ? "only comments" : "empty"}`);
  const graphs: Graph[] = [];
  const seen = new Map<string, IToken>();
  for (const g of asts) {
    const first = seen.get(g.name);
    if (first) throw at(g.nameTok, `graph '${g.name}' is already defined at ${pos(first)}`);
    seen.set(g.name, g.nameTok);
    graphs.push(buildGraph(g, file));
  }
  return { graphs, asts };
}

/** Parse every graph of a text (a module, at least one graph). `file` is recorded in the nodes' source locations. */
export function parseModule(text: string, file = "<ir>"): Graph[] {
  return build(text, file).graphs;
}

/** Parse a text holding exactly one graph. */
export function parse(text: string, file = "<ir>"): Graph {
  const { graphs, asts } = build(text, file);
  if (graphs.length !== 1) throw at(asts[1]!.keyword, `expected exactly one graph, found ${graphs.length} (use parseModule)`);
  return graphs[0]!;
}
