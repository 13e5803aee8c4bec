// Counts with their noun in the right number: "1 rule", "3 rules".
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}
