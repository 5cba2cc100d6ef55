/** docs/api.md#limits: the characters CloudStack's own parameter names use. */
const NAME = /^[A-Za-z0-9_.[\]]+$/

/**
 * Why a request's parameter names cannot be signed safely, or undefined when they can. CloudStack
 * signs `name=value` pairs joined by `&` without encoding the names, so a name holding `=` or `&`
 * can swallow its neighbours without changing the signed string (folding `expires` away would
 * make an expired request valid forever). Two names that differ only in case sign as one, and the
 * commands read them case-insensitively: which one wins would depend on the order, which the
 * signature does not cover. Pure; checked before the signature (issue 11, item 1).
 */
export function parameterNameProblem(names: Iterable<string>): string | undefined {
  const seen = new Set<string>()
  for (const name of names) {
    if (!NAME.test(name))
      return `parameter name ${JSON.stringify(name.slice(0, 64))} may contain only letters, digits, _ . [ ]`
    const folded = name.toLowerCase()
    if (seen.has(folded)) return `parameter ${JSON.stringify(name)} is given twice (names are not case-sensitive)`
    seen.add(folded)
  }
  return undefined
}
