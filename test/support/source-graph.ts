import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The repository's root. */
export const ROOT = resolve(__dirname, '../..');

/** Where Klaxon's non-test source lives. */
export const SOURCE_DIRS = ['core', 'config', 'workflows', 'activities', 'worker', 'client', 'ledger', 'console', 'scripts', 'bench'];

/** One import of a module: what it names and whether only types are taken (erased from the code). */
export interface ModuleImport {
  specifier: string;
  typeOnly: boolean;
  /** The repository file it resolves to (relative path), for a relative specifier. */
  file?: string;
}

/** Every .ts file under the source directories, as paths relative to the root. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) out.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return out.sort();
}

function resolveFile(from: string, specifier: string): string | undefined {
  const base = relative(ROOT, resolve(ROOT, dirname(from), specifier));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      if (statSync(join(ROOT, candidate)).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** The imports and re-exports of a file, read from its syntax tree (dynamic imports and require included). */
export function importsOf(file: string): ModuleImport[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: ModuleImport[] = [];
  const add = (specifier: string, typeOnly: boolean) => found.push({ specifier, typeOnly, ...(specifier.startsWith('.') ? { file: resolveFile(file, specifier) } : {}) });
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const allTypes = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The import cycles among `files` (type-only imports included: they knot the design as much), each as a path. */
export function importCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, [...new Set(importsOf(f).flatMap((i) => (i.file && files.includes(i.file) ? [i.file] : [])))]]));
  // Tarjan's strongly connected components; a component of more than one file holds a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) components.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) connect(f);
  return components;
}
