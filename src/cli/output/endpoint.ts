// An address and port as every table prints them: `10.0.0.1:80`, and `[2001:db8::1]:80` for IPv6
// (brackets, or the port would read as part of the address).
export function formatEndpoint(address: string, port: number, family: 4 | 6): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
