// The other side of rolegate's differential test: @cloud-copilot/iam-simulate, an independent IAM evaluator.
//
// Reads JSON lines on stdin, one case each:
//   {"id": 7, "simulation": <the simulator's Simulation object>}
// and writes one JSON line per case, in order:
//   {"id": 7, "result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "error",
//    "errors": "<why the simulator refused the case>", "ignored": [context keys it left out],
//    "statements": {"<Sid>": {"action": bool, "resource": bool, "principal": "Match" | ..., "condition": bool,
//                             "conditions": {"<operator>|<key>": bool}}}}
// Every statement the test generates carries a Sid unique in its case (the explain's identifier), so the
// statements of every layer (identity, boundary, SCP, trust) are found by Sid wherever the analysis puts them.
//
// One process for all cases: loading iam-data costs more than thousands of simulations.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

function asList(value) {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

// Every object in the analysis that carries a statement and its explain, whichever layer it sits in.
function collectStatements(node, found) {
  if (Array.isArray(node)) {
    for (const item of node) collectStatements(item, found)
    return
  }
  if (node === null || typeof node !== 'object') return
  if (node.statement && node.explain && node.explain.identifier !== undefined) {
    const explain = node.explain
    const conditions = {}
    for (const c of asList(explain.conditions)) {
      conditions[`${c.operator}|${c.conditionKeyValue}`] = Boolean(c.matches)
    }
    found[explain.identifier] = {
      action: explain.actionMatch,
      resource: explain.resourceMatch,
      principal: explain.principalMatch,
      condition: explain.conditionMatch,
      conditions
    }
    return
  }
  for (const value of Object.values(node)) collectStatements(value, found)
}

async function runOne(line) {
  const { id, simulation } = JSON.parse(line)
  try {
    const response = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (response.resultType === 'error') {
      return { id, result: 'error', errors: response.errors.message ?? 'invalid' }
    }
    if (response.resultType !== 'single') {
      return { id, result: 'error', errors: `unexpected result type ${response.resultType}` }
    }
    const statements = {}
    collectStatements(response.result.analysis, statements)
    return {
      id,
      result: response.overallResult,
      ignored: response.result.ignoredContextKeys ?? [],
      statements
    }
  } catch (err) {
    return { id, result: 'error', errors: `threw: ${err && err.message ? err.message : String(err)}` }
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
const out = []
for await (const line of lines) {
  if (line.trim() === '') continue
  out.push(JSON.stringify(await runOne(line)))
  if (out.length >= 256) {
    process.stdout.write(out.join('\n') + '\n')
    out.length = 0
  }
}
if (out.length) process.stdout.write(out.join('\n') + '\n')
