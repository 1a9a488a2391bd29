/** Collects a repeatable flag's values (`-a k=v -a k=v`), for commander. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
