// Feature-Sliced Design, checked without a linter: a layer imports only from layers below it,
// slices of one layer do not import each other, and other slices use a slice's public index.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')
const LAYERS = ['shared', 'entities', 'features', 'widgets', 'pages', 'app'] as const
type Layer = (typeof LAYERS)[number]
const SLICED: Layer[] = ['entities', 'features', 'widgets', 'pages']

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|vue)$/.test(name) ? [path] : []
  })
}

function importsOf(code: string): string[] {
  const found: string[] = []
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm]
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]!)
  return found
}

interface Place {
  layer: Layer
  slice: string | null
  rest: string[]
}

function placeOf(absPath: string): Place | null {
  const parts = relative(SRC, absPath).split(sep)
  const layer = parts[0] as Layer
  if (!LAYERS.includes(layer)) return null
  const sliced = SLICED.includes(layer)
  return { layer, slice: sliced ? (parts[1] ?? null) : null, rest: parts.slice(sliced ? 2 : 1) }
}

function resolveImport(fromFile: string, spec: string): string | null {
  if (spec.startsWith('@/')) return join(SRC, spec.slice(2))
  if (spec.startsWith('.')) return resolve(dirname(fromFile), spec)
  return null // a package
}

function violations(): string[] {
  const problems: string[] = []
  for (const file of sourceFiles(SRC)) {
    const from = placeOf(file)
    if (!from) continue
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveImport(file, spec)
      const to = target ? placeOf(target) : null
      if (!to) continue
      const where = `${relative(SRC, file)} imports '${spec}'`
      if (LAYERS.indexOf(to.layer) > LAYERS.indexOf(from.layer)) {
        problems.push(`${where}: ${from.layer} must not import from the higher layer ${to.layer}`)
      } else if (to.layer === from.layer && to.slice && from.slice && to.slice !== from.slice) {
        problems.push(`${where}: slices of ${from.layer} must not import each other (${from.slice} -> ${to.slice})`)
      } else if (to.layer !== from.layer && to.slice && to.rest.length > 0 && !(to.rest.length === 1 && /^index\.ts$/.test(to.rest[0]!))) {
        problems.push(`${where}: use the public index of ${to.layer}/${to.slice}, not its insides`)
      }
    }
  }
  return problems
}

describe('Feature-Sliced Design layers', () => {
  it('has every layer', () => {
    for (const layer of LAYERS) expect(statSync(join(SRC, layer)).isDirectory()).toBe(true)
  })

  it('finds an upward import when there is one (the checker itself works)', () => {
    const fake = join(SRC, 'entities', 'user', 'x.ts')
    expect(placeOf(resolveImport(fake, '@/features/auth')!)!.layer).toBe('features')
    expect(LAYERS.indexOf('features')).toBeGreaterThan(LAYERS.indexOf('entities'))
  })

  it('has no upward, cross-slice or deep imports', () => {
    expect(violations()).toEqual([])
  })
})
